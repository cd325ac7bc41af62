"""Finance pages of the savings part (see finance/urls.py): business cases, their targets,
implementation costs, the councils' split, realised savings; a case's target against what was
realised per council and year with the evidence behind each figure; and budget against actual
per council and cost centre (`/finance/budget/`) with its chart and downloads."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views import View

from core.exporting import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_cell, xlsx_cell, xlsx_text
from core.navigation import NavEntry, Need
from core.partner_filter import selected_partner
from core.tenancy.access import CHANGE, EXPORT, VIEW, access_for
from core.tenancy.models import Partner
from core.views.generic import ModelViews, Related
from finance import savings_services as services
from finance.budget_report import COLUMNS, budget_report, report_rows
from finance.models.savings import (
    BusinessCase,
    ImplementationCost,
    RealisedSaving,
    SavingsBasis,
    SavingsSplit,
    SavingsTarget,
)
from finance.savings_filtersets import (
    BusinessCaseFilterSet,
    ImplementationCostFilterSet,
    RealisedSavingFilterSet,
    SavingsSplitFilterSet,
    SavingsTargetFilterSet,
)
from finance.savings_forms import (
    BusinessCaseForm,
    ImplementationCostForm,
    RealisedSavingForm,
    SavingsSplitForm,
    SavingsTargetForm,
)
from finance.savings_tables import (
    BusinessCaseTable,
    ImplementationCostTable,
    RealisedSavingTable,
    SavingsSplitTable,
    SavingsTargetTable,
)


def pounds(value: Any) -> str:
    """`value` as pounds and pence with thousands separators (a dash for none)."""
    if value is None:
        return "None"
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


class BusinessCaseViews(ModelViews):
    """Business cases: a case's page lists its targets, the councils' split and implementation
    costs the reader may see, and links to its target against realised."""

    model = BusinessCase
    filterset_class = BusinessCaseFilterSet
    table_class = BusinessCaseTable
    form_class = BusinessCaseForm
    nav_label = "Business cases"
    nav_order = 60
    related = [
        Related(
            "Savings targets",
            SavingsTarget,
            "business_case",
            SavingsTargetTable,
            list_param="business_case",
        ),
        Related(
            "Councils' split of the savings",
            SavingsSplit,
            "business_case",
            SavingsSplitTable,
            list_param="business_case",
        ),
        Related(
            "Implementation costs",
            ImplementationCost,
            "business_case",
            ImplementationCostTable,
            list_param="business_case",
        ),
    ]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, Any]]:
        rows = super().detail_rows(obj, request)
        if bool(access_for(request.user).service_role):
            complete = services.split_is_complete(obj)
            rows.append(
                (
                    "Councils' split",
                    format_html(
                        "{}",
                        "Adds up to 100%"
                        if complete
                        else "Does not add up to 100% yet: give each council its share",
                    ),
                )
            )
        return rows

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        return [("Target against realised", reverse("finance:businesscase_savings", args=[obj.pk]))]


class SavingsTargetViews(ModelViews):
    model = SavingsTarget
    filterset_class = SavingsTargetFilterSet
    table_class = SavingsTargetTable
    form_class = SavingsTargetForm


class ImplementationCostViews(ModelViews):
    model = ImplementationCost
    filterset_class = ImplementationCostFilterSet
    table_class = ImplementationCostTable
    form_class = ImplementationCostForm


class SavingsSplitViews(ModelViews):
    model = SavingsSplit
    filterset_class = SavingsSplitFilterSet
    table_class = SavingsSplitTable
    form_class = SavingsSplitForm


class RealisedSavingViews(ModelViews):
    """Savings realised: a measured one's page shows the figures it was worked out from and
    the cost lines and recharge statements behind them."""

    model = RealisedSaving
    filterset_class = RealisedSavingFilterSet
    table_class = RealisedSavingTable
    form_class = RealisedSavingForm
    nav_label = "Realised savings"
    nav_order = 61

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, Any]]:
        rows = super().detail_rows(obj, request)
        if obj.basis != SavingsBasis.MEASURED:
            return rows
        lines = list(services.evidence_cost_lines(obj)[:50])
        if lines:
            rows.append(
                (
                    "Cost lines behind the figure",
                    format_html(
                        '<ul class="govuk-list">{}</ul>',
                        format_html_join(
                            "",
                            '<li><a class="govuk-link" href="{}">{}</a>: {} on {}</li>',
                            (
                                (
                                    line.get_absolute_url(),
                                    line.reference or line.description,
                                    pounds(line.amount),
                                    line.incurred_on.strftime("%-d %B %Y"),
                                )
                                for line in lines
                            ),
                        ),
                    ),
                )
            )
        statements = services.evidence_statements(obj)
        if statements:
            rows.append(
                (
                    "Recharge statements behind the figure",
                    format_html(
                        '<ul class="govuk-list">{}</ul>',
                        format_html_join(
                            "",
                            '<li><a class="govuk-link" href="{}">{}</a></li>',
                            ((s.get_absolute_url(), str(s)) for s in statements),
                        ),
                    ),
                )
            )
        return rows


class CaseSavingsView(LoginRequiredMixin, View):
    """A business case's target against what was realised, per year and council, with the
    evidence behind each figure (a measured saving's page lists its cost lines); and, for
    those who may change a council's finance records, "Measure savings from costs" for a
    year (POST), which measures each of those councils' savings again."""

    def case(self, request: HttpRequest, pk: int) -> Any:
        case = BusinessCase.objects.visible_to(request.user).filter(pk=pk).first()
        if case is None:
            raise Http404
        return case

    def measurable(self, request: HttpRequest, case: Any) -> list[Any]:
        """The councils with a share of `case` whose savings the reader may measure."""
        access = access_for(request.user)
        splits = SavingsSplit.objects.visible_to(request.user).filter(business_case=case)
        return [
            s.partner
            for s in splits.select_related("partner")
            if not s.partner.is_former and access.can(CHANGE, "finance", [s.partner_id])
        ]

    def page(self, request: HttpRequest, case: Any, error: str = "") -> HttpResponse:
        year_model = apps.get_model("finance", "FinancialYear")
        context = {
            "case": case,
            "years": services.target_against_realised(request.user, case),
            "is_service": bool(access_for(request.user).service_role),
            "can_measure": bool(self.measurable(request, case)),
            "measure_years": list(year_model.objects.visible_to(request.user)),
            "error": error,
            "error_list": [("#measure-year", error)] if error else [],
        }
        status = 400 if error else 200
        return TemplateResponse(
            request, "finance/savings/case_savings.html", context, status=status
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, self.case(request, pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = self.case(request, pk)
        partners = self.measurable(request, case)
        if not partners:
            raise PermissionDenied
        year_model = apps.get_model("finance", "FinancialYear")
        raw = request.POST.get("year", "")
        year = (
            year_model.objects.visible_to(request.user).filter(pk=raw).first()
            if raw.isdigit()
            else None
        )
        if year is None:
            return self.page(request, case, "Choose the financial year to measure")
        with transaction.atomic():
            made = [services.measure_saving(case, p, year) for p in partners]
        done = [m for m in made if m is not None]
        if done:
            messages.success(
                request, f"Measured {len(done)} council's savings in {year.name} from costs"
            )
        else:
            messages.info(
                request, f"Nothing to measure in {year.name} yet: no whole month has passed"
            )
        return HttpResponseRedirect(reverse("finance:businesscase_savings", args=[case.pk]))


class BudgetView(LoginRequiredMixin, View):
    """Budget against actual for a year, a table per council, a chart of it, and its CSV and
    XLSX downloads (`?format=csv|xlsx`)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        access = access_for(request.user)
        if not access.can(VIEW, "finance"):
            raise PermissionDenied
        year_model = apps.get_model("finance", "FinancialYear")
        years = list(year_model.objects.visible_to(request.user))
        errors: dict[str, str] = {}
        year = _chosen(years, request.GET.get("year"), errors, "year", "Choose a financial year")
        if year is None and "year" not in errors:
            today = timezone.localdate()
            year = next((y for y in years if y.holds(today)), years[0] if years else None)
        councils = list(Partner.objects.visible_to(request.user).order_by("name"))
        partner = _chosen(
            councils, request.GET.get("council"), errors, "council", "Choose a council"
        )
        # The header's "Councils shown" narrows the report on top of the council filter, never
        # widens it: a council filter naming another council shows nothing, and says why.
        shown = selected_partner(request)
        clash = None
        if shown is not None:
            if partner is not None and partner != shown:
                clash = (
                    f"Showing {shown.name} only (chosen at the top of the page). The council "
                    f"filter asks for {partner.name}, which is not shown: nothing matches."
                )
            partner = partner or shown
        report = None
        if year is not None and not errors:
            report = budget_report(request.user, year, partner)
            if clash:
                report.councils = []
        fmt = request.GET.get("format")
        if fmt in ("csv", "xlsx") and report is not None:
            if not access.can(EXPORT, "finance"):
                raise PermissionDenied
            return _download(report, fmt)
        context = {
            "years": years,
            "year": year,
            "councils": councils,
            "council": partner,
            "report": report,
            "errors": errors,
            "error_list": [(f"#{name}", message) for name, message in errors.items()],
            "chart": report.chart_data() if report is not None else None,
            "query": request.GET.urlencode(),
            "clash": clash,
        }
        status = 400 if errors else 200
        return TemplateResponse(request, "finance/savings/budget.html", context, status=status)


def _chosen(
    options: list[Any], raw: str | None, errors: dict[str, str], name: str, message: str
) -> Any:
    """The option whose id is `raw` (None for none); a value naming none is an error."""
    if not raw:
        return None
    found = next((o for o in options if str(o.pk) == raw), None)
    if found is None:
        errors[name] = message
    return found


def _download(report: Any, fmt: str) -> HttpResponse:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"budget-against-actual-{report.year.name.replace('/', '-')}-{stamp}.{fmt}"
    rows = report_rows(report)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
        response = HttpResponse(("\ufeff" + out.getvalue()).encode(), content_type=CSV_CONTENT_TYPE)
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="Budget against actual")
        sheet.append([xlsx_text(c) for c in COLUMNS])
        for row in rows:
            sheet.append([xlsx_cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[Any] = [
    *BusinessCaseViews.urls(),
    *SavingsTargetViews.urls(),
    *ImplementationCostViews.urls(),
    *SavingsSplitViews.urls(),
    *RealisedSavingViews.urls(),
    path(
        "business-cases/<int:pk>/savings/",
        CaseSavingsView.as_view(),
        name="businesscase_savings",
    ),
    path("finance/budget/", BudgetView.as_view(), name="budget"),
]


def nav_entries() -> list[Any]:
    """Budget against actual, in the Money group."""
    return [NavEntry("Budget against actual", "finance:budget", "money", area="finance", order=55)]


def home_needs(user: Any) -> list[Any]:
    """Business cases whose councils' split does not add up to 100%, for those who may change
    them (the shared service's finance officer and manager)."""
    access = access_for(user)
    if not access.service_role or not access.can(CHANGE, "finance"):
        return []
    cases = list(BusinessCase.objects.visible_to(user).exclude(status="closed"))
    short = [c for c in cases if not services.split_is_complete(c)]
    if not short:
        return []
    url = reverse("finance:businesscase_list")
    return [Need("Business cases whose councils' split does not add up to 100%", len(short), url)]
