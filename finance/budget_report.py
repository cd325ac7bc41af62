"""Budget against actual (docs/finance.md, "Budget against actual"): per council and cost
centre for a financial year, the budget, the actual to date, a forecast to the year end from
the run rate, and the variance.

- **Budget**: the cost centre's current budgets for the year (revenue and capital together).
- **Actual to date**: the council's own cost lines booked to the cost centre (a cost for a
  period counted for its days in the year), plus its recharged share from the statements of
  approved recharge runs in the year, booked to cost centres through the council's ledger
  codes (category and spend type -> cost centre). A recharged share whose category and spend
  type has no ledger code is shown on a row of its own, "Not booked to a cost centre".
- **Forecast** (the run rate rule): costs are counted up to the end of the last whole month
  of the year on the report's day (the whole year once it is over); the run rate is that
  actual divided by the whole months counted, and the forecast is the actual plus the run
  rate for each month still to come. Before a whole month has passed there is no forecast.
- **Variance**: budget less forecast (less actual once the year is over); above zero is an
  underspend, below zero an overspend.

Everything is read through `visible_to(user)`: a council's finance officer sees only their own
council's budgets, cost lines and statements; the shared service's finance officer sees every
council's.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Q, Sum

from finance.savings_services import measured_period, pennies

UNBOOKED = "Not booked to a cost centre"


@dataclass
class CostCentreRow:
    """One cost centre's figures (`cost_centre` None: recharges not booked to one)."""

    cost_centre: Any
    budget: Decimal = Decimal("0")
    own: Decimal = Decimal("0")
    recharged: Decimal = Decimal("0")
    forecast: Decimal | None = None

    @property
    def label(self) -> str:
        if self.cost_centre is None:
            return UNBOOKED
        return f"{self.cost_centre.code} {self.cost_centre.name}"

    @property
    def actual(self) -> Decimal:
        return self.own + self.recharged

    @property
    def variance(self) -> Decimal | None:
        if self.forecast is None:
            return None
        return self.budget - self.forecast


@dataclass
class CouncilReport:
    """A council's cost centres for the year, and their totals."""

    partner: Any
    rows: list[CostCentreRow] = field(default_factory=list)

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(r, name) for r in self.rows), Decimal("0"))

    @property
    def budget(self) -> Decimal:
        return self._sum("budget")

    @property
    def own(self) -> Decimal:
        return self._sum("own")

    @property
    def recharged(self) -> Decimal:
        return self._sum("recharged")

    @property
    def actual(self) -> Decimal:
        return self._sum("actual")

    @property
    def forecast(self) -> Decimal | None:
        if any(r.forecast is None for r in self.rows):
            return None
        return self._sum("forecast")

    @property
    def variance(self) -> Decimal | None:
        forecast = self.forecast
        return None if forecast is None else self.budget - forecast


@dataclass
class BudgetReport:
    """The report for a year: the period the actuals cover and each council's figures."""

    year: Any
    as_of: datetime.date
    counted_to: datetime.date | None
    months_counted: int
    months_in_year: int
    councils: list[CouncilReport]

    def chart_data(self) -> dict[str, Any]:
        """The figures the chart draws (static/concord/finance-chart.js): per council, its
        budget, actual to date and forecast, in pounds."""
        return {
            "year": self.year.name,
            "labels": [c.partner.name for c in self.councils],
            "series": [
                {"label": "Budget", "values": [float(c.budget) for c in self.councils]},
                {"label": "Actual to date", "values": [float(c.actual) for c in self.councils]},
                {
                    "label": "Forecast to year end",
                    "values": [
                        float(c.forecast) if c.forecast is not None else None for c in self.councils
                    ],
                },
            ],
        }


def _spread(amount: Decimal, start: Any, end: Any, lo: datetime.date, hi: datetime.date) -> Decimal:
    """The part of `amount` (for the days `start` to `end`) that falls between `lo` and `hi`."""
    if start is None or end is None:
        return amount
    days = (end - start).days + 1
    first, last = max(start, lo), min(end, hi)
    inside = max(0, (last - first).days + 1)
    return amount * inside / days


def _recharged(
    user: Any, start: datetime.date, end: datetime.date, partner_ids: set[int]
) -> dict[tuple[int, int | None], Decimal]:
    """Each council's recharged share from approved runs between `start` and `end`, by
    (council, cost centre id or None), booked through its ledger codes."""
    try:
        line_model = apps.get_model("finance", "RechargeLine")
    except LookupError:
        return {}
    ledger_code = apps.get_model("finance", "LedgerCode")
    cost_centre = apps.get_model("finance", "CostCentre")
    codes = {
        (c.partner_id, c.category, c.spend_type): c.cost_centre_id
        for c in ledger_code.objects.visible_to(user).filter(partner_id__in=partner_ids)
    }
    centres = {
        (c.partner_id, c.code): c.pk
        for c in cost_centre.objects.visible_to(user).filter(partner_id__in=partner_ids)
    }
    # Only shares of shared costs: a statement's other lines are the council's own costs,
    # counted from its cost lines already.
    lines = (
        line_model.objects.visible_to(user)
        .filter(
            shared=True,
            statement__partner_id__in=partner_ids,
            statement__run__status="approved",
            statement__run__period_start__gte=start,
            statement__run__period_end__lte=end,
        )
        .values("statement__partner_id", "category", "spend_type", "cost_centre")
        .annotate(total=Sum("amount"))
    )
    found: dict[tuple[int, int | None], Decimal] = defaultdict(Decimal)
    for row in lines:
        partner_id = row["statement__partner_id"]
        # The cost centre the run booked the line to, else the council's ledger code now.
        centre = centres.get((partner_id, row["cost_centre"])) or codes.get(
            (partner_id, row["category"], row["spend_type"])
        )
        found[(partner_id, centre)] += row["total"] or Decimal("0")
    # Corrections of earlier periods a statement carried (finance.recharging): part of what the
    # council was recharged, booked as its journal books them (the "other" revenue ledger code).
    statement_model = apps.get_model("finance", "RechargeStatement")
    carried = (
        statement_model.objects.visible_to(user)
        .filter(
            partner_id__in=partner_ids,
            run__status="approved",
            run__period_start__gte=start,
            run__period_end__lte=end,
        )
        .exclude(adjustments=0)
        .values("partner_id")
        .annotate(total=Sum("adjustments"))
    )
    for row in carried:
        centre = codes.get((row["partner_id"], "other", "revenue"))
        found[(row["partner_id"], centre)] += row["total"] or Decimal("0")
    return found


