"""Driver figures: what each council used of the shared service in a period, measured from
the other apps or entered by people (docs/finance.md, "Apportionment rules and drivers").

Measured, per council (`measure`; `measure_period` stores them as `DriverFigure` rows):

- tickets logged: the council's service desk tickets opened in the period;
- devices managed: assets deployed at the period's end (their last lifecycle move on or
  before that day went to "deployed"), each counted by the council's owner share (an asset
  60/40 between two councils is 0.6 and 0.4);
- licence seats used: licence assignments the council had at the period's end (assigned on
  or before it);
- staff time on tickets: the hours the shared service recorded on the council's tickets in
  the period (`TicketComment.minutes_spent` of replies and notes written in it, over 60);
- headcount served: never measured, only entered.

Every council that was a partner for any day of the period is measured (a council counts
only for its days in the partnership: the pro-rating of its figure is
`finance.arithmetic.pro_rata_weight`'s, applied by the recharge run, not here). An entered
figure wins over a measured one for the same council, driver and period: `measure_period`
never overwrites one, and `figures` prefers it.

Reading other apps' models (never their views) is allowed: an app may use another app's
models (docs/architecture.md).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from assets.choices import LifecycleState
from assets.models import Asset, AssetMove
from core.tenancy.models import Partner
from core.tenancy.records import OwnerShare
from finance.choices import Driver, FigureSource
from finance.models.ledger import DriverFigure
from licences.models import LicenceAssignment
from servicedesk.models import Ticket, TicketComment

#: Drivers measured from the other apps (headcount is only ever entered).
MEASURED = (Driver.TICKETS, Driver.DEVICES, Driver.LICENCE_SEATS, Driver.STAFF_TIME)
#: Drivers that are a level at a moment (the latest figure of a period stands for it), not a
#: flow over the period (whose figures add up).
LEVELS = frozenset({Driver.HEADCOUNT, Driver.DEVICES, Driver.LICENCE_SEATS})
WHY = "driver figures are measured across every council for the recharges"


def _moment(day: datetime.date) -> datetime.datetime:
    """The start of `day` in the project's time zone (Europe/London)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def members(start: datetime.date, end: datetime.date) -> list[Partner]:
    """The councils that were partners for at least one day of `start`..`end`."""
    return list(
        Partner.objects.unscoped(WHY)
        .filter(joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
        .order_by("code")
    )


def tickets_logged(start: datetime.date, end: datetime.date) -> dict[int, Decimal]:
    """Tickets opened in the period, per council."""
    rows = (
        Ticket.objects.unscoped(WHY)
        .filter(opened_at__gte=_moment(start), opened_at__lt=_moment(end + datetime.timedelta(1)))
        .order_by()
        .values("partner_id")
        .annotate(n=Count("id"))
    )
    return {row["partner_id"]: Decimal(row["n"]) for row in rows}


def staff_time(start: datetime.date, end: datetime.date) -> dict[int, Decimal]:
    """Hours of the shared service's time recorded on each council's tickets in the period."""
    rows = (
        TicketComment.objects.unscoped(WHY)
        .filter(
            created_at__gte=_moment(start),
            created_at__lt=_moment(end + datetime.timedelta(1)),
            minutes_spent__gt=0,
        )
        .order_by()
        .values("partner_id")
        .annotate(minutes=Sum("minutes_spent"))
    )
    return {
        row["partner_id"]: (Decimal(row["minutes"]) / 60).quantize(Decimal("0.01")) for row in rows
    }


def devices_managed(end: datetime.date) -> dict[int, Decimal]:
    """Assets deployed at the end of `end`, per council by owner share."""
    last_move = (
        AssetMove.objects.unscoped(WHY)
        .filter(asset=OuterRef("pk"), moved_at__lt=_moment(end + datetime.timedelta(1)))
        .order_by("-moved_at", "-id")
        .values("to_state")[:1]
    )
    deployed = (
        Asset.objects.unscoped(WHY)
        .annotate(state_then=Subquery(last_move))
        .filter(state_then=LifecycleState.DEPLOYED)
        .values("pk")
    )
    shares = OwnerShare.objects.filter(
        content_type__app_label="assets", content_type__model="asset", object_id__in=deployed
    ).values_list("partner_id", "percentage")
    found: dict[int, Decimal] = defaultdict(Decimal)
    for partner_id, percentage in shares:
        found[partner_id] += Decimal(percentage) / 100
    return {pid: value.quantize(Decimal("0.01")) for pid, value in found.items()}


def licence_seats(end: datetime.date) -> dict[int, Decimal]:
    """Licence assignments each council held at the end of `end`."""
    rows = (
        LicenceAssignment.objects.unscoped(WHY)
        .filter(assigned_on__lte=end)
        .order_by()
        .values("partner_id")
        .annotate(n=Count("id"))
    )
    return {row["partner_id"]: Decimal(row["n"]) for row in rows}


def measure(driver: str, start: datetime.date, end: datetime.date) -> dict[int, Decimal]:
    """The measured figure of `driver` for `start`..`end`, per council that has one."""
    if driver == Driver.TICKETS:
        return tickets_logged(start, end)
    if driver == Driver.STAFF_TIME:
        return staff_time(start, end)
    if driver == Driver.DEVICES:
        return devices_managed(end)
    if driver == Driver.LICENCE_SEATS:
        return licence_seats(end)
    raise ValueError(f"{driver} is not measured: it is entered")


def measure_period(start: datetime.date, end: datetime.date) -> list[DriverFigure]:
    """Measure every measured driver for `start`..`end` and store a measured figure per
    member council (0 where it used none), leaving entered figures as they are. A measured
    figure already stored is updated only when the measure changed. Returns the figures
    written."""
    if end < start:
        raise ValueError("The period's last day is before its first")
    councils = members(start, end)
    stored = {
        (f.partner_id, f.driver): f
        for f in DriverFigure.objects.unscoped(WHY).filter(period_start=start, period_end=end)
    }
    written = []
    for driver in MEASURED:
        values = measure(driver, start, end)
        for partner in councils:
            value = values.get(partner.pk, Decimal("0"))
            figure = stored.get((partner.pk, driver))
            if figure is not None and figure.source == FigureSource.ENTERED:
                continue  # an entered figure wins
            if figure is not None and figure.value == value:
                continue
            if figure is None:
                figure = DriverFigure(
                    partner=partner,
                    driver=driver,
                    period_start=start,
                    period_end=end,
                    source=FigureSource.MEASURED,
                )
            figure.value = value
            figure.note = "Measured by Concord"
            figure.save()
            written.append(figure)
    return written


def figures(
    driver: str,
    partners: Iterable[Any],
    start: datetime.date,
    end: datetime.date,
) -> dict[int, Decimal]:
    """The figure of `driver` per council of `partners` (councils or ids) for `start`..`end`,
    from the stored figures whose periods lie within it; an entered figure wins over a
    measured one of the same period. A flow (tickets, staff time) adds up the figures of the
    periods within; a level (headcount, devices, seats) is the latest period's. A council
    with no figure gets 0."""
    ids = [getattr(p, "pk", p) for p in partners]
    rows = (
        DriverFigure.objects.unscoped(WHY)
        .filter(driver=driver, partner_id__in=ids, period_start__gte=start, period_end__lte=end)
        .order_by("partner_id", "period_start", "period_end", "id")
    )
    chosen: dict[tuple[int, datetime.date, datetime.date], DriverFigure] = {}
    for figure in rows:
        key = (figure.partner_id, figure.period_start, figure.period_end)
        held = chosen.get(key)
        if held is None or (
            figure.source == FigureSource.ENTERED and held.source != FigureSource.ENTERED
        ):
            chosen[key] = figure
    result = {pid: Decimal("0") for pid in ids}
    latest: dict[int, datetime.date] = {}
    for (pid, _first, last), figure in sorted(chosen.items(), key=lambda kv: kv[0][2]):
        if driver in LEVELS:
            if pid not in latest or last >= latest[pid]:
                result[pid] = figure.value
                latest[pid] = last
        else:
            result[pid] += figure.value
    return result
