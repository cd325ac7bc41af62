"""Change freezes (servicedesk.models.freezes.ChangeFreeze): the rules about them, and their
pages and API. A freeze warns, it never refuses: a change whose window falls in a freeze for
a council it affects says so on its page and on the forward schedule (docs/servicedesk.md).
Kept in a module of its own so the rest of the desk changes by a line or two."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.utils import timezone

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.api.viewsets import ScopedModelViewSet
from core.filtersets import ConcordFilterSet
from core.forms import ScopedModelForm
from core.tables import Column, Table
from core.views.generic import ModelViews
from servicedesk.models import ChangeFreeze

# Rules --------------------------------------------------------------------------------------


def freezes_between(user: Any, start: datetime.date, end: datetime.date) -> Any:
    """The freezes `user` may see that overlap the days `start` to `end`, soonest first."""
    return (
        ChangeFreeze.objects.visible_to(user)
        .filter(starts_on__lte=end, ends_on__gte=start)
        .order_by("starts_on", "id")
    )


def freezes_over(user: Any, change: Any) -> list[ChangeFreeze]:
    """The freezes `user` may see that a change's implementation window falls in (any day
    of it, UK time) and that are for a council the change affects."""
    if change.planned_start is None or change.planned_end is None:
        return []
    start = timezone.localtime(change.planned_start).date()
    end = timezone.localtime(change.planned_end).date()
    found = freezes_between(user, start, end)
    if not change.for_all_councils:
        condition = ChangeFreeze.ownership_filter(change.owning_partner_ids())
        if condition is not None:
            found = found.filter(condition)
    return list(found)


def freezes_for(user: Any, changes: list[Any]) -> dict[int, list[ChangeFreeze]]:
    """`freezes_over` for many changes at once, in three queries: the freezes `user` may see
    over their windows, each by change id."""
    from servicedesk.models import ChangeRequest

    windows = {
        change.pk: (
            timezone.localtime(change.planned_start).date(),
            timezone.localtime(change.planned_end).date(),
        )
        for change in changes
        if change.planned_start is not None and change.planned_end is not None
    }
    if not windows:
        return {}
    first = min(start for start, _end in windows.values())
    last = max(end for _start, end in windows.values())
    freezes = list(freezes_between(user, first, last))
    if not freezes:
        return {}
    freeze_councils: dict[int, set[int]] = {}
    for object_id, partner_id in (
        ChangeFreeze.audience_rows()
        .filter(object_id__in=[f.pk for f in freezes])
        .values_list("object_id", "partner_id")
    ):
        freeze_councils.setdefault(object_id, set()).add(partner_id)
    change_councils: dict[int, set[int]] = {}
    for object_id, partner_id in (
        ChangeRequest.audience_rows()
        .filter(object_id__in=list(windows))
        .values_list("object_id", "partner_id")
    ):
        change_councils.setdefault(object_id, set()).add(partner_id)
    found: dict[int, list[ChangeFreeze]] = {}
    for change in changes:
        if change.pk not in windows:
            continue
        start, end = windows[change.pk]
        for freeze in freezes:
            if freeze.starts_on > end or freeze.ends_on < start:
                continue
            shared = (
                change.for_all_councils
                or freeze.for_all_councils
                or freeze_councils.get(freeze.pk, set()) & change_councils.get(change.pk, set())
            )
            if shared:
                found.setdefault(change.pk, []).append(freeze)
    return found


# Pages --------------------------------------------------------------------------------------


class ChangeFreezeFilterSet(ConcordFilterSet):
    search_fields = ("name", "reason")
    current_on = django_filters.DateFilter(
        method="filter_current_on", label="In force on", help_text="For example, 2027-03-31."
    )

    class Meta:
        model = ChangeFreeze
        fields = ["q", "current_on"]

    def filter_current_on(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class ChangeFreezeTable(Table):
    name = Column("Name", link=True, sortable=True)
    starts_on = Column("First day", sortable=True)
    ends_on = Column("Last day", sortable=True)
    for_all_councils = Column("For every council")

    class Meta:
        model = ChangeFreeze


class ChangeFreezeForm(ScopedModelForm):
    class Meta:
        model = ChangeFreeze
        fields = ["name", "starts_on", "ends_on", "reason", "for_all_councils"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}


class ChangeFreezeViews(ModelViews):
    """Change freezes: kept by the shared service, read by the councils they affect."""

    model = ChangeFreeze
    filterset_class = ChangeFreezeFilterSet
    table_class = ChangeFreezeTable
    form_class = ChangeFreezeForm
    nav_label = "Change freezes"
    nav_order = 8


# API ----------------------------------------------------------------------------------------


class ChangeFreezeSerializer(ScopedModelSerializer):
    """A change freeze, for every council (``for_all_councils``) or those it names
    (``councils``, by code)."""

    class Meta:
        model = ChangeFreeze
        fields = (
            "id",
            "name",
            "starts_on",
            "ends_on",
            "reason",
            "for_all_councils",
            "councils",
            *BOOKKEEPING,
        )


class ChangeFreezeViewSet(ScopedModelViewSet):
    """Change freezes: periods when changes to the councils' services should wait."""

    model = ChangeFreeze
    serializer_class = ChangeFreezeSerializer
    filterset_class = ChangeFreezeFilterSet
    ordering_fields = ("starts_on", "ends_on", "name")
