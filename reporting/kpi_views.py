"""Pages of reporting: the KPI figures' own pages: the roll-ups as records, listed and exported
like any other (read-only: the roll-up jobs make them), and the partnership's reporting
setting, the shared-service manager's.

The filter set, table and forms of these two models live here with their pages, as the part
is small (reporting's other parts, dashboards and packs, have pages of their own)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.forms import ScopedModelForm
from core.tables import Column, Table
from core.tenancy.access import CHANGE, access_for
from core.tenancy.models import Partner
from core.views.generic import ModelViews
from reporting.kpis import KPIS, kpi_choices
from reporting.models import KpiFigure, ReportingSettings


class KpiFigureFilterSet(ConcordFilterSet):
    """The KPI figures' filters (pages and API): council, KPI, a day range, the dimension."""

    search_fields = ("kpi", "dimension")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    kpi = django_filters.ChoiceFilter(choices=kpi_choices, label="KPI")
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte", label="From")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", label="To")
    dimension = django_filters.CharFilter(
        label="Dimension",
        help_text='Empty for the council\'s totals; "queue:<id>" or "category:<id>".',
    )

    class Meta:
        model = KpiFigure
        fields = ["q", "partner", "kpi", "day_from", "day_to", "dimension"]


def kpi_label(key: str) -> str:
    """A KPI's label (its key when the catalogue no longer has it)."""
    kpi = KPIS.get(key)
    return kpi.label if kpi is not None else key


class KpiFigureTable(Table):
    """Daily KPI figures, newest first."""

    day = Column("Day", link=True, sortable=True)
    partner = Column("Council", sort_by="partner__name")
    kpi = Column("KPI", accessor=lambda figure: kpi_label(figure.kpi), sort_by="kpi")
    dimension = Column("Dimension")
    numerator = Column("Numerator", numeric=True)
    denominator = Column("Denominator", numeric=True)

    class Meta:
        model = KpiFigure


class KpiFigureForm(ScopedModelForm):
    """Never offered: figures are made by the roll-ups (the views refuse it)."""

    class Meta:
        model = KpiFigure
        fields = ["partner", "day", "kpi", "dimension", "numerator", "denominator"]


class KpiFigureViews(ModelViews):
    """The daily KPI figures: read by whoever reads reports, in their own scope; made only by
    the roll-up jobs (nobody adds or edits one here)."""

    model = KpiFigure
    filterset_class = KpiFigureFilterSet
    table_class = KpiFigureTable
    form_class = KpiFigureForm
    nav_label = "KPI figures"
    nav_order = 50
    addable = False

    @classmethod
    def get_form_class(cls, creating: bool) -> Any:
        # Figures are measured from the records (reporting.rollups), never typed in.
        raise PermissionDenied


class ReportingSettingsFilterSet(ConcordFilterSet):
    search_fields = ("note",)

    class Meta:
        model = ReportingSettings
        fields = ["q"]


class ReportingSettingsTable(Table):
    """The one row of reporting settings."""

    share_partnership_totals = Column("Partnership's totals shown to the councils", link=True)
    note = Column("Why")

    class Meta:
        model = ReportingSettings


class ReportingSettingsForm(ScopedModelForm):
    """Whether the councils see the partnership's totals, and why."""

    class Meta:
        model = ReportingSettings
        fields = ["share_partnership_totals", "note"]


class ReportingSettingsViews(ModelViews):
    """The partnership's reporting setting: one row, changed by the shared-service manager
    (the settings page makes it the first time, with the defaults)."""

    model = ReportingSettings
    filterset_class = ReportingSettingsFilterSet
    table_class = ReportingSettingsTable
    form_class = ReportingSettingsForm
    path_prefix = "reporting-settings"
    # One row: the settings page makes it; it is then changed, never added again.
    addable = False
    nav_label = "Reporting settings"
    nav_order = 90

    @classmethod
    def list_links(cls, request: HttpRequest) -> list[tuple[str, str]]:
        """The way to the setting itself (made with the defaults the first time)."""
        if not may_change_settings(request.user):
            return []
        return [("Change the reporting settings", reverse("reporting:reporting_settings"))]


def may_change_settings(user: Any) -> bool:
    """Whether `user` may change the reporting setting (the shared-service manager)."""
    return bool(user.is_authenticated) and access_for(user).can(CHANGE, ReportingSettings.area)


def settings_page(request: HttpRequest) -> HttpResponse:
    """The reporting setting's page: made with the defaults the first time it is opened."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    if not may_change_settings(request.user):
        raise PermissionDenied
    row = ReportingSettings.ensure()
    return redirect("reporting:reportingsettings_detail", pk=row.pk)


urlpatterns: list[Any] = [
    path("reporting-settings/current/", settings_page, name="reporting_settings"),
    *KpiFigureViews.urls(),
    *ReportingSettingsViews.urls(),
]


def nav_entries() -> list[Any]:
    """This part's pages in the navigation that are not a model's list."""
    return []


def home_needs(user: Any) -> list[Any]:
    """What of this part needs `user` now, for the home page: nothing (figures are made by
    the jobs; a failed roll-up shows in the job pages)."""
    return []