def budget_report(
    user: Any, year: Any, partner: Any = None, as_of: datetime.date | None = None
) -> BudgetReport:
    """Budget against actual for `year` as `user` may see it (one council with `partner`),
    on `as_of` (today by default)."""
    as_of = as_of or datetime.date.today()
    partner_model = apps.get_model("tenancy", "Partner")
    cost_centre = apps.get_model("finance", "CostCentre")
    budget = apps.get_model("finance", "Budget")
    cost_line = apps.get_model("finance", "CostLine")

    centres = cost_centre.objects.visible_to(user).select_related("partner")
    if partner is not None:
        centres = centres.filter(partner=partner)
    centres_by_id = {c.pk: c for c in centres}
    partner_ids = {c.partner_id for c in centres_by_id.values()}

    budgets: dict[int, Decimal] = defaultdict(Decimal)
    for row in (
        budget.objects.visible_to(user)
        .filter(year=year, cost_centre_id__in=list(centres_by_id))
        .values("cost_centre_id")
        .annotate(total=Sum("amount"))
    ):
        budgets[row["cost_centre_id"]] += row["total"] or Decimal("0")

    period = measured_period(year, as_of)
    months_in_year = len(year.months())
    own: dict[int, Decimal] = defaultdict(Decimal)
    recharged: dict[tuple[int, int | None], Decimal] = {}
    months_counted = 0
    counted_to = None
    if period is not None:
        start, counted_to = period
        months_counted = sum(1 for m in year.months() if m <= counted_to)
        dated = Q(period_start__isnull=True, incurred_on__gte=start, incurred_on__lte=counted_to)
        spread = Q(period_start__isnull=False, period_start__lte=counted_to, period_end__gte=start)
        rows = (
            cost_line.objects.visible_to(user)
            .filter(is_shared=False, cost_centre_id__in=list(centres_by_id))
            .filter(dated | spread)
            .values_list("cost_centre_id", "amount", "period_start", "period_end")
        )
        for centre_id, amount, p_start, p_end in rows.iterator():
            own[centre_id] += _spread(amount, p_start, p_end, start, counted_to)
        recharged = _recharged(user, start, counted_to, partner_ids)

    def forecast_of(actual: Decimal) -> Decimal | None:
        if months_counted == 0:
            return None
        rate = actual / months_counted
        return pennies(actual + rate * (months_in_year - months_counted))

    councils: dict[int, CouncilReport] = {}
    partners = {p.pk: p for p in partner_model.objects.visible_to(user).filter(pk__in=partner_ids)}
    for centre in sorted(centres_by_id.values(), key=lambda c: (c.partner.name, c.code)):
        report = councils.setdefault(centre.partner_id, CouncilReport(partner=centre.partner))
        row = CostCentreRow(
            cost_centre=centre,
            budget=pennies(budgets[centre.pk]),
            own=pennies(own[centre.pk]),
            recharged=pennies(recharged.get((centre.partner_id, centre.pk), Decimal("0"))),
        )
        row.forecast = forecast_of(row.actual)
        report.rows.append(row)
    for (partner_id, centre_id), amount in sorted(recharged.items(), key=lambda i: i[0][0]):
        if centre_id is not None and centre_id in centres_by_id:
            continue
        if partner_id not in partners:
            continue
        report = councils.setdefault(partner_id, CouncilReport(partner=partners[partner_id]))
        row = CostCentreRow(cost_centre=None, recharged=pennies(amount))
        row.forecast = forecast_of(row.actual)
        report.rows.append(row)
    ordered = sorted(councils.values(), key=lambda c: c.partner.name)
    return BudgetReport(
        year=year,
        as_of=as_of,
        counted_to=counted_to,
        months_counted=months_counted,
        months_in_year=months_in_year,
        councils=ordered,
    )


COLUMNS = (
    "Council",
    "Cost centre",
    "Budget",
    "Own costs",
    "Recharged share",
    "Actual to date",
    "Forecast to year end",
    "Variance",
)


def report_rows(report: BudgetReport) -> list[list[Any]]:
    """The report as rows of `COLUMNS` (for CSV and XLSX downloads), a council's total after
    its cost centres."""
    rows: list[list[Any]] = []
    for council in report.councils:
        for r in council.rows:
            rows.append(
                [
                    council.partner.name,
                    r.label,
                    r.budget,
                    r.own,
                    r.recharged,
                    r.actual,
                    r.forecast,
                    r.variance,
                ]
            )
        rows.append(
            [
                council.partner.name,
                "Total",
                council.budget,
                council.own,
                council.recharged,
                council.actual,
                council.forecast,
                council.variance,
            ]
        )
    return rows
