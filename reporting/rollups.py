"""Keeping the KPI roll-ups from the records (docs/reporting.md, "Roll-ups"; decision 0037).

Each `Source` measures some KPIs of reporting.kpis from one app's records, for a list of days,
per council (and per queue and category for the desk's): a (numerator, denominator) per
(council, KPI, dimension, day). `roll_up(days)` measures those days and writes what differs
from the rows already there, in bulk: new rows, changed rows, and rows no longer measured
(a queue's figure that fell to nothing) are removed; an unchanged row is not touched. Figures
are made from change-logged records, so writing them logs nothing more.

Which days: the nightly job (reporting.rollup_jobs) rolls up the days since the last one it
rolled up, to yesterday, and every earlier day a record changed since its last run says it
affects (`Source.affected_days`, read from the change log, core.changelog). ``concord rollup
--rebuild`` rolls up every day of a range from the records alone. Both run the same measures,
so a rebuild equals the nightly result; a test holds them to it.

Days are the councils' days (Europe/London): a ticket opened at 00:30 BST on 1 June is
June's.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from assets.models import Asset
from contracts import services as contract_services
from contracts.models import Contract
from core.models import ChangeRecord
from core.tenancy.models import Partner
from core.tenancy.records import OwnerShare
from licences import services as licence_services
from reporting.models import KpiFigure, RollupMark
from servicedesk.choices import Source as TicketSource
from servicedesk.models import Ticket, TicketComment

WHY = "KPI roll-ups: figures measured from change-logged records"
ZERO = Decimal(0)
ONE = Decimal(1)

#: (council id, KPI key, dimension, day)
Key = tuple[int, str, str, datetime.date]
#: numerator, denominator (None for a count)
Pair = tuple[Decimal, Decimal | None]
Measured = dict[Key, Pair]


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: datetime.date) -> datetime.datetime:
    """The first moment of `day` in the councils' time zone."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())


def local_day(moment: datetime.datetime) -> datetime.date:
    """The councils' day of `moment`."""
    return moment.astimezone(local_zone()).date()


