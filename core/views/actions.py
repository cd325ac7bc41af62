"""One thing done to a record from its page (a ticket's reply, a change's approval): a POST
that finds the record as the person sees it (404 otherwise), asks whether they may (403
otherwise), checks the action's form, does it through the app's services in one transaction,
and goes back to the record's page with what happened, or draws the page again with the
form's errors. An app declares its actions as subclasses; the shape is written once here."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views import View

from core.forms import add_validation_error


class RecordAction(LoginRequiredMixin, View, ABC):
    """Base of a record's page actions. A subclass names its `action`, the record's page
    views (`page_views`, a ModelViews), says who may (`allowed`) and does it (`act`)."""

    action: ClassVar[str] = ""
    #: The ModelViews whose detail page the action belongs to.
    page_views: ClassVar[Any] = None
    #: The name the page's template reads the action's form by (default ``<action>_form``).
    form_name: ClassVar[str] = ""
    #: Whether the action runs in one transaction here (False: its service commits its own
    #: steps, as retrying an inbound mail records a failure it must keep).
    atomic: ClassVar[bool] = True

    @abstractmethod
    def allowed(self, user: Any, record: Any) -> dict[str, bool]:
        """What `user` may do to `record` from its page, by action."""

    def make_form(self, request: HttpRequest, record: Any) -> Any:
        """The action's bound form, or None for an action that takes nothing."""
        return None

    @abstractmethod
    def act(self, request: HttpRequest, record: Any, data: dict[str, Any]) -> str:
        """Do the action through the app's services; the message to show."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if pk > 2**63 - 1:
            raise Http404
        model = self.page_views.model
        record = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        if not self.allowed(request.user, record).get(self.action, False):
            raise PermissionDenied
        form = self.make_form(request, record)
        if form is None or form.is_valid():
            try:
                data = form.cleaned_data if form else {}
                if self.atomic:
                    with transaction.atomic():
                        message = self.act(request, record, data)
                else:
                    message = self.act(request, record, data)
            except ValidationError as exc:
                if form is None:
                    messages.error(request, " ".join(exc.messages))
                    return HttpResponseRedirect(record.get_absolute_url())
                add_validation_error(form, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(record.get_absolute_url())
        return self.show_errors(request, record, form)

    def show_errors(self, request: HttpRequest, record: Any, form: Any) -> HttpResponse:
        """The record's page again, the form with its errors in place of the empty one."""
        from core.views.pages import ModelDetailView

        view = ModelDetailView(views=self.page_views, request=request, kwargs={"pk": record.pk})
        view.setup(request, pk=record.pk)
        response = view.get(request, pk=record.pk)
        assert isinstance(response, TemplateResponse)
        context = response.context_data or {}
        context[self.form_name or f"{self.action}_form"] = form
        context["form"] = form
        response.context_data = context
        response.status_code = 400
        return response
