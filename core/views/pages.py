"""The generic pages themselves: list, detail, add, edit, delete and history of one model.

Each page is given the model's declared views (core.views.generic.ModelViews) and does the
same for every model: it starts from ``Model.objects.visible_to(request.user)`` (another
council's record is a 404, a visible record the person may not act on a 403), pages lists by
keyset, narrows them to the header's council, and saves in a transaction that re-checks the
author can still see the record.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View

from core.attachments import attachments_panel
from core.changelog import history_for
from core.filtersets import listed_rows
from core.forms import add_validation_error, govukify
from core.pagination import InvalidCursor, keyset_page
from core.partner_filter import (
    councils_shown,
    header_partner_rows,
    narrowed_to_selected_partner,
    selected_partner,
)
from core.related import with_related
from core.routes import route_url, route_url_or_fail
from core.services import refetch_visible
from core.tables import (
    audience_html,
    partner_html,
)
from core.tenancy.access import ADD, CHANGE, DELETE, EXPORT, HISTORY, IMPORT, VIEW, access_for
from core.views.history import describe_changes

# Primary keys are 64-bit; a longer number in a URL is simply a page that does not exist.
MAX_PK = 2**63 - 1


def is_htmx_partial(request: HttpRequest) -> bool:
    """An htmx request for part of a page (not htmx restoring a whole page from history)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


class ModelPageMixin(LoginRequiredMixin):
    """What every generic page shares: the model's views, scoped fetching, permission checks."""

    views: Any = None
    page = ""
    request: HttpRequest
    kwargs: dict[str, Any]

    @property
    def model(self) -> Any:
        return self.views.model

    def can(self, action: str, obj: Any = None) -> bool:
        """May the signed-in person do `action` (on `obj`, or anywhere when None)?"""
        access = access_for(self.request.user)
        own_counts = bool(self.model.own_fields) and self.views.own_grants_count(action)
        if obj is None:
            return access.can(action, self.model.area, own=own_counts)
        own = own_counts and obj.is_own_record(self.request.user)
        return access.can(action, self.model.area, obj.owning_partner_ids(), own=own)

    def may_add(self) -> bool:
        """May the signed-in person add one here: granted, and the kind is added by hand
        (`ModelViews.addable`)."""
        return bool(self.views.addable) and self.can(ADD)

    def visible(self) -> Any:
        return self.model.objects.visible_to(self.request.user)

    def get_object_for(self, action: str) -> Any:
        """The record in the URL: 404 unless visible, 403 if visible but `action` is not allowed."""
        pk = self.kwargs["pk"]
        if pk > MAX_PK:
            raise Http404
        obj = get_object_or_404(self.views.detail_queryset(self.visible()), pk=pk)
        if not self.can(action, obj):
            raise PermissionDenied
        return obj

    def template_names(self, page: str | None = None) -> list[str]:
        page = page or self.page
        app, _ = self.model.url_name(page).split(":")
        return [f"{app}/{self.model._meta.model_name}_{page}.html", f"generic/{page}.html"]

    def base_context(self, obj: Any = None) -> dict[str, Any]:
        meta = self.model._meta
        singular, plural = self.views.names()
        context: dict[str, Any] = {
            "views": self.views,
            "model_meta": meta,
            "verbose_name": singular,
            "verbose_name_plural": plural,
            "list_url": route_url_or_fail(self.model.url_name("list")),
            "object": obj,
        }
        if obj is not None and obj.pk is not None:
            context.update(
                detail_url=reverse(self.model.url_name("detail"), args=[obj.pk]),
                update_url=(
                    reverse(self.model.url_name("update"), args=[obj.pk])
                    if self.can(CHANGE, obj)
                    else None
                ),
                delete_url=(
                    reverse(self.model.url_name("delete"), args=[obj.pk])
                    if self.can(DELETE, obj)
                    else None
                ),
                history_url=(
                    reverse(self.model.url_name("history"), args=[obj.pk])
                    if self.can(HISTORY, obj)
                    else None
                ),
            )
        return context

    def render(self, context: dict[str, Any], status: int = 200, page: str | None = None) -> Any:
        return TemplateResponse(self.request, self.template_names(page), context, status=status)


def cursor_param(request: HttpRequest) -> str | None:
    return request.GET.get("cursor") or None


