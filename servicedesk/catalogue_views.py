"""Pages of the request catalogue: the items (the desk writes them; the councils' people see
those offered to them and ask for one), the form of an item's questions, a request's answers,
approval and fulfilment tasks on its ticket's page, and the signed link a council lead decides
from without signing in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from core.context import acting_as
from core.forms import add_validation_error
from core.views.generic import ModelViews
from servicedesk import catalogue
from servicedesk.choices import Decision
from servicedesk.filtersets import RequestItemFilterSet
from servicedesk.forms import DecisionForm, RequestForm, RequestItemForm
from servicedesk.models import FulfilmentTask, RequestApproval, RequestItem, Ticket
from servicedesk.tables import RequestItemTable


class RequestItemViews(ModelViews):
    """The request catalogue: what council staff may ask the shared service for."""

    model = RequestItem
    filterset_class = RequestItemFilterSet
    table_class = RequestItemTable
    form_class = RequestItemForm
    nav_label = "Request catalogue"
    nav_order = 8

    @classmethod
    def detail_context(cls, obj: Any, request: HttpRequest) -> dict[str, Any]:
        can_ask = bool(catalogue.councils_to_ask_for(request.user, obj))
        return {
            "questions": catalogue.parse_questions(obj.questions),
            "ask_url": reverse("servicedesk:requestitem_ask", args=[obj.pk]) if can_ask else None,
        }


class RequestItemAsk(LoginRequiredMixin, View):
    """Ask for a catalogue item: its questions, then the request's own page."""

    def get_item(self, request: HttpRequest, pk: int) -> RequestItem:
        if pk > 2**63 - 1:
            raise Http404
        item = get_object_or_404(RequestItem.objects.visible_to(request.user), pk=pk)
        if not catalogue.councils_to_ask_for(request.user, item):
            raise PermissionDenied
        return item

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self.get_item(request, pk)
        return self.render(request, item, RequestForm(user=request.user, item=item))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self.get_item(request, pk)
        form = RequestForm(request.POST, user=request.user, item=item)
        if form.is_valid():
            try:
                with transaction.atomic():
                    ticket = catalogue.raise_request(
                        item,
                        partner=form.cleaned_data["partner"],
                        requester=form.cleaned_data.get("requester") or request.user,
                        answers=form.answers(),
                    )
            except ValidationError as exc:
                add_validation_error(form, _on_form_fields(exc, form))
            else:
                messages.success(request, f"Your request is {ticket.reference}.")
                return HttpResponseRedirect(ticket.get_absolute_url())
        return self.render(request, item, form, status=400)

    def render(
        self, request: HttpRequest, item: RequestItem, form: RequestForm, status: int = 200
    ) -> HttpResponse:
        context = {"item": item, "form": form, "detail_url": item.get_absolute_url()}
        return TemplateResponse(request, "servicedesk/request_form.html", context, status=status)


def _on_form_fields(exc: ValidationError, form: RequestForm) -> ValidationError:
    """A service's errors about ``answers`` shown on the form as a whole (each names its
    question); the rest on their fields."""
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, Any] = {}
    for field, problems in exc.error_dict.items():
        errors[field if field in form.fields else "__all__"] = problems
    return ValidationError(errors)


# A request's ticket page ------------------------------------------------------------------


def ticket_request_context(ticket: Ticket, request: HttpRequest) -> dict[str, Any]:
    """What a request's page shows of its catalogue item: the answers, the approval (with the
    decision form for the council's lead) and the fulfilment tasks (with "done" buttons for
    those who work it)."""
    if ticket.request_item_id is None:
        return {}
    user = request.user
    approval = (
        RequestApproval.objects.visible_to(user).filter(ticket=ticket).select_related("decided_by")
    ).first()
    tasks = list(
        FulfilmentTask.objects.visible_to(user)
        .filter(ticket=ticket)
        .select_related("done_by")
        .order_by("position", "id")
    )
    return {
        "request_answers": [(k, v) for k, v in (ticket.answers or {}).items() if v != ""],
        "request_approval": approval,
        "decision_form": DecisionForm(user=user) if catalogue.may_decide(user, ticket) else None,
        "fulfilment_tasks": tasks,
        "may_complete_tasks": catalogue.may_work(user, ticket),
    }


