"""Reporting's dashboards as data (docs/reporting.md, "Dashboards"): for one reader and one
scope (a council, or the partnership), every KPI grouped under its heading with the last twelve
months' figures, each with the address of the records behind it, the data its chart draws and
the rows of its downloads. Read from the roll-ups only (reporting.figures), never the records.

The scope a page names is resolved here too (`scope_for`): a council's code, or
``partnership``; anything the reader may not see is a 404, the same answer as a council that
does not exist, so the page tells nobody that a council is there.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import Http404

from core.tenancy.access import VIEW, access_for
from core.tenancy.models import Partner
from reporting import figures as figures_module
from reporting.kpis import KPIS, Kpi

AREA = "reporting"
#: The URL word for the partnership's scope (a council's is its code).
PARTNERSHIP = "partnership"
#: How many months a dashboard shows.
MONTHS = 12
#: The groups' order on a dashboard and in a pack; a KPI of another group comes after them.
GROUPS = ("Service desk", "Assets", "Licences", "Contracts", "Money", "Projects")
#: The columns of a KPI's table and its downloads.
COLUMNS = ["Month", "Figure", "Unit", "Numerator", "Denominator"]


def first_of_month(day: datetime.date) -> datetime.date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    """The first day of the month `count` months after `month`'s (before, when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(month: datetime.date) -> datetime.date:
    """The last day of `month`'s month."""
    return add_months(first_of_month(month), 1) - datetime.timedelta(days=1)


def last_months(upto: datetime.date, count: int = MONTHS) -> list[datetime.date]:
    """The first days of the `count` months ending with `upto`'s, oldest first."""
    last = first_of_month(upto)
    return [add_months(last, offset) for offset in range(1 - count, 1)]


def scope_key(scope: Partner | None) -> str:
    """The URL word for a scope: the council's code, or ``partnership``."""
    return PARTNERSHIP if scope is None else scope.code


def scope_name(scope: Partner | None) -> str:
    """What a scope is called on pages and in packs."""
    return "The partnership (every council together)" if scope is None else scope.name


def scope_for(user: Any, key: str, scopes: list[Partner | None] | None = None) -> Partner | None:
    """The scope `key` names among those `user` may read (`scopes`, when already read); 404
    for any other (another council's, one that does not exist, the partnership's where it is
    not shared with them)."""
    for scope in figures_module.scopes_for(user) if scopes is None else scopes:
        if scope_key(scope) == key:
            return scope
    raise Http404("No such dashboard")


def display(value: Decimal | None, unit: str) -> str:
    """A figure as people read it: "1,204", "87.5%", "3.2 days", "£12,400"; "No figure" for
    a month with nothing to measure."""
    if value is None:
        return "No figure"
    if unit == "percent":
        return f"{value:,.1f}%"
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "gbp":
        return f"£{value:,.0f}"
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def plain(value: Decimal | None) -> Decimal | None:
    """A figure as a download carries it, the same from every database: 1234, not 1234.00
    (PostgreSQL keeps the column's places, SQLite does not); 87.5, not 87.50."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def month_label(month: datetime.date) -> str:
    """A month as a table's row heading and a chart's label: "Mar 2026"."""
    return month.strftime("%b %Y")


@dataclass
class Cell:
    """One month's figure of a KPI, with the address of the records behind it."""

    month: datetime.date
    value: Decimal | None
    numerator: Decimal
    denominator: Decimal | None
    text: str
    records_url: str

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass
class Panel:
    """A KPI on a dashboard: its months' figures (oldest first), its chart's data."""

    kpi: Kpi
    cells: list[Cell]
    scope: Partner | None

    @property
    def latest(self) -> Cell | None:
        return self.cells[-1] if self.cells else None

    def chart_data(self) -> dict[str, Any]:
        """What static/concord/reporting-chart.js draws (floats: a chart needs no pence)."""
        return {
            "title": self.kpi.label,
            "unit": self.kpi.unit,
            "scope": scope_name(self.scope),
            "labels": [cell.label for cell in self.cells],
            "values": [None if c.value is None else float(c.value) for c in self.cells],
        }

    def rows(self) -> list[list[Any]]:
        """The table's rows as the downloads carry them (COLUMNS)."""
        return [
            [
                cell.month.isoformat(),
                plain(cell.value),
                self.kpi.unit,
                plain(cell.numerator),
                plain(cell.denominator),
            ]
            for cell in self.cells
        ]


@dataclass
class Group:
    """A heading of a dashboard and its KPIs."""

    name: str
    panels: list[Panel] = field(default_factory=list)


@dataclass
class Dashboard:
    """One reader's dashboard of one scope over `months`."""

    scope: Partner | None
    months: list[datetime.date]
    groups: list[Group]

    @property
    def key(self) -> str:
        return scope_key(self.scope)

    @property
    def name(self) -> str:
        return scope_name(self.scope)

    def panels(self) -> list[Panel]:
        return [panel for group in self.groups for panel in group.panels]

    @property
    def linked(self) -> bool:
        """Whether its figures link to the records behind them."""
        return any(cell.records_url for panel in self.panels() for cell in panel.cells)

    def panel(self, key: str) -> Panel | None:
        return next((p for p in self.panels() if p.kpi.key == key), None)


def build_dashboard(
    user: Any, scope: Partner | None, months: list[datetime.date], kpis: list[str] | None = None
) -> Dashboard:
    """The dashboard of `scope` as `user` reads it over `months` (first days, oldest first):
    KPIs in the catalogue's order, grouped; 404 (from reporting.figures) for a scope that is
    not theirs."""
    by_kpi = figures_module.monthly(user, scope, months, kpis)
    # The records behind the partnership's figure are every council's: linked for those who
    # see every council's records, not for a council's person, whose list would show their
    # own council's alone beside a figure of every council's.
    links = scope is not None or access_for(user).partner_ids(VIEW, AREA) is None
    return dashboard_from(scope, months, by_kpi, links=links)


def dashboard_from(
    scope: Partner | None,
    months: list[datetime.date],
    by_kpi: dict[str, list[Any]],
    links: bool = True,
) -> Dashboard:
    """A dashboard of `scope` from figures already read (`monthly`'s answer); with `links`,
    each figure has the address of the records behind it."""
    groups: dict[str, Group] = {name: Group(name) for name in GROUPS}
    for key, kpi in KPIS.items():
        figures = by_kpi.get(key)
        if figures is None:
            continue
        cells = [
            Cell(
                month=f.period,
                value=f.value,
                numerator=f.numerator,
                denominator=f.denominator,
                text=display(f.value, kpi.unit),
                records_url=(
                    kpi.records_url(scope, f.period, month_end(f.period)) if links else ""
                ),
            )
            for f in figures
        ]
        groups.setdefault(kpi.group, Group(kpi.group)).panels.append(Panel(kpi, cells, scope))
    return Dashboard(scope, months, [g for g in groups.values() if g.panels])