class ModelListView(ModelPageMixin, View):
    """A filtered, sorted, keyset-paginated list of the records the person may see."""

    page = "list"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.can(VIEW):
            raise PermissionDenied
        qs = narrowed_to_selected_partner(self.visible(), request)
        filterset = self.views.filterset_class(request.GET or None, queryset=qs, request=request)
        govukify(filterset.form, for_filters=True)
        filter_errors = filterset.is_bound and not filterset.is_valid()
        table_class = self.views.table_class
        sort, ordering = table_class.ordering_for(request.GET.get("sort"))
        rows_qs = qs.none() if filter_errors else filterset.qs
        rows_qs = with_related(rows_qs, table_class.select_related())
        unread = table_class.unread_bookkeeping()
        if unread:
            rows_qs = rows_qs.defer(*unread)
        size = self.views.page_size or settings.CONCORD_PAGE_SIZE
        partial = is_htmx_partial(request)
        # A whole page draws the filter dropdowns and the header's councils: the rows' related
        # records are taken from those rather than read again (core.related).
        known = {} if partial else listed_rows(filterset.form)
        header_partners = None if partial else header_partner_rows(request)
        if header_partners is not None:
            known.setdefault(header_partners.model, header_partners)
        cursor_invalid = False
        try:
            page = keyset_page(rows_qs, ordering, cursor_param(request), size, known)
        except InvalidCursor:
            cursor_invalid = True
            page = keyset_page(rows_qs, ordering, None, size, known)
        context = self.base_context()
        context.update(
            filterset=filterset,
            filter_form=filterset.form,
            filter_errors=filter_errors,
            active_filters=active_filters(filterset) if not filter_errors else [],
            table=table_class(page.rows, sort=sort),
            page=page,
            sort=sort,
            cursor_invalid=cursor_invalid,
            chosen_partner=(
                selected_partner(request) if self.model.ownership != "catalogue" else None
            ),
            councils_shown=(
                councils_shown(request, None if filter_errors else filterset.form, bool(page.rows))
                if self.model.ownership != "catalogue"
                else None
            ),
            create_url=route_url(self.model.url_name("create")) if self.may_add() else None,
            # Told on the page they read, not only when refused (issue 8.8).
            read_only=not self.may_add()
            and not any(self.can(action) for action in (CHANGE, DELETE, IMPORT)),
            export_url=route_url(self.model.url_name("export")) if self.can(EXPORT) else None,
            import_url=(
                route_url(self.model.url_name("import"))
                if self.model.import_fields and self.can(IMPORT)
                else None
            ),
            export_query=_query_without(request, ("cursor", "format")),
            list_links=self.views.list_links(request),
        )
        context["htmx_partial"] = partial
        response = self.render(context, page="_results") if partial else self.render(context)
        # An htmx answer also draws the filter form again when the page showed its errors
        # (templates/generic/_filter_oob.html).
        patch_vary_headers(response, ["HX-Request", "Concord-Filter-Errors"])
        return response


def _query_without(request: HttpRequest, names: tuple[str, ...]) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def active_filters(filterset: Any) -> list[tuple[str, str]]:
    """The filters in use, as (label, value) pairs for the "Selected filters" panel."""
    chosen: list[tuple[str, str]] = []
    form = filterset.form
    cleaned = getattr(form, "cleaned_data", None) if filterset.is_bound else None
    if not cleaned:
        return chosen
    for name, field in form.fields.items():
        value = cleaned.get(name)
        if value in (None, "", [], ()):
            continue
        label = str(field.label or name)
        if hasattr(field, "choices") and not hasattr(value, "_meta"):
            value = dict(field.choices).get(form.data.get(name), value)
        chosen.append((label, str(value)))
    return chosen


class ModelDetailView(ModelPageMixin, View):
    """One record: its fields, owners, related lists (scoped) and links to act on it."""

    page = "detail"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_for(VIEW)
        context = self.base_context(obj)
        sections = []
        access = access_for(request.user)
        for related in self.views.related_lists():
            if not access.can(VIEW, related.model.area):
                continue
            table_class = related.table_class
            related_rows = related.model.objects.visible_to(request.user).filter(
                related.condition(obj)
            )
            rows = list(
                with_related(related_rows, table_class.select_related()).order_by(
                    *table_class.default_sort
                )[: related.limit + 1]
            )
            more_url = None
            if len(rows) > related.limit and related.list_param:
                more_url = (
                    f"{reverse(related.model.url_name('list'))}?{related.list_param}={obj.pk}"
                )
            sections.append(
                {
                    "title": related.title,
                    "table": table_class(rows[: related.limit]),
                    "more_url": more_url,
                    "has_more": len(rows) > related.limit,
                }
            )
        owner_shares = None
        if self.model.ownership == "shared":
            owner_shares = [
                (partner_html(share.partner), share.percentage) for share in obj.owner_shares()
            ]
        rows = self.views.detail_rows(obj, request)
        if self.model.ownership == "audience":
            rows.append(("Councils", audience_html(obj, request.user)))
        read_only = context["update_url"] is None and context["delete_url"] is None
        context.update(
            read_only_notice=self.views.read_only_notice(obj, request) if read_only else "",
            extra_links=self.views.extra_links(obj, request),
            next_steps=self.views.next_steps(obj, request),
            rows=rows,
            sections=sections,
            owner_shares=owner_shares,
            attachments=attachments_panel(obj, request.user),
        )
        context.update(self.views.detail_context(obj, request))
        return self.render(context)