class TicketDecision(LoginRequiredMixin, View):
    """A council lead approves or rejects a request from its page."""

    approve = True

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if pk > 2**63 - 1:
            raise Http404
        ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk)
        if not catalogue.may_decide(request.user, ticket):
            raise PermissionDenied
        form = DecisionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                catalogue.decide(
                    ticket, request.user, approve=self.approve, comment=form.cleaned_data["comment"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, f"{ticket.reference} {'approved' if self.approve else 'rejected'}."
                )
        else:
            messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return HttpResponseRedirect(ticket.get_absolute_url())


class TicketReject(TicketDecision):
    approve = False


class TaskDone(LoginRequiredMixin, View):
    """Mark one of a request's fulfilment tasks done."""

    def post(self, request: HttpRequest, pk: int, task: int) -> HttpResponse:
        if max(pk, task) > 2**63 - 1:
            raise Http404
        ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk)
        found = get_object_or_404(
            FulfilmentTask.objects.visible_to(request.user).filter(ticket=ticket), pk=task
        )
        if not catalogue.may_work(request.user, ticket):
            raise PermissionDenied
        try:
            catalogue.complete_task(found, request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"“{found.title}” done.")
        return HttpResponseRedirect(ticket.get_absolute_url())


@method_decorator(never_cache, name="dispatch")
class ApprovalLink(View):
    """The link in an approval email: the request, and approve or reject, for the lead it was
    made for, without signing in. Opening it changes nothing (mail scanners open links); the
    buttons do. It stops working when it expires, once the request is decided, and for anyone
    no longer a lead of the council."""

    template_name = "servicedesk/approval_link.html"

    def find(self, token: str) -> tuple[Ticket | None, Any, str]:
        try:
            ticket, person = catalogue.ticket_from_token(token)
        except catalogue.LinkRefused as exc:
            return None, None, str(exc)
        approval = (
            RequestApproval.objects.unscoped("an approval link").filter(ticket=ticket).first()
        )
        if approval is not None and approval.decision != Decision.PENDING:
            return (
                None,
                None,
                (f"{ticket.reference} was {approval.get_decision_display().lower()} already."),
            )
        if not catalogue.may_decide(person, ticket):
            return (
                None,
                None,
                (
                    f"{ticket.reference} is not waiting for your decision. Sign in to Concord to "
                    "see it."
                ),
            )
        return ticket, person, ""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        ticket, person, problem = self.find(token)
        return self.render(request, ticket, person, problem, DecisionForm(user=person))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        ticket, person, problem = self.find(token)
        form = DecisionForm(request.POST, user=person)
        if ticket is None or not form.is_valid():
            return self.render(request, ticket, person, problem, form, status=400)
        approve = request.POST.get("decision") == "approve"
        try:
            # The lead decides, signed in or not: the change log names them.
            with acting_as(person, label="approval link"):
                catalogue.decide(
                    ticket, person, approve=approve, comment=form.cleaned_data["comment"]
                )
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.render(request, ticket, person, "", form, status=400)
        done = f"{ticket.reference} is {'approved' if approve else 'rejected'}. Thank you."
        return self.render(request, None, person, "", None, done=done)

    def render(
        self,
        request: HttpRequest,
        ticket: Ticket | None,
        person: Any,
        problem: str,
        form: Any,
        status: int = 200,
        done: str = "",
    ) -> HttpResponse:
        context = {
            "ticket": ticket,
            "person": person,
            "problem": problem,
            "form": form,
            "done": done,
            "answers": [(k, v) for k, v in (ticket.answers or {}).items() if v] if ticket else [],
        }
        return TemplateResponse(
            request, self.template_name, context, status=404 if problem else status
        )


def catalogue_urls() -> list[Any]:
    """The catalogue's own pages beside the generic ones, and the requests' actions."""
    return [
        path("request-items/<int:pk>/request/", RequestItemAsk.as_view(), name="requestitem_ask"),
        path("tickets/<int:pk>/approve/", TicketDecision.as_view(), name="ticket_approve"),
        path("tickets/<int:pk>/reject/", TicketReject.as_view(), name="ticket_reject"),
        path(
            "tickets/<int:pk>/tasks/<int:task>/done/", TaskDone.as_view(), name="ticket_task_done"
        ),
        path("approvals/<str:token>/", ApprovalLink.as_view(), name="approval_link"),
    ]
