"""The change log page: every change the signed-in person may see, newest first.

Scoped by ``ChangeRecord.objects.visible_to(user)``: shared-service staff see every change, a
council's auditor or lead sees the changes of their council's records only.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.views import View

from core.changelog import logged_kinds, shown_values
from core.forms import govukify
from core.models import ChangeAction, ChangeRecord
from core.pagination import InvalidCursor, keyset_page
from core.partner_filter import narrowed_to_selected_partner, selected_partner
from core.tables import field_label
from core.tenancy.records import record_names
from core.views.pages import active_filters, is_htmx_partial


class ChangeRecordFilterSet(django_filters.FilterSet):
    """Filters of the change log: kind of record, action, and a date range (London dates)."""

    model = django_filters.ChoiceFilter(
        choices=logged_kinds, method="filter_model", label="Kind of record"
    )
    action = django_filters.ChoiceFilter(choices=ChangeAction.choices, label="Action")
    date_from = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From")
    date_to = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="To")

    class Meta:
        model = ChangeRecord
        fields = ["model", "action", "date_from", "date_to"]

    def filter_model(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        app_label, _, model_name = value.partition(".")
        content_type = ContentType.objects.get_by_natural_key(app_label, model_name)
        return queryset.filter(content_type=content_type)


class ChangeListView(LoginRequiredMixin, View):
    """The scoped, filtered, keyset-paginated change log."""

    page_size: int | None = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if ChangeRecord.visibility_filter(user) is None:
            raise PermissionDenied
        qs = narrowed_to_selected_partner(ChangeRecord.objects.visible_to(user), request)
        filterset = ChangeRecordFilterSet(request.GET or None, queryset=qs, request=request)
        govukify(filterset.form, for_filters=True)
        filter_errors = filterset.is_bound and not filterset.is_valid()
        rows = qs.none() if filter_errors else filterset.qs
        rows = rows.select_related("actor", "content_type")
        size = self.page_size or settings.CONCORD_PAGE_SIZE
        cursor = request.GET.get("cursor") or None
        cursor_invalid = False
        try:
            page = keyset_page(rows, ["-at", "-id"], cursor, size)
        except InvalidCursor:
            cursor_invalid = True
            page = keyset_page(rows, ["-at", "-id"], None, size)
        context = {
            "filterset": filterset,
            "filter_form": filterset.form,
            "filter_errors": filter_errors,
            "active_filters": [] if filter_errors else active_filters(filterset),
            "page": page,
            "entries": entries_for(page.rows, user),
            "cursor_invalid": cursor_invalid,
            "chosen_partner": selected_partner(request),
            "list_url": reverse("core:change_list"),
        }
        context["htmx_partial"] = is_htmx_partial(request)
        template = "core/_change_results.html" if context["htmx_partial"] else None
        response = TemplateResponse(request, template or "core/change_list.html", context)
        # As on every list: an htmx answer also draws the filter form again when the page
        # showed its errors (templates/generic/_filter_oob.html), so it varies on that too.
        patch_vary_headers(response, ["HX-Request", "Concord-Filter-Errors"])
        return response


#: Why a change log entry does not link to its record, by what became of the record.
GONE = {
    "deleted": "Since deleted: there is no page to open.",
    "out_of_reach": "You can no longer open this record: it is not among the records you "
    "can see now.",
}


def entries_for(records: list[ChangeRecord], user: Any) -> list[dict[str, Any]]:
    """The change log's rows for `records`: each with a link to its record while `user` can
    open it, else why not (deleted since, or no longer in their reach), rather than a link
    to a page that is not there. One query per kind of record on the page, two for a kind
    with records the reader cannot open."""
    by_kind: dict[Any, set[int]] = {}
    for record in records:
        model = record.content_type.model_class()
        if model is not None and hasattr(model, "url_name") and _has_page(model):
            by_kind.setdefault(model, set()).add(record.object_id)
    openable: set[tuple[Any, int]] = set()
    existing: set[tuple[Any, int]] = set()
    for model, ids in by_kind.items():
        seen = set(
            model.objects.visible_to(user).filter(pk__in=sorted(ids)).values_list("pk", flat=True)
        )
        openable |= {(model, pk) for pk in seen}
        hidden = ids - seen
        if hidden:
            # Whether the record is still there at all, to say which: the reader was shown
            # the change, so they know of the record; nothing of it beyond that is read.
            still = model.objects.unscoped("change log: deleted or out of reach").filter(
                pk__in=sorted(hidden)
            )
            existing |= {(model, pk) for pk in still.values_list("pk", flat=True)}
    return [_entry(record, openable, existing) for record in records]


def _has_page(model: Any) -> bool:
    try:
        reverse(model.url_name("detail"), args=[1])
    except NoReverseMatch:
        return False
    return True


def _entry(
    record: ChangeRecord, openable: set[tuple[Any, int]], existing: set[tuple[Any, int]]
) -> dict[str, Any]:
    model = record.content_type.model_class()
    url = None
    gone = ""
    if model is not None and hasattr(model, "url_name") and _has_page(model):
        key = (model, record.object_id)
        if key in openable:
            url = reverse(model.url_name("detail"), args=[record.object_id])
        elif key in existing:
            gone = GONE["out_of_reach"]
        elif record.action != ChangeAction.DELETE:
            gone = GONE["deleted"]
    _before, _after, changed = shown_values(record)  # never an attachment's storage path
    fields = [field_label(model, name) if model else name for name in changed]
    return {
        "record": record,
        "kind": capfirst(record_names(model)[0]) if model else record.content_type.model,
        "url": url,
        "gone": gone,
        "fields": fields,
    }
