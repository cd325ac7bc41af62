"""Pages of reporting: dashboards for each reader's scope: each council's KPIs and the
partnership's, each chart beside its table, CSV and XLSX downloads, links to the records behind
each figure.

- ``/reports/dashboards/``: the dashboards the reader may open (`reporting.figures.scopes_for`):
  their own council's, and the partnership's where it is shared with them; every council's and
  the partnership's for the shared service's staff.
- ``/reports/dashboards/<council code or "partnership">/``: the KPIs grouped, the last twelve
  months each, a chart (Chart.js, static/concord/reporting-chart.js) beside a table of the same
  figures, each figure a link to the records behind it.
- ``.../download/?format=csv|xlsx[&kpi=<key>]``: one KPI's table, or every KPI's.

Another council's dashboard is a 404, the same as one that does not exist (reporting.dashboards
resolves the scope). The work is in reporting.dashboards; these views only draw it.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views import View

from core.exporting import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_cell, xlsx_cell, xlsx_text
from core.navigation import NavEntry
from core.tenancy.access import EXPORT, VIEW, access_for
from reporting import dashboards
from reporting import figures as figures_module
from reporting.kpis import KPIS

AREA = "reporting"


def _readable(user: Any) -> None:
    if not access_for(user).can(VIEW, AREA):
        raise PermissionDenied


class DashboardIndexView(LoginRequiredMixin, View):
    """The dashboards the reader may open: a chooser of each council and the partnership."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _readable(request.user)
        scopes = figures_module.scopes_for(request.user)
        choices = [
            {"name": dashboards.scope_name(scope), "key": dashboards.scope_key(scope)}
            for scope in scopes
        ]
        return TemplateResponse(request, "reporting/dashboard_index.html", {"choices": choices})


class DashboardView(LoginRequiredMixin, View):
    """One scope's dashboard: every KPI's last twelve months, chart and table."""

    def get(self, request: HttpRequest, scope: str) -> HttpResponse:
        _readable(request.user)
        scopes = figures_module.scopes_for(request.user)
        chosen = dashboards.scope_for(request.user, scope, scopes)
        months = dashboards.last_months(timezone.localdate())
        board = dashboards.build_dashboard(request.user, chosen, months)
        others = [
            {"name": dashboards.scope_name(s), "key": dashboards.scope_key(s)}
            for s in scopes
            if dashboards.scope_key(s) != board.key
        ]
        context = {
            "board": board,
            "others": others,
            "first": months[0],
            "last": months[-1],
            "may_export": access_for(request.user).can(EXPORT, AREA),
        }
        return TemplateResponse(request, "reporting/dashboard.html", context)


class DashboardDownloadView(LoginRequiredMixin, View):
    """A dashboard's tables as CSV or XLSX: one KPI's (``kpi``) or every KPI's."""

    def get(self, request: HttpRequest, scope: str) -> HttpResponse:
        _readable(request.user)
        chosen = dashboards.scope_for(request.user, scope)
        if not access_for(request.user).can(EXPORT, AREA):
            raise PermissionDenied
        fmt = request.GET.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            return _bad_request("format", "Choose csv or xlsx as the format")
        key = request.GET.get("kpi") or None
        if key is not None and key not in KPIS:
            return _bad_request("kpi", "Choose a KPI shown on this dashboard")
        months = dashboards.last_months(timezone.localdate())
        board = dashboards.build_dashboard(
            request.user, chosen, months, [key] if key is not None else None
        )
        panels = board.panels()
        if not panels:
            raise Http404("No such KPI")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        name = f"kpis-{board.key}-{key or 'all'}-{stamp}.{fmt}"
        header = ["KPI", "Council", *dashboards.COLUMNS]
        council = board.scope.name if board.scope is not None else "Partnership"
        rows = [[p.kpi.label, council, *row] for p in panels for row in p.rows()]
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(header)
            for row in rows:
                writer.writerow([csv_cell(v) for v in row])
            response = HttpResponse(
                ("\ufeff" + out.getvalue()).encode(), content_type=CSV_CONTENT_TYPE
            )
        else:
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet(title="KPIs")
            sheet.append([xlsx_text(c) for c in header])
            for row in rows:
                sheet.append([xlsx_cell(v) for v in row])
            buffer = io.BytesIO()
            workbook.save(buffer)
            response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


def _bad_request(field: str, message: str) -> HttpResponse:
    """A 400 naming the parameter that was wrong (a download link a person edited)."""
    return HttpResponse(f"{field}: {message}", status=400, content_type="text/plain; charset=utf-8")


urlpatterns: list[Any] = [
    path("reports/dashboards/", DashboardIndexView.as_view(), name="dashboards"),
    path("reports/dashboards/<slug:scope>/", DashboardView.as_view(), name="dashboard"),
    path(
        "reports/dashboards/<slug:scope>/download/",
        DashboardDownloadView.as_view(),
        name="dashboard_download",
    ),
]


def nav_entries() -> list[Any]:
    """The dashboards, in the Reports group."""
    return [NavEntry("Dashboards", "reporting:dashboards", "reporting", area=AREA, order=10)]


def home_needs(user: Any) -> list[Any]:
    """The dashboards ask nothing of anyone; last month's pack is the packs' need."""
    return []
