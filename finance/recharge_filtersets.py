"""Filters of the recharge lists (runs, statements, adjustments), used by the pages and the API
alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner
from finance.models import RechargeAdjustment, RechargeRun, RechargeStatement, RunStatus


class RechargeRunFilterSet(ConcordFilterSet):
    """Runs by status; ``q`` finds a run by its inputs digest."""

    search_fields = ("inputs_digest",)
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = RechargeRun
        fields = ["q", "status"]


class RechargeStatementFilterSet(ConcordFilterSet):
    """Statements by council and run; ``q`` finds a council's statements by the council's
    code or name, or a run's by its inputs digest."""

    search_fields = ("partner__code", "partner__name", "run__inputs_digest")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    run = ScopedModelChoiceFilter(queryset=scoped_choices(RechargeRun), label="Recharge run")

    class Meta:
        model = RechargeStatement
        fields = ["q", "partner", "run"]


class RechargeAdjustmentFilterSet(ConcordFilterSet):
    """Adjustments by council, the run they correct, and whether a run carries them yet."""

    search_fields = ("reason",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    corrects_run = ScopedModelChoiceFilter(
        queryset=scoped_choices(RechargeRun), label="Corrects the run"
    )
    carried = django_filters.BooleanFilter(
        field_name="applied_in", lookup_expr="isnull", exclude=True, label="Carried by a run"
    )

    class Meta:
        model = RechargeAdjustment
        fields = ["q", "partner", "corrects_run", "carried"]
