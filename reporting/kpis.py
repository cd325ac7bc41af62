"""The catalogue of KPIs: what each measures, in which unit, from which area's records, and
how a month's value is made from its daily roll-ups (docs/reporting.md, "KPIs").

Each KPI is kept as daily rows of `reporting.models.KpiFigure` (numerator, denominator) by the
roll-ups (reporting.rollups, which measures each from the records). How a month's value is
made from the days depends on what the KPI is (`Kpi.kind`):

- ``flow``: a count of things that happened (tickets opened): the month's is the sum.
- ``ratio``: a percentage or an average (SLA met, the backlog's age): the month's is the sum
  of numerators over the sum of denominators, so a busy day weighs what it should
  (decision 0037); None when there was nothing to measure (0 of 0).
- ``stock``: how things stood at the end of a day (the backlog, assets out of support): the
  month's is the last rolled-up day's; a stock with a denominator is a ratio of that day.

`Kpi.records_url` is the list page of the records behind a figure, with the filters that
match it as far as that list can be filtered (the council always; dates where the list has
date filters).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from servicedesk.choices import OPEN_STATUS_LIST

FLOW, RATIO, STOCK = "flow", "ratio", "stock"
COUNT, PERCENT, DAYS, GBP = "count", "percent", "days", "gbp"

#: Filters of a records list for a period: (start, end) -> query parameters.
PeriodFilters = Callable[[datetime.date, datetime.date], dict[str, Any]]


def _no_dates(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Kpi:
    """One KPI of the catalogue (see the module's docstring)."""

    key: str
    label: str
    unit: str
    area: str
    higher_is_better: bool | None
    group: str
    kind: str = FLOW
    #: What it means, in a sentence a council's lead can read (pages and docs).
    description: str = ""
    #: The URL name of the list page of the records behind the figure.
    records: str = ""
    #: The list's filters matching a period (beyond the council).
    period_filters: PeriodFilters = field(default=_no_dates, compare=False, repr=False)
    #: Fixed filters of that list (the open tickets for the backlog).
    filters: tuple[tuple[str, str], ...] = ()
    #: Kept per queue and per category as well as per council (the desk's).
    by_queue_and_category: bool = False

    def records_url(self, partner: Any, start: datetime.date, end: datetime.date) -> str:
        """The list page of the records behind the figure of `partner` (None: every council
        the reader sees) from `start` to `end`, with the matching filters."""
        if not self.records:
            return ""
        params: list[tuple[str, Any]] = list(self.filters)
        if partner is not None:
            params.append(("partner", partner.pk))
        params += list(self.period_filters(start, end).items())
        query = urlencode(params)
        return f"{reverse(self.records)}?{query}" if query else reverse(self.records)

    def value(self, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
        """The figure shown from a numerator and denominator: a count as it is, a percentage
        out of 100, an average; None for 0 of 0."""
        if denominator is None:
            return numerator
        if denominator == 0:
            return None
        ratio = numerator / denominator
        if self.unit == PERCENT:
            ratio *= 100
        return ratio.quantize(Decimal("0.1") if self.unit != GBP else Decimal("0.01"))


# The ticket list has no date filters yet: its links name the council (and the open statuses
# for the backlog), not the period; a KPI gives `period_filters` once its list can filter dates.
_opened = _resolved = _no_dates


DESK = "Service desk"
#: The ticket list's filter for the open tickets (every open status).
OPEN_FILTER = tuple(("status", str(status)) for status in OPEN_STATUS_LIST)
TICKETS = "servicedesk:ticket_list"

_CATALOGUE: tuple[Kpi, ...] = (
    Kpi(
        "tickets_opened",
        "Tickets opened",
        COUNT,
        "servicedesk",
        None,
        DESK,
        FLOW,
        "Incidents and service requests raised.",
        TICKETS,
        _opened,
        by_queue_and_category=True,
    ),
    Kpi(
        "tickets_resolved",
        "Tickets resolved",
        COUNT,
        "servicedesk",
        True,
        DESK,
        FLOW,
        "Tickets resolved (and not reopened since).",
        TICKETS,
        _resolved,
        by_queue_and_category=True,
    ),
    Kpi(
        "backlog",
        "Backlog",
        COUNT,
        "servicedesk",
        False,
        DESK,
        STOCK,
        "Tickets still open at the end of the period.",
        TICKETS,
        filters=OPEN_FILTER,
        by_queue_and_category=True,
    ),
    Kpi(
        "backlog_age",
        "Average age of the backlog",
        DAYS,
        "servicedesk",
        False,
        DESK,
        STOCK,
        "How many days the tickets open at the end of the period had been open, on average.",
        TICKETS,
        filters=OPEN_FILTER,
    ),
    Kpi(
        "sla_met",
        "Resolved within the SLA",
        PERCENT,
        "servicedesk",
        True,
        DESK,
        RATIO,
        "Of the tickets resolved, the share resolved by their resolution target.",
        TICKETS,
        _resolved,
        by_queue_and_category=True,
    ),
    Kpi(
        "first_contact_resolution",
        "Resolved at first contact",
        PERCENT,
        "servicedesk",
        True,
        DESK,
        RATIO,
        "Of the tickets resolved, the share resolved with at most one reply from the desk "
        "and never reopened.",
        TICKETS,
        _resolved,
    ),
    Kpi(
        "satisfaction",
        "Requesters satisfied",
        PERCENT,
        "servicedesk",
        True,
        DESK,
        RATIO,
        "Of the resolved tickets their requesters rated, the share rated 4 or 5 out of 5.",
        TICKETS,
        _resolved,
    ),
)

_CATALOGUE += (
    Kpi(
        "assets_out_of_support",
        "Assets out of support",
        COUNT,
        "assets",
        False,
        "Assets",
        STOCK,
        "Assets in use or in stock whose operating system's support has ended (a co-owned "
        "asset counts for each of its councils).",
        "assets:asset_list",
        filters=(("support", "ended"),),
    ),
)

LICENCES = "Licences"
_CATALOGUE += (
    Kpi(
        "licence_compliance",
        "Products licensed in full",
        PERCENT,
        "licences",
        True,
        LICENCES,
        STOCK,
        "Of the software products the council is entitled to or uses, the share with no "
        "shortfall of seats.",
        "licences:licenceagreement_list",
    ),
    Kpi(
        "licence_products_short",
        "Products short of seats",
        COUNT,
        "licences",
        False,
        LICENCES,
        STOCK,
        "Products using more seats (assigned, or installed with no seat) than the council "
        "is entitled to.",
        "licences:licenceagreement_list",
    ),
    Kpi(
        "licence_seats_unused",
        "Unused paid seats",
        COUNT,
        "licences",
        False,
        LICENCES,
        STOCK,
        "Seats of the agreements in force neither assigned nor covering an installation.",
        "licences:licenceassignment_list",
    ),
    Kpi(
        "licence_waste",
        "Cost of unused seats",
        GBP,
        "licences",
        False,
        LICENCES,
        STOCK,
        "The unused seats at the product's price per seat.",
        "licences:licenceagreement_list",
    ),
)

_CATALOGUE += (
    Kpi(
        "contract_decisions_due",
        "Contract decisions due",
        COUNT,
        "contracts",
        None,
        "Contracts",
        STOCK,
        "Live contracts whose next decision (give notice, extend, review or replace) falls "
        "within 180 days, or is overdue.",
        "contracts:decisions_due",
    ),
)

_CATALOGUE += (
    Kpi(
        "budget",
        "Budget for the year",
        GBP,
        "finance",
        None,
        "Money",
        STOCK,
        "The council's budgets for the financial year (every cost centre, revenue and capital).",
        "finance:budget",
    ),
    Kpi(
        "spend_to_date",
        "Spend to date",
        GBP,
        "finance",
        None,
        "Money",
        STOCK,
        "The year's own costs and recharged shares, counted to the end of the last whole month.",
        "finance:budget",
    ),
    Kpi(
        "spend_forecast",
        "Forecast spend for the year",
        GBP,
        "finance",
        False,
        "Money",
        STOCK,
        "Spend to date plus the run rate for each month still to come.",
        "finance:budget",
    ),
    Kpi(
        "savings_target",
        "Savings target for the year",
        GBP,
        "finance",
        None,
        "Money",
        STOCK,
        "The cashable savings the business cases set for the year: the council's split.",
        "finance:businesscase_list",
    ),
    Kpi(
        "savings_realised",
        "Savings realised in the year",
        GBP,
        "finance",
        True,
        "Money",
        STOCK,
        "The cashable savings the council realised in the year, measured or entered.",
        "finance:businesscase_list",
    ),
    Kpi(
        "projects_red",
        "Projects at red",
        COUNT,
        "portfolio",
        False,
        "Projects",
        STOCK,
        "Projects not closed whose latest monthly report is red overall.",
        "portfolio:projectreport_list",
        filters=(("overall", "red"),),
    ),
    Kpi(
        "projects_amber",
        "Projects at amber",
        COUNT,
        "portfolio",
        False,
        "Projects",
        STOCK,
        "Projects not closed whose latest monthly report is amber overall.",
        "portfolio:projectreport_list",
        filters=(("overall", "amber"),),
    ),
    Kpi(
        "projects_green",
        "Projects at green",
        COUNT,
        "portfolio",
        True,
        "Projects",
        STOCK,
        "Projects not closed whose latest monthly report is green overall.",
        "portfolio:projectreport_list",
        filters=(("overall", "green"),),
    ),
)

#: Every KPI by key, in display order.
KPIS: dict[str, Kpi] = {kpi.key: kpi for kpi in _CATALOGUE}


def kpi_choices() -> list[tuple[str, str]]:
    """(key, label) of every KPI, in display order: the API's and pages' choices."""
    return [(kpi.key, kpi.label) for kpi in KPIS.values()]
