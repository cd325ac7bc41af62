"""Reading the KPI roll-ups for pages, the API and packs: never the records themselves.

- `scopes_for(user)`: whose figures a person may read: their own council's (every council's
  for the shared service's staff), then the partnership's (None) where they may see it: always
  for the shared service, for a council's people only where the partnership's setting
  (`ReportingSettings.share_partnership_totals`) shares it.
- `monthly(user, scope, months, kpis)`: each KPI's figure per month for one scope, made from
  the daily rows as `reporting.kpis` says (sums for counts, sums of numerators over sums of
  denominators for percentages and averages, the last day's for stocks). A scope the person may
  not read is a 404, never an empty figure: another council's figures do not exist for them.

The partnership's figures are every council's rows together. A council person shown them sees
totals only: their rows are read here with a stated reason, never listed to them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Sum
from django.http import Http404

from core.tenancy.access import VIEW, access_for
from core.tenancy.models import Partner
from reporting.kpis import KPIS, RATIO, STOCK, Kpi
from reporting.models import KpiFigure, ReportingSettings

ZERO = Decimal(0)


@dataclass(frozen=True)
class Figure:
    """One KPI's value for one scope (a council, or None: the partnership) and one month."""

    kpi: Kpi
    partner: Partner | None
    period: datetime.date
    value: Decimal | None
    numerator: Decimal
    denominator: Decimal | None


def month_start(day: datetime.date) -> datetime.date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    """The first day of the month after `month`'s."""
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def last_months(count: int, until: datetime.date) -> list[datetime.date]:
    """The first days of the `count` months ending with `until`'s, oldest first."""
    months = [month_start(until)]
    while len(months) < count:
        months.insert(0, month_start(months[0] - datetime.timedelta(days=1)))
    return months


def reporting_partner_ids(user: Any) -> set[int] | None:
    """The councils whose figures `user` may read (None: every council)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return access_for(user).partner_ids(VIEW, KpiFigure.area)


def sees_partnership(user: Any) -> bool:
    """Whether `user` is shown the partnership's totals."""
    ids = reporting_partner_ids(user)
    if ids is None:
        return True
    return bool(ids) and ReportingSettings.current().share_partnership_totals


def scopes_for(user: Any) -> list[Partner | None]:
    """The councils whose figures `user` may read (by name), then None (the partnership's)
    when they are shown the partnership's totals."""
    ids = reporting_partner_ids(user)
    councils = Partner.objects.unscoped("the councils whose figures the reader may read")
    if ids is not None:
        councils = councils.filter(pk__in=ids)
    scopes: list[Partner | None] = list(councils.order_by("name", "pk"))
    if ids is None or (scopes and sees_partnership(user)):
        scopes.append(None)
    return scopes


def check_scope(user: Any, scope: Partner | None) -> None:
    """Refuse (404) a scope `user` may not read: another council's figures do not exist for
    them, nor the partnership's unless shared with them."""
    ids = reporting_partner_ids(user)
    if scope is None:
        if not sees_partnership(user):
            raise Http404("No such figures")
        return
    if ids is not None and scope.pk not in ids:
        raise Http404("No such figures")


def _rows(user: Any, scope: Partner | None) -> Any:
    """The daily rows behind `scope`'s figures, for a reader whose scope was checked."""
    if scope is None:
        # The partnership's totals: every council's rows, summed here and never listed.
        return KpiFigure.objects.unscoped("the partnership's totals, shown as totals only")
    return KpiFigure.objects.visible_to(user).filter(partner=scope)


def monthly(
    user: Any,
    scope: Partner | None,
    months: list[datetime.date],
    kpis: list[str] | None = None,
) -> dict[str, list[Figure]]:
    """Per KPI key, one Figure per month of `months` (first days), oldest first.

    Raises Http404 when `scope` is not one of `scopes_for(user)`, and ValueError for a KPI
    key that is not in the catalogue."""
    check_scope(user, scope)
    chosen = [KPIS[key] for key in kpis] if kpis is not None else list(KPIS.values())
    months = sorted({month_start(m) for m in months})
    result: dict[str, list[Figure]] = {kpi.key: [] for kpi in chosen}
    if not months or not chosen:
        return result
    rows = _rows(user, scope).filter(
        dimension="", day__gte=months[0], day__lt=next_month(months[-1])
    )
    sums = _month_sums(rows, [k.key for k in chosen if k.kind != STOCK])
    stocks = _stock_sums(rows, [k.key for k in chosen if k.kind == STOCK])
    for kpi in chosen:
        found = stocks if kpi.kind == STOCK else sums
        for month in months:
            numerator, denominator, seen = found.get((kpi.key, month), (ZERO, None, False))
            if kpi.kind == RATIO and denominator is None:
                denominator = ZERO  # nothing measured: 0 of 0, shown as no value
            # A stock with no day of the month rolled up has nothing to show.
            value = None if kpi.kind == STOCK and not seen else kpi.value(numerator, denominator)
            result[kpi.key].append(Figure(kpi, scope, month, value, numerator, denominator))
    return result


Sums = dict[tuple[str, datetime.date], tuple[Decimal, Decimal | None, bool]]


def _month_sums(rows: Any, keys: list[str]) -> Sums:
    """Sums of numerators and denominators per (KPI, month) of the flows and ratios."""
    if not keys:
        return {}
    found: dict[tuple[str, datetime.date], list[Any]] = defaultdict(lambda: [ZERO, None])
    per_day = (
        rows.filter(kpi__in=keys)
        .order_by()
        .values("kpi", "day")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
    )
    # Per day, then per month in Python: a month holds at most 31 rows per KPI, and grouping
    # by month in the database would need each database's own date function.
    for row in per_day:
        entry = found[(row["kpi"], month_start(row["day"]))]
        entry[0] += row["n"] or ZERO
        if row["d"] is not None:
            entry[1] = (entry[1] or ZERO) + row["d"]
    return {key: (n, d, True) for key, (n, d) in found.items()}


def _stock_sums(rows: Any, keys: list[str]) -> Sums:
    """The last rolled-up day's numerator and denominator per (KPI, month) of the stocks."""
    if not keys:
        return {}
    rows = rows.filter(kpi__in=keys).order_by()
    per_day = rows.values("kpi", "day").annotate(n=Sum("numerator"), d=Sum("denominator"))
    last: dict[tuple[str, datetime.date], datetime.date] = {}
    sums: dict[tuple[str, datetime.date], tuple[Decimal, Decimal | None]] = {}
    for row in per_day:
        month = month_start(row["day"])
        key = (row["kpi"], month)
        if key not in last or row["day"] > last[key]:
            last[key] = row["day"]
            sums[key] = (row["n"] or ZERO, row["d"])
    return {key: (n, d, True) for key, (n, d) in sums.items()}


def last_rolled_day(user: Any, scope: Partner | None) -> datetime.date | None:
    """The latest day with figures for `scope` (None if none), for "figures up to" notes."""
    check_scope(user, scope)
    return _rows(user, scope).filter(dimension="").aggregate(day=Max("day"))["day"]