class ModelFormView(ModelPageMixin, View):
    """Add or edit a record with a scoped form; saves re-check the record stays in reach."""

    page = "form"
    creating = False

    def get_instance(self) -> Any:
        if self.creating:
            if not self.may_add():
                raise PermissionDenied
            return None
        return self.get_object_for(CHANGE)

    def make_form(self, instance: Any, data: Any = None, files: Any = None) -> Any:
        form_class = self.views.get_form_class(self.creating)
        kwargs: dict[str, Any] = {}
        if self.creating and data is None:
            # A link may choose fields of a new record ("Add site" on a council's page gives
            # ?partner=<id>). Only a starting value: the dropdown still offers only what the
            # person may choose, and an id it does not offer selects nothing.
            kwargs["initial"] = {
                name: self.request.GET[name]
                for name in form_class.base_fields
                if self.request.GET.get(name)
            }
        return form_class(
            data=data, files=files, instance=instance, user=self.request.user, **kwargs
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        instance = self.get_instance()
        return self.render_form(self.make_form(instance), instance)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        instance = self.get_instance()
        # Validating writes the posted values onto the instance (and a refused save leaves them
        # there): a page drawn again with errors names, and links, the record as it is saved.
        saved = copy.copy(instance)
        form = self.make_form(instance, request.POST, request.FILES)
        if form.is_valid():
            try:
                obj = self.save(form)
            except ValidationError as exc:
                add_validation_error(form, exc)
            except IntegrityError:
                form.add_error(
                    None,
                    "This clashes with another record (for example a code already in use). "
                    "Check the details and try again.",
                )
            else:
                verb = "added" if self.creating else "saved"
                if obj is None:
                    messages.success(request, "Saved.")
                    return HttpResponseRedirect(reverse(self.model.url_name("list")))
                messages.success(request, self.views.success_message(obj, verb))
                return HttpResponseRedirect(obj.get_absolute_url())
        if self.creating and getattr(form, "instance", None) is not None:
            # The rolled-back save left an id on the unsaved instance.
            form.instance.pk = None
            form.instance._state.adding = True
        return self.render_form(form, saved)

    def save(self, form: Any) -> Any:
        """Save inside a transaction; roll back if the author could no longer see the result."""
        with transaction.atomic():
            obj = self.views.save_form(form, self.request, self.creating)
            if obj is not None and obj.pk is not None:
                refetch_visible(obj, self.request.user)
        return obj

    def render_form(self, form: Any, instance: Any, status: int = 200) -> HttpResponse:
        context = self.base_context(instance)
        context.update(form=form, creating=self.creating)
        return self.render(context, status=status)


class ModelCreateView(ModelFormView):
    creating = True


class ModelUpdateView(ModelFormView):
    creating = False


class ModelDeleteView(ModelPageMixin, View):
    """Confirm, then delete; a record other records depend on is refused in plain words."""

    page = "confirm_delete"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_for(DELETE)
        return self.render(self.base_context(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_for(DELETE)
        label = str(obj)
        refused = obj.deletion_refused()
        if refused:
            context = self.base_context(obj)
            context["error"] = f"“{label}” cannot be deleted. {refused}"
            return self.render(context)
        try:
            with transaction.atomic():
                obj.delete()
        except (ProtectedError, RestrictedError):
            context = self.base_context(obj)
            # Say that something depends on it, never what: it may be another council's.
            context["error"] = (
                f"“{label}” cannot be deleted because other records refer to it. "
                "Change or remove those records first."
            )
            return self.render(context)
        messages.success(request, self.views.success_message(label, "deleted"))
        return HttpResponseRedirect(reverse(self.model.url_name("list")))


class ModelHistoryView(ModelPageMixin, View):
    """A record's change log (what the person may see of it), newest first."""

    page = "history"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_for(HISTORY)
        records = history_for(obj, request.user)
        size = self.views.page_size or settings.CONCORD_PAGE_SIZE
        try:
            page = keyset_page(records, ["-at", "-id"], cursor_param(request), size)
        except InvalidCursor:
            page = keyset_page(records, ["-at", "-id"], None, size)
        context = self.base_context(obj)
        context.update(page=page, entries=describe_changes(page, self.model, request.user))
        return self.render(context)