def days_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every day from `first` to `last`, both included."""
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def councils_on(days: Sequence[datetime.date]) -> dict[datetime.date, list[int]]:
    """The councils in the partnership on each day (joined, not yet left): each has a total
    row of every KPI that day, zero or not."""
    partners = list(
        Partner.objects.unscoped("the councils figures are kept for").values_list(
            "pk", "joined_on", "left_on"
        )
    )
    return {
        day: [
            pk
            for pk, joined, left in partners
            if (joined is None or joined <= day) and (left is None or day < left)
        ]
        for day in days
    }


class Tally:
    """Numerators and denominators being added up for some days."""

    def __init__(self) -> None:
        self.sums: dict[Key, list[Decimal | None]] = defaultdict(lambda: [ZERO, None])

    def add(
        self,
        partner: int,
        kpi: str,
        day: datetime.date,
        numerator: Decimal | int,
        denominator: Decimal | int | None = None,
        dims: Iterable[str] = (),
    ) -> None:
        for dimension in ("", *dims):
            entry = self.sums[(partner, kpi, dimension, day)]
            entry[0] = (entry[0] or ZERO) + numerator
            if denominator is not None:
                entry[1] = (entry[1] or ZERO) + denominator

    def result(
        self, days: Sequence[datetime.date], ratios: Iterable[str], counts: Iterable[str]
    ) -> Measured:
        """Every council's total of every KPI on every day (zeros where nothing happened),
        and the dimensions measured."""
        for day, partners in councils_on(days).items():
            for partner in partners:
                for kpi in counts:
                    self.sums[(partner, kpi, "", day)]
                for kpi in ratios:
                    entry = self.sums[(partner, kpi, "", day)]
                    entry[1] = entry[1] or ZERO
        wanted = set(days)
        return {key: (n or ZERO, d) for key, (n, d) in self.sums.items() if key[3] in wanted}


@dataclass(frozen=True)
class Source:
    """The KPIs measured from one kind of record, and how a change of one moves figures."""

    name: str
    kpis: tuple[str, ...]
    #: model labels whose change records may move these figures
    models: tuple[str, ...]
    measure: Callable[[Sequence[datetime.date]], Measured]
    #: the days a change record of one of `models` may have moved (None: no day of its own)
    affected_days: Callable[[ChangeRecord], set[datetime.date]]


# The service desk ---------------------------------------------------------------------------

DESK_COUNTS = ("tickets_opened", "tickets_resolved", "backlog")
DESK_RATIOS = ("backlog_age", "sla_met", "first_contact_resolution", "satisfaction")


def _dims(queue_id: int | None, category_id: int | None) -> list[str]:
    dims = []
    if queue_id is not None:
        dims.append(f"queue:{queue_id}")
    if category_id is not None:
        dims.append(f"category:{category_id}")
    return dims


def measure_desk(days: Sequence[datetime.date]) -> Measured:
    """The desk's KPIs on `days`, per council, queue and category.

    - opened and resolved: tickets whose opened_at / resolved_at fall on the day;
    - backlog and its age: tickets open at the end of the day (opened by then, neither
      resolved nor closed by then), and the average of their ages in whole days;
    - SLA met: of the tickets resolved that day with a resolution target, those resolved in it;
    - first-contact resolution: of those resolved that day, the ones never reopened with at most
      one public reply from the desk;
    - satisfaction: of those resolved that day and rated by their requester, those rated 4 or 5.
    """
    days = sorted(set(days))
    tally = Tally()
    if not days:
        return {}
    wanted = set(days)
    start, end = day_start(days[0]), day_start(days[-1] + datetime.timedelta(days=1))
    tickets = Ticket.objects.unscoped(WHY)

    opened = tickets.filter(opened_at__gte=start, opened_at__lt=end).values_list(
        "partner_id", "queue_id", "category_id", "opened_at"
    )
    for partner, queue, category, at in opened.iterator(chunk_size=5000):
        day = local_day(at)
        if day in wanted:
            tally.add(partner, "tickets_opened", day, ONE, dims=_dims(queue, category))

    resolved = list(
        tickets.filter(resolved_at__gte=start, resolved_at__lt=end).values_list(
            "pk",
            "partner_id",
            "queue_id",
            "category_id",
            "resolved_at",
            "resolution_met",
            "reopen_count",
            "satisfaction",
        )
    )
    replies = _desk_replies([row[0] for row in resolved])
    for pk, partner, queue, category, at, met, reopened, rating in resolved:
        day = local_day(at)
        if day not in wanted:
            continue
        dims = _dims(queue, category)
        tally.add(partner, "tickets_resolved", day, ONE, dims=dims)
        if met is not None:
            tally.add(partner, "sla_met", day, ONE if met else ZERO, ONE, dims=dims)
        first_contact = reopened == 0 and replies.get(pk, 0) <= 1
        tally.add(partner, "first_contact_resolution", day, ONE if first_contact else ZERO, ONE)
        if rating is not None:
            tally.add(partner, "satisfaction", day, ONE if rating >= 4 else ZERO, ONE)

    # Open at some moment of the days: opened before their end, not gone before their start.
    open_then = tickets.filter(
        Q(opened_at__lt=end),
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=start),
        Q(closed_at__isnull=True) | Q(closed_at__gte=start),
    ).values_list("partner_id", "queue_id", "category_id", "opened_at", "resolved_at", "closed_at")
    for partner, queue, category, at, resolved_at, closed_at in open_then.iterator(chunk_size=5000):
        first = local_day(at)
        gone = [local_day(m) for m in (resolved_at, closed_at) if m is not None]
        # Counted at the end of each day from the day it was opened to the day before the
        # one it was resolved or closed on.
        until = min(gone) if gone else None
        dims = _dims(queue, category)
        for day in days:
            if day < first or (until is not None and day >= until):
                continue
            tally.add(partner, "backlog", day, ONE, dims=dims)
            tally.add(partner, "backlog_age", day, Decimal((day - first).days), ONE)
    return tally.result(days, DESK_RATIOS, DESK_COUNTS)


def _desk_replies(ticket_ids: list[int]) -> dict[int, int]:
    """How many public replies the desk wrote on each ticket."""
    found: dict[int, int] = {}
    for at in range(0, len(ticket_ids), 500):
        rows = (
            TicketComment.objects.unscoped(WHY)
            .filter(ticket_id__in=ticket_ids[at : at + 500], public=True)
            .filter(source=TicketSource.AGENT)
            .order_by()
            .values("ticket_id")
            .annotate(n=Count("id"))
        )
        found.update({row["ticket_id"]: row["n"] for row in rows})
    return found


def _moments(record: ChangeRecord, *fields: str) -> list[datetime.datetime]:
    """The values of `fields` before and after the change, as moments."""
    found = []
    for values in (record.before or {}, record.after or {}):
        for name in fields:
            value = values.get(name)
            if isinstance(value, str) and value:
                try:
                    moment = datetime.datetime.fromisoformat(value)
                except ValueError:
                    continue
                if timezone.is_naive(moment):
                    moment = moment.replace(tzinfo=datetime.UTC)
                found.append(moment)
    return found


def desk_affected_days(record: ChangeRecord) -> set[datetime.date]:
    """The days a ticket's (or a reply's) change may have moved.

    - the days it was opened, resolved or closed on, before and after the change (counts,
      SLA, first contact, satisfaction: a rating given later moves its resolution day);
    - when it was resolved, closed or reopened: every day between the day it left the backlog
      before the change and the day it leaves it after (the change's own day while open);
    - when it was made, deleted, or moved between councils, queues or categories: every day
      from its opening to the day it left the backlog (or the change's day).
    """
    change_day = local_day(record.at)
    if record.content_type.model == "ticketcomment":
        # A desk reply moves first-contact resolution on its ticket's resolution day.
        ticket_id = (record.after or record.before or {}).get("ticket")
        return _ticket_days(ticket_id) if isinstance(ticket_id, int) else set()
    before, after = record.before or {}, record.after or {}
    days = {local_day(m) for m in _moments(record, "opened_at", "resolved_at", "closed_at")}
    left_before = _left_backlog(before) or change_day
    left_after = _left_backlog(after) or change_day
    changed = set(record.changed_fields or ())
    opened = [local_day(m) for m in _moments(record, "opened_at")]
    if record.action != "update" or changed & {"opened_at", "partner", "queue", "category"}:
        first = min([*opened, left_before, left_after])
        days |= set(days_between(first, max(left_before, left_after)))
    elif changed & {"resolved_at", "closed_at", "status"}:
        first, last = sorted((left_before, left_after))
        days |= set(days_between(first, last))
    return days


def _left_backlog(values: dict[str, Any]) -> datetime.date | None:
    """The day a ticket (as `values` of a change record had it) left the backlog, if it had."""
    found = []
    for name in ("resolved_at", "closed_at"):
        value = values.get(name)
        if isinstance(value, str) and value:
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                continue
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=datetime.UTC)
            found.append(local_day(moment))
    return min(found) if found else None


def _ticket_days(ticket_id: Any) -> set[datetime.date]:
    found = (
        Ticket.objects.unscoped(WHY)
        .filter(pk=ticket_id)
        .values_list("opened_at", "resolved_at", "closed_at")
        .first()
    )
    return {local_day(m) for m in found or () if m is not None}


DESK = Source(
    "servicedesk",
    DESK_COUNTS + DESK_RATIOS,
    ("servicedesk.ticket", "servicedesk.ticketcomment"),
    measure_desk,
    desk_affected_days,
)

# Assets ------------------------------------------------------------------------------------

GONE_STATES = ("disposed", "retired")


def measure_assets(days: Sequence[datetime.date]) -> Measured:
    """Assets out of support at the end of each day, per council owning (or co-owning) them:
    in the register by then, in use or in stock (not disposed or retired), with an operating
    system whose support ended before the day (assets.services.end_of_support's rule). A
    co-owned asset counts once for each of its owners."""
    days = sorted(set(days))
    tally = Tally()
    if not days:
        return {}
    assets = (
        Asset.objects.unscoped(WHY)
        .filter(support_ends__isnull=False, support_ends__lt=days[-1])
        .exclude(state__in=GONE_STATES)
        .filter(created_at__lt=day_start(days[-1] + datetime.timedelta(days=1)))
        .values_list("pk", "support_ends", "created_at")
    )
    found = {pk: (ends, local_day(made)) for pk, ends, made in assets.iterator(chunk_size=5000)}
    owners: dict[int, list[int]] = defaultdict(list)
    kind = ContentType.objects.get_for_model(Asset)
    ids = list(found)
    for at in range(0, len(ids), 2000):
        shares = OwnerShare.objects.filter(content_type=kind, object_id__in=ids[at : at + 2000])
        for object_id, partner in shares.values_list("object_id", "partner_id"):
            owners[object_id].append(partner)
    for pk, (ends, made) in found.items():
        for day in days:
            if ends < day and made <= day:
                for partner in owners.get(pk, ()):
                    tally.add(partner, "assets_out_of_support", day, ONE)
    return tally.result(days, (), ("assets_out_of_support",))


def assets_affected_days(record: ChangeRecord) -> set[datetime.date]:
    """An asset made, deleted, disposed of, retired or given another operating system moves
    every day from the earlier of its support's end (before and after) to the change's day
    (the nightly job keeps to days already rolled up)."""
    changed = set(record.changed_fields or ())
    if record.action == "update" and not changed & {"state", "support_ends", "os_name"}:
        return set()
    ends = []
    for values in (record.before or {}, record.after or {}):
        value = values.get("support_ends")
        if isinstance(value, str) and value:
            try:
                ends.append(datetime.date.fromisoformat(value))
            except ValueError:
                continue
    change_day = local_day(record.at)
    if not ends:
        return set()
    return set(days_between(min(min(ends), change_day), change_day))


ASSETS = Source(
    "assets",
    ("assets_out_of_support",),
    ("assets.asset",),
    measure_assets,
    assets_affected_days,
)

# Licences ----------------------------------------------------------------------------------

#: A change that may move every day already rolled up (the nightly job reads it as such).
EVERY_DAY = datetime.date.min
LICENCE_COUNTS = ("licence_products_short", "licence_seats_unused", "licence_waste")
LICENCE_RATIOS = ("licence_compliance",)


def measure_licences(days: Sequence[datetime.date]) -> Measured:
    """Each council's licence position at the end of each day, from licences.services' own
    reckoning (docs/licences.md): the agreements in force that day, the seats assigned and the
    installations no seat covers (as they stand: the register keeps no history of them).

    - compliance: of the products the council is entitled to or uses, those not short;
    - products short: products using more seats than the council is entitled to;
    - unused seats: seats paid for and neither assigned nor covering an installation;
    - waste: those seats at the product's price per seat (the council's own agreements', or
      the partnership's where it has none), in pounds."""
    days = sorted(set(days))
    tally = Tally()
    if not days:
        return {}
    assigned = licence_services._assigned(None)
    installed = licence_services._installed_uncovered(None)
    for day in days:
        seats, costs = licence_services._entitlements(day, None)
        keys = set(seats) | set(assigned) | set(installed)
        per_product: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for (owner, product), n in seats.items():
            per_product[product][0] += n
            per_product[product][1] += costs.get((owner, product), ZERO)
        for partner, product in keys:
            entitled = seats.get((partner, product), 0)
            used = assigned.get((partner, product), 0) + installed.get((partner, product), 0)
            short, spare = max(used - entitled, 0), max(entitled - used, 0)
            if entitled:
                unit = costs.get((partner, product), ZERO) / entitled
            else:
                total_seats, total_cost = per_product[product]
                unit = total_cost / total_seats if total_seats else ZERO
            tally.add(partner, "licence_compliance", day, ZERO if short else ONE, ONE)
            tally.add(partner, "licence_products_short", day, ONE if short else ZERO)
            tally.add(partner, "licence_seats_unused", day, Decimal(spare))
            tally.add(partner, "licence_waste", day, (unit * spare).quantize(Decimal("0.01")))
    return tally.result(days, LICENCE_RATIOS, LICENCE_COUNTS)


def licences_affected_days(record: ChangeRecord) -> set[datetime.date]:
    """Seats and installations have no dates of their own: a change of one moves every day
    already rolled up (an agreement's own dates too)."""
    return {EVERY_DAY}


LICENCES = Source(
    "licences",
    LICENCE_RATIOS + LICENCE_COUNTS,
    ("licences.licenceagreement", "licences.licenceassignment", "licences.installation"),
    measure_licences,
    licences_affected_days,
)

# Contracts ---------------------------------------------------------------------------------

#: How far ahead a decision counts as due (contracts' decisions-due list's default horizon).
DECISION_HORIZON = datetime.timedelta(days=180)


def measure_contracts(days: Sequence[datetime.date]) -> Measured:
    """Contract decisions due at the end of each day, per council owning (or co-owning) the
    contract: live contracts (active or in notice) whose next decision (give notice, extend,
    review, replace: `Contract.decision_by`, kept by the contracts app's daily job) falls
    within 180 days of the day, or is overdue (contracts.services.decisions_due's rule)."""
    days = sorted(set(days))
    tally = Tally()
    if not days:
        return {}
    horizon = days[-1] + DECISION_HORIZON
    contracts = (
        Contract.objects.unscoped(WHY)
        .filter(status__in=contract_services.LIVE)
        .filter(decision_by__isnull=False, decision_by__lte=horizon)
        .values_list("pk", "decision_by")
    )
    found = dict(contracts)
    kind = ContentType.objects.get_for_model(Contract)
    owners: dict[int, list[int]] = defaultdict(list)
    shares = OwnerShare.objects.filter(content_type=kind, object_id__in=list(found))
    for object_id, partner in shares.values_list("object_id", "partner_id"):
        owners[object_id].append(partner)
    for pk, decision_by in found.items():
        for day in days:
            if decision_by <= day + DECISION_HORIZON:
                for partner in owners.get(pk, ()):
                    tally.add(partner, "contract_decisions_due", day, ONE)
    return tally.result(days, (), ("contract_decisions_due",))


CONTRACTS = Source(
    "contracts",
    ("contract_decisions_due",),
    ("contracts.contract",),
    measure_contracts,
    # A contract's next decision is kept as it stands today: a change moves every day.
    lambda record: {EVERY_DAY},
)

# Money ---------------------------------------------------------------------------------------

MONEY_COUNTS = ("budget", "spend_to_date", "spend_forecast", "savings_target", "savings_realised")


def _finance_reader() -> Any:
    """The reader the money's figures are measured as: the shared service's finance officer,
    who sees every council's budgets, costs, statements and savings (finance's own rules for
    what each council's figure is stay finance's: finance.budget_report,
    finance.savings_services)."""
    from django.contrib.auth import get_user_model

    from core.tenancy.choices import ServiceRole

    return get_user_model()(username="job:KPI roll-ups", service_role=ServiceRole.FINANCE)


def measure_money(days: Sequence[datetime.date]) -> Measured:
    """Each council's money at the end of each day, in pounds, for the financial year holding
    the day (finance.budget_report and finance.savings_services' reckoning):

    - budget: the council's budgets for the year;
    - spend to date: its own costs and recharged shares counted to the end of the last whole
      month (budget against actual's rule), and the forecast to the year's end from the run
      rate (nothing before a whole month has passed);
    - savings target and realised: the cashable target of every business case for the year
      (the council's split of it) and the cashable savings realised by the council that year.
    """
    from finance.budget_report import budget_report
    from finance.models import BusinessCase, FinancialYear
    from finance.savings_services import target_against_realised

    days = sorted(set(days))
    tally = Tally()
    if not days:
        return {}
    reader = _finance_reader()
    reports: dict[tuple[int, datetime.date], Any] = {}
    savings: dict[int, dict[int, list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [ZERO, ZERO])
    )
    for case in BusinessCase.objects.unscoped(WHY).order_by("pk"):
        for case_year in target_against_realised(reader, case):
            for council in case_year.councils:
                entry = savings[case_year.year.pk][council.partner.pk]
                entry[0] += council.target_cashable or ZERO
                entry[1] += council.realised_cashable
    for day in days:
        year = FinancialYear.for_date(day)
        if year is None:
            continue
        # The actuals are counted to the end of a whole month: one report per month.
        key = (year.pk, day.replace(day=1))
        if key not in reports:
            reports[key] = budget_report(reader, year, as_of=day)
        for council in reports[key].councils:
            pid = council.partner.pk
            tally.add(pid, "budget", day, council.budget)
            tally.add(pid, "spend_to_date", day, council.actual)
            if council.forecast is not None:
                tally.add(pid, "spend_forecast", day, council.forecast)
        for pid, (target, realised) in savings.get(year.pk, {}).items():
            tally.add(pid, "savings_target", day, target)
            tally.add(pid, "savings_realised", day, realised)
    return tally.result(days, (), MONEY_COUNTS)


MONEY = Source(
    "money",
    MONEY_COUNTS,
    (
        "finance.budget",
        "finance.costline",
        "finance.rechargerun",
        "finance.rechargestatement",
        "finance.rechargeadjustment",
        "finance.savingstarget",
        "finance.savingssplit",
        "finance.realisedsaving",
    ),
    measure_money,
    # A figure of the year to date: a change may move every day already rolled up.
    lambda record: {EVERY_DAY},
)

# Projects ------------------------------------------------------------------------------------

PROJECT_COUNTS = ("projects_red", "projects_amber", "projects_green")


def measure_projects(days: Sequence[datetime.date]) -> Measured:
    """Projects by their latest RAG at the end of each day, per council owning (or co-owning)
    them: projects not closed, started by the day, counted by the overall RAG of their latest
    monthly report for a month begun by then (a project with no report yet is not counted)."""
    from portfolio.models import Project, ProjectReport

    days = sorted(set(days))
    tally = Tally()
    if not days:
        return {}
    projects = dict(
        Project.objects.unscoped(WHY)
        .exclude(stage="closed")
        .filter(start_date__lte=days[-1])
        .values_list("pk", "start_date")
    )
    reports: dict[int, list[tuple[datetime.date, str]]] = defaultdict(list)
    for project_id, period, overall in (
        ProjectReport.objects.unscoped(WHY)
        .filter(project_id__in=list(projects), period__lte=days[-1])
        .order_by("project_id", "period")
        .values_list("project_id", "period", "overall")
    ):
        reports[project_id].append((period, overall))
    kind = ContentType.objects.get_for_model(Project)
    owners: dict[int, list[int]] = defaultdict(list)
    shares = OwnerShare.objects.filter(content_type=kind, object_id__in=list(projects))
    for object_id, partner in shares.values_list("object_id", "partner_id"):
        owners[object_id].append(partner)
    for pk, started in projects.items():
        for day in days:
            if started > day:
                continue
            latest = [rag for period, rag in reports.get(pk, ()) if period <= day]
            if not latest:
                continue
            for partner in owners.get(pk, ()):
                tally.add(partner, f"projects_{latest[-1]}", day, ONE)
    return tally.result(days, (), PROJECT_COUNTS)


PROJECTS = Source(
    "projects",
    PROJECT_COUNTS,
    ("portfolio.project", "portfolio.projectreport"),
    measure_projects,
    # Reports are kept as they stand: a change may move every day already rolled up.
    lambda record: {EVERY_DAY},
)

#: Every source, in the order of the catalogue's groups.
SOURCES: list[Source] = [DESK, ASSETS, LICENCES, CONTRACTS, MONEY, PROJECTS]


def sources_for(kpis: Iterable[str] | None = None) -> list[Source]:
    """The sources measuring `kpis` (every source when None)."""
    if kpis is None:
        return list(SOURCES)
    chosen = set(kpis)
    return [source for source in SOURCES if chosen & set(source.kpis)]


# Writing -----------------------------------------------------------------------------------


@dataclass
class Written:
    """What a roll-up wrote."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def __iadd__(self, other: Written) -> Written:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        return self

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
        }


BATCH = 2000


def store(measured: Measured, days: Sequence[datetime.date], kpis: Sequence[str]) -> Written:
    """Make the rows of `kpis` on `days` what `measured` says: create, change and delete only
    what differs, in bulk."""
    written = Written()
    days = sorted(set(days))
    if not days:
        return written
    rows = KpiFigure.objects.unscoped(WHY)
    existing: dict[Key, tuple[int, Decimal, Decimal | None]] = {}
    for at in range(0, len(days), 100):
        chunk = days[at : at + 100]
        found = rows.filter(day__in=chunk, kpi__in=kpis).values_list(
            "pk", "partner_id", "kpi", "dimension", "day", "numerator", "denominator"
        )
        for pk, partner, kpi, dimension, day, n, d in found.iterator(chunk_size=5000):
            existing[(partner, kpi, dimension, day)] = (pk, n, d)
    now = timezone.now()
    new, changed = [], []
    for key, (numerator, denominator) in measured.items():
        numerator = numerator.quantize(Decimal("0.01"))
        denominator = None if denominator is None else denominator.quantize(Decimal("0.01"))
        before = existing.pop(key, None)
        if before is None:
            partner, kpi, dimension, day = key
            new.append(
                KpiFigure(
                    partner_id=partner,
                    kpi=kpi,
                    dimension=dimension,
                    day=day,
                    numerator=numerator,
                    denominator=denominator,
                )
            )
        elif before[1] != numerator or before[2] != denominator:
            changed.append(
                KpiFigure(
                    pk=before[0], numerator=numerator, denominator=denominator, updated_at=now
                )
            )
        else:
            written.unchanged += 1
    gone = [pk for pk, _, _ in existing.values()]
    with transaction.atomic():
        for at in range(0, len(new), BATCH):
            rows.unlogged(WHY).bulk_create(new[at : at + BATCH])
        for at in range(0, len(changed), BATCH):
            rows.unlogged(WHY).bulk_update(
                changed[at : at + BATCH], ["numerator", "denominator", "updated_at"]
            )
        for at in range(0, len(gone), BATCH):
            rows.filter(pk__in=gone[at : at + BATCH]).unlogged(WHY).delete()
    written.created, written.updated, written.deleted = len(new), len(changed), len(gone)
    return written


def roll_up(days: Iterable[datetime.date], sources: Sequence[Source] | None = None) -> Written:
    """Measure `days` from the records and write what changed (every source, or those)."""
    days = sorted(set(days))
    written = Written()
    for source in sources if sources is not None else SOURCES:
        written += store(source.measure(days), days, source.kpis)
    return written


def rebuild(
    first: datetime.date,
    last: datetime.date,
    progress: Callable[[int, int], None] | None = None,
    step: int = 31,
) -> Written:
    """Roll up every day from `first` to `last` from the records alone, `step` days at a
    time (`progress(done, total)` after each)."""
    days = days_between(first, last)
    written = Written()
    for at in range(0, len(days), step):
        written += roll_up(days[at : at + step])
        if progress:
            progress(min(at + step, len(days)), len(days))
    return written


# The nightly roll-up ------------------------------------------------------------------------

NIGHTLY = "nightly"


def changed_days(
    since: datetime.datetime, until: datetime.datetime
) -> dict[str, set[datetime.date]]:
    """Per source, the days its records' changes logged from `since` to `until` affect."""
    found: dict[str, set[datetime.date]] = defaultdict(set)
    for source in SOURCES:
        types = [
            ContentType.objects.get_by_natural_key(*label.split(".")) for label in source.models
        ]
        records = (
            ChangeRecord.objects.unscoped(WHY)
            .filter(at__gte=since, at__lt=until, content_type__in=types)
            .select_related("content_type")
            .only("at", "action", "before", "after", "changed_fields", "content_type")
        )
        for record in records.iterator(chunk_size=2000):
            found[source.name] |= source.affected_days(record)
    return found


def nightly(today: datetime.date | None = None) -> dict[str, Any]:
    """Roll up yesterday (and any day since the last day rolled up), and every earlier day
    whose records changed since the last run; what was done."""
    now = timezone.now()
    today = today or timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    mark = RollupMark.objects.filter(name=NIGHTLY).first()
    last = KpiFigure.objects.unscoped(WHY).filter(dimension="").order_by("-day").first()
    if last is None:
        new_days = [yesterday]
    elif last.day >= yesterday:
        new_days = []  # yesterday is rolled up already: a later tick only reads the changes
    else:
        new_days = days_between(last.day + datetime.timedelta(days=1), yesterday)
    written = Written()
    again: dict[str, list[datetime.date]] = {}
    oldest = KpiFigure.objects.unscoped(WHY).filter(dimension="").order_by("day").first()
    if mark is not None and oldest is not None:
        # Only days already rolled up: history before the first is made by a rebuild.
        for source_name, changed in changed_days(mark.changes_read_until, now).items():
            if EVERY_DAY in changed:
                changed = set(days_between(oldest.day, yesterday))
            again[source_name] = sorted(
                d for d in changed if oldest.day <= d <= yesterday and d not in new_days
            )
    for source in SOURCES:
        days = sorted(set(new_days) | set(again.get(source.name, ())))
        for at in range(0, len(days), 31):
            written += roll_up(days[at : at + 31], [source])
    RollupMark.objects.update_or_create(name=NIGHTLY, defaults={"changes_read_until": now})
    return {
        "days": [d.isoformat() for d in new_days],
        "changed_days": {name: len(days) for name, days in again.items()},
        **written.as_dict(),
    }


def first_day(last: datetime.date) -> datetime.date:
    """Where a rebuild starts by default: the first day of the records (the first ticket
    opened), or a year before `last` when there are none."""
    first = Ticket.objects.unscoped(WHY).order_by("opened_at").values_list("opened_at").first()
    return min(local_day(first[0]), last) if first else last - datetime.timedelta(days=365)
