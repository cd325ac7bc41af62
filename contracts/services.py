"""The contracts app's rules: the derived dates of a contract as of a given day, its status
moves, and merging suppliers. Pages, the API, imports, jobs and the other contracts modules
all call these; nothing else works a contract's dates out.

The month-end convention (docs/contracts.md, decision 0025), applied everywhere here, is the
corresponding-date rule of English law on periods of months:

- A term of N months from a start date ends on the day before the same day of the month N
  months later: from 1 April 2024, 36 months end on 31 March 2027; from 15 May, one month
  ends on 14 June.
- Where that month has no such day (31 January + 1 month: there is no 31 February), the term
  ends on that month's last day: from 31 January 2025, one month ends on 28 February 2025;
  from 29 February 2024, twelve months end on 28 February 2025; from 30 January 2024, one
  month ends on 29 February 2024.
- Every later end (an exercised extension, a tacit renewal) is counted from the original
  start date with the months elapsed in all, never from the previous end, so a short month
  never shifts the ends after it (31 January + 1, 2, 3 months: 28 February, 30 March, 30
  April).
- Notice of M months for an end date E is due by the day before the day M months before
  the day after E (`add_months`, clamped to the month's last day where the day does not
  exist): for an end on 31 March 2027 with three months' notice, by 31 December 2026. Where
  the clamp bites this errs early, on the councils' side: the deadline is never later than
  M whole months before the end.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from contracts.choices import ContractStatus, Renewal

if TYPE_CHECKING:
    from contracts.models import Contract, ContractExtension

ONE_DAY = datetime.timedelta(days=1)
#: How many tacit renewals are looked through at most (a renewal of a month for 200 years).
MAX_RENEWALS = 2400


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` months later (earlier when negative), clamped to
    that month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def term_end(start: datetime.date, months: int) -> datetime.date:
    """The last day of a term of `months` months from `start`: the day before the same day
    `months` months later, or that month's last day when it has no such day."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return datetime.date(year, month, last)
    return datetime.date(year, month, start.day) - ONE_DAY


def deadline_for(end: datetime.date, notice_months: int) -> datetime.date:
    """The last day notice of `notice_months` months can be given to end on `end`."""
    if notice_months <= 0:
        return end
    return add_months(end + ONE_DAY, -notice_months) - ONE_DAY


def today() -> datetime.date:
    return timezone.localdate()


# The contract's terms ----------------------------------------------------------------------


@dataclass(frozen=True)
class End:
    """A date a contract can end on, the notice it needs, and what it is."""

    on: datetime.date
    notice_months: int
    #: "term" (the fixed term's end), "renewal" (a tacit renewal's end), "break".
    kind: str
    #: Whether the contract ends then anyway, without anyone giving notice.
    ends_anyway: bool

    @property
    def deadline(self) -> datetime.date:
        return deadline_for(self.on, self.notice_months)


def _extensions(contract: Contract) -> list[ContractExtension]:
    cached = getattr(contract, "_prefetched_objects_cache", {}).get("extensions")
    if cached is not None:
        return sorted(cached, key=lambda e: e.sequence)
    if contract.pk is None:
        return []
    from contracts.models import ContractExtension

    parts = ContractExtension.objects.unscoped("the parts of a contract its reader holds")
    return list(parts.filter(contract_id=contract.pk).order_by("sequence"))


def _breaks(contract: Contract) -> list[Any]:
    cached = getattr(contract, "_prefetched_objects_cache", {}).get("breaks")
    if cached is not None:
        return sorted(cached, key=lambda b: b.break_date)
    if contract.pk is None:
        return []
    from contracts.models import BreakClause

    parts = BreakClause.objects.unscoped("the parts of a contract its reader holds")
    return list(parts.filter(contract_id=contract.pk).order_by("break_date"))


def contract_parts() -> list[Prefetch]:
    """The prefetches a list of contracts needs for their dates (the extensions and breaks of
    contracts the reader already sees: a part is seen as its contract is)."""
    from contracts.models import BreakClause, ContractExtension

    why = "the parts of contracts their reader sees"
    return [
        Prefetch("extensions", queryset=ContractExtension.objects.unscoped(why)),
        Prefetch("breaks", queryset=BreakClause.objects.unscoped(why)),
    ]


def fixed_months(contract: Contract) -> int:
    """The initial term plus every exercised extension, in months."""
    return contract.initial_term_months + sum(
        e.months for e in _extensions(contract) if e.exercised
    )


def fixed_end(contract: Contract) -> datetime.date:
    """The end of the fixed term: the initial term and every exercised extension."""
    return term_end(contract.start_date, fixed_months(contract))


def _term_ends(contract: Contract) -> Iterator[End]:
    """The ends of the term, in order: the fixed term's end, then (tacit renewal) each
    renewal's end, each counted from the start date."""
    months = fixed_months(contract)
    tacit = contract.renewal == Renewal.TACIT and bool(contract.renewal_period_months)
    yield End(term_end(contract.start_date, months), contract.notice_months, "term", not tacit)
    if not tacit:
        return
    period = int(contract.renewal_period_months or 0)
    for _ in range(MAX_RENEWALS):
        months += period
        yield End(term_end(contract.start_date, months), contract.notice_months, "renewal", False)


def _complete(contract: Contract) -> bool:
    return bool(contract.start_date and contract.initial_term_months)


def notice_end(contract: Contract) -> End | None:
    """The end the notice given (`notice_given_on`) brings: the first term end or break date
    whose notice deadline it met."""
    given = contract.notice_given_on
    if given is None or not _complete(contract):
        return None
    candidates: list[End] = [
        End(b.break_date, b.notice_months, "break", False)
        for b in _breaks(contract)
        if b.break_date >= given and deadline_for(b.break_date, b.notice_months) >= given
    ]
    for end in _term_ends(contract):
        if end.ends_anyway or end.deadline >= given:
            candidates.append(end)
            break
    return min(candidates, key=lambda e: e.on) if candidates else None


def current_end_date(contract: Contract, on: datetime.date | None = None) -> datetime.date | None:
    """The end of the term running on `on`, after every exercised extension and tacit
    renewal (the end notice was given for, once given; the termination date, once ended).
    A contract that has ended answers the day it ended."""
    if not _complete(contract):
        return None
    on = on or today()
    if contract.terminated_on is not None:
        return contract.terminated_on
    given = notice_end(contract)
    if given is not None:
        return given.on
    last = None
    for end in _term_ends(contract):
        last = end.on
        if end.on >= on or end.ends_anyway:
            return end.on
    return last


def _next_end(contract: Contract, on: datetime.date) -> End | None:
    """The earliest end the councils can still bring about as of `on`: a term end (or tacit
    renewal's end) or a break date whose notice deadline has not passed; a fixed term's end,
    which needs no notice, once it is reached."""
    if not _complete(contract) or contract.terminated_on is not None:
        return None
    given = notice_end(contract)
    if given is not None:
        return given if given.on >= on else None
    candidates: list[End] = [
        End(b.break_date, b.notice_months, "break", False)
        for b in _breaks(contract)
        if deadline_for(b.break_date, b.notice_months) >= on
    ]
    for end in _term_ends(contract):
        if end.ends_anyway:
            if end.on >= on:
                candidates.append(end)
            break
        if end.deadline >= on:
            candidates.append(end)
            break
    if not candidates:
        return None
    return min(candidates, key=lambda e: e.on)


def earliest_end_date(contract: Contract, on: datetime.date | None = None) -> datetime.date | None:
    """The earliest date the councils can still bring the contract to an end as of `on`,
    given its notice period: None once it has ended (or been terminated)."""
    end = _next_end(contract, on or today())
    return end.on if end else None


def notice_deadline(contract: Contract, on: datetime.date | None = None) -> datetime.date | None:
    """The last day to give notice for the earliest end (`earliest_end_date`): None when that
    end needs no notice (a fixed term that ends anyway) or notice has been given."""
    end = _next_end(contract, on or today())
    if end is None or end.ends_anyway or contract.notice_given_on is not None:
        return None
    return end.deadline


def next_option(contract: Contract) -> ContractExtension | None:
    """The next extension option not yet exercised, if the ones before it all were."""
    for extension in _extensions(contract):
        if not extension.exercised:
            return extension
    return None


def option_deadline(contract: Contract) -> datetime.date | None:
    """The last day to exercise the next extension option: the notice deadline of the fixed
    term's end it would extend (the end itself where the contract gives no notice period)."""
    if not _complete(contract) or next_option(contract) is None:
        return None
    return deadline_for(fixed_end(contract), contract.notice_months)


def next_decision_date(contract: Contract, on: datetime.date | None = None) -> datetime.date | None:
    """The next date by which the councils must decide something: give notice, exercise an
    extension option, review it, or (for a contract that ends anyway) replace it. None for a
    contract that is over, or a draft."""
    on = on or today()
    if contract.status in (ContractStatus.DRAFT, ContractStatus.TERMINATED):
        return None
    if not _complete(contract) or contract.terminated_on is not None:
        return None
    dates: list[datetime.date] = []
    deadline = notice_deadline(contract, on)
    if deadline is not None:
        dates.append(deadline)
    option = option_deadline(contract)
    if option is not None and option >= on and contract.notice_given_on is None:
        dates.append(option)
    if contract.review_date is not None and contract.review_date >= on:
        dates.append(contract.review_date)
    end = _next_end(contract, on)
    if end is not None and (end.ends_anyway or contract.notice_given_on is not None):
        dates.append(end.on)
    return min(dates) if dates else None


@dataclass(frozen=True)
class Dates:
    """A contract's derived dates as of one day, for pages and the API."""

    on: datetime.date
    current_end_date: datetime.date | None
    earliest_end_date: datetime.date | None
    notice_deadline: datetime.date | None
    next_decision_date: datetime.date | None
    problems: tuple[str, ...]


def dates(contract: Contract, on: datetime.date | None = None) -> Dates:
    on = on or today()
    return Dates(
        on=on,
        current_end_date=current_end_date(contract, on),
        earliest_end_date=earliest_end_date(contract, on),
        notice_deadline=notice_deadline(contract, on),
        next_decision_date=next_decision_date(contract, on),
        problems=tuple(date_problems(contract)),
    )


def set_stored_dates(contract: Contract, on: datetime.date | None = None) -> None:
    """Set the contract's stored dates (`end_date`, `earliest_end`, `notice_by`,
    `decision_by`) and what its next decision is (`decision`) as of `on` (today), without
    saving. Lists read them as they are stored, so a page of them costs one query."""
    on = on or today()
    contract.end_date = current_end_date(contract, on)
    contract.earliest_end = earliest_end_date(contract, on)
    contract.notice_by = notice_deadline(contract, on)
    contract.decision_by = next_decision_date(contract, on)
    contract.decision = decision_kind(contract, on)
    contract.dates_as_of = on


STORED = ("end_date", "earliest_end", "notice_by", "decision_by", "decision", "dates_as_of")


def refresh_stored_dates(contract_id: int | None, on: datetime.date | None = None) -> None:
    """Work a contract's stored dates out again (after a change of one of its extensions or
    breaks). The dates are derived, not a change of the contract: written unlogged."""
    from contracts.models import Contract

    if contract_id is None:
        return
    rows = Contract.objects.unscoped("a contract's derived dates").filter(pk=contract_id)
    contract = rows.first()
    if contract is None:
        return
    set_stored_dates(contract, on)
    rows.unlogged("derived dates (Contract.derived_fields)").update(
        **{name: getattr(contract, name) for name in STORED}
    )


def refresh_passed_dates(on: datetime.date | None = None) -> int:
    """Work the stored dates out again for every contract one of whose stored dates has
    passed (the only ones the passing of time changes); how many. The daily job's work."""
    from contracts.models import Contract

    on = on or today()
    why = "every council's contracts' derived dates"
    passed = (
        Q(end_date__lt=on)
        | Q(earliest_end__lt=on)
        | Q(notice_by__lt=on)
        | Q(decision_by__lt=on)
        | Q(dates_as_of__isnull=True)
    )
    stale = Contract.objects.unscoped(why).filter(passed).exclude(dates_as_of=on)
    count = 0
    for contract in stale.prefetch_related(*contract_parts()).iterator(chunk_size=500):
        before = tuple(getattr(contract, name) for name in STORED[:-1])
        set_stored_dates(contract, on)
        after = tuple(getattr(contract, name) for name in STORED[:-1])
        Contract.objects.unscoped(why).filter(pk=contract.pk).unlogged(
            "derived dates (Contract.derived_fields)"
        ).update(**{name: getattr(contract, name) for name in STORED})
        count += before != after
    return count


# Extensions: exercised in order, and before the term they extend has ended -------------------


def extension_problem(extension: ContractExtension) -> str | None:
    """Why this extension, as recorded, cannot stand: exercised after the term it extends had
    ended, or before an earlier option was. None when it is sound."""
    if not extension.exercised or not extension.contract_id:
        return None
    contract = extension.contract
    if not _complete(contract):
        return None
    earlier = [
        e for e in _extensions(contract) if e.sequence < extension.sequence and e.pk != extension.pk
    ]
    if any(not e.exercised for e in earlier):
        first = min(e.sequence for e in earlier if not e.exercised)
        return (
            f"Option {extension.sequence} cannot be exercised before option {first}: "
            "options are taken up in order"
        )
    months = contract.initial_term_months + sum(e.months for e in earlier)
    ends = term_end(contract.start_date, months)
    if extension.exercised_on is not None and extension.exercised_on > ends:
        return (
            f"Option {extension.sequence} was exercised on {extension.exercised_on:%d %B %Y}, "
            f"after the term it extends ended on {ends:%d %B %Y}: an ended contract cannot be "
            "extended. Record a new contract (or correct the date)"
        )
    return None


def date_problems(contract: Contract) -> list[str]:
    """Everything about a contract's dates that cannot be right, as stored (records written
    before the rules, or past them): shown on its page and in the API, never silent."""
    problems = [p for e in _extensions(contract) if (p := extension_problem(e))]
    if contract.notice_given_on and _complete(contract) and notice_end(contract) is None:
        problems.append("The notice given meets no end date's deadline")
    return problems


# Status moves ------------------------------------------------------------------------------

STATUS_MOVES: dict[str, frozenset[str]] = {
    ContractStatus.DRAFT: frozenset({ContractStatus.ACTIVE, ContractStatus.TERMINATED}),
    ContractStatus.ACTIVE: frozenset(
        {ContractStatus.IN_NOTICE, ContractStatus.EXPIRED, ContractStatus.TERMINATED}
    ),
    ContractStatus.IN_NOTICE: frozenset({ContractStatus.EXPIRED, ContractStatus.TERMINATED}),
    ContractStatus.EXPIRED: frozenset(),
    ContractStatus.TERMINATED: frozenset(),
}


@transaction.atomic
def give_notice(contract: Contract, given_on: datetime.date) -> datetime.date:
    """Record notice to end `contract` given on `given_on`: it moves to in notice and ends on
    the first end whose deadline the notice met (returned). Refused for a contract not active,
    or notice that meets no end."""
    if contract.status != ContractStatus.ACTIVE:
        raise ValidationError(
            {
                "notice_given_on": f"Notice can be given only on an active contract, not a "
                f"{contract.get_status_display().lower()} one"
            }
        )
    if contract.start_date and given_on < contract.start_date:
        raise ValidationError({"notice_given_on": "Notice cannot be given before the start"})
    contract.notice_given_on = given_on
    end = notice_end(contract)
    if end is None:
        raise ValidationError({"notice_given_on": "This notice meets no end date's deadline"})
    contract.status = ContractStatus.IN_NOTICE
    contract.save()
    return end.on


@transaction.atomic
def terminate(contract: Contract, terminated_on: datetime.date) -> None:
    """End `contract` on `terminated_on` (by agreement, or for breach)."""
    if contract.status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED):
        raise ValidationError({"terminated_on": "This contract has already ended"})
    if contract.start_date and terminated_on < contract.start_date:
        raise ValidationError(
            {"terminated_on": "The termination date must be on or after the start date"}
        )
    contract.terminated_on = terminated_on
    contract.status = ContractStatus.TERMINATED
    contract.save()


def status_on(contract: Contract, on: datetime.date | None = None) -> str:
    """The status a contract should have on `on`: an active or in-notice contract whose end
    has passed has expired; one terminated before `on` is terminated."""
    on = on or today()
    if contract.status in (ContractStatus.ACTIVE, ContractStatus.IN_NOTICE):
        if contract.terminated_on is not None and contract.terminated_on < on:
            return ContractStatus.TERMINATED
        end = current_end_date(contract, on)
        if end is not None and end < on:
            return ContractStatus.EXPIRED
    return str(contract.status)


def refresh_statuses(on: datetime.date | None = None) -> int:
    """Move every active or in-notice contract whose end has passed to expired (or
    terminated): the periodic job's work, each move a logged save. Returns how many moved."""
    from contracts.models import Contract
    from core.tenancy.scoping import system_scope

    on = on or today()
    moved = 0
    with system_scope("contract statuses"):
        live = Contract.objects.filter(
            status__in=[ContractStatus.ACTIVE, ContractStatus.IN_NOTICE], start_date__lt=on
        ).prefetch_related(*contract_parts())
        for contract in live.iterator(chunk_size=500):
            status = status_on(contract, on)
            if status != contract.status:
                with transaction.atomic():
                    contract.status = status
                    contract.save(update_fields=["status"])
                moved += 1
    return moved


# Suppliers ---------------------------------------------------------------------------------


def supplier_references(supplier: Any) -> list[tuple[Any, str]]:
    """Every (model, field name) of any app that refers to a supplier by a foreign key or a
    many-to-many, found through the model's related objects (so the models of apps written
    after this one are found too)."""
    found = []
    for relation in type(supplier)._meta.related_objects:
        found.append((relation.related_model, relation.field.name))
    return found


@transaction.atomic
def merge_suppliers(keep: Any, gone: Any) -> dict[str, int]:
    """Move every reference to `gone` onto `keep`, then delete `gone`: one supplier where two
    were recorded. Each moved record is saved one by one, so the change log shows every move
    and the deletion. Returns how many records of each kind moved. Refused (ValidationError)
    for a supplier merged into itself, or where a move would break a rule of the record
    moved (two lot places for one supplier), naming the kind of record."""
    from django.db import IntegrityError, models

    from contracts.models import Supplier

    if keep.pk == gone.pk:
        raise ValidationError({"into": "Choose another supplier to merge into"})
    why = "merging two suppliers moves every record that names the one merged away"
    suppliers = Supplier.objects.unscoped(why).select_for_update()
    keep = suppliers.get(pk=keep.pk)
    gone = suppliers.get(pk=gone.pk)
    moved: dict[str, int] = {}
    for relation in Supplier._meta.related_objects:
        model: Any = relation.related_model
        field = relation.field
        label = str(model._meta.verbose_name_plural)
        manager = (
            model._default_manager.unscoped(why)
            if hasattr(model._default_manager, "unscoped")
            else model._default_manager
        )
        try:
            with transaction.atomic():
                if isinstance(field, models.ManyToManyField):
                    for record in manager.filter(**{field.name: gone}):
                        related = getattr(record, field.name)
                        related.add(keep)
                        related.remove(gone)
                        moved[label] = moved.get(label, 0) + 1
                    continue
                for record in manager.filter(**{field.name: gone}).order_by("pk"):
                    setattr(record, field.name, keep)
                    if hasattr(record, "validate_constraints"):
                        record.validate_constraints()
                    record.save()
                    moved[label] = moved.get(label, 0) + 1
        except (IntegrityError, ValidationError) as exc:
            detail = " ".join(getattr(exc, "messages", [])) or "a rule of theirs refuses it"
            raise ValidationError(
                {
                    "into": f"{gone} cannot be merged into {keep}: moving their {label} "
                    f"breaks a rule ({detail}). Change those records first"
                }
            ) from exc
    gone.delete()
    return moved


# Decisions due -----------------------------------------------------------------------------

LIVE = (ContractStatus.ACTIVE, ContractStatus.IN_NOTICE)


def decisions_due(user: Any, on: datetime.date | None = None, within_days: int = 180) -> Any:
    """The contracts `user` sees whose next decision falls within `within_days` of `on`
    (today), or is overdue, soonest first: a query on the stored dates."""
    from contracts.models import Contract

    on = on or today()
    horizon = on + datetime.timedelta(days=within_days)
    # "Not one of the other statuses" rather than "one of the live ones": the same rows, but a
    # planner offered `status IN (...)` walks the status index and sorts every live contract
    # (SQLite: 670 ms at 50,000); with the exclusion it walks `contract_decision_by` in order
    # and stops after a page (0.3 ms). benches/bench_contracts.py.
    not_live = [status for status in ContractStatus.values if status not in LIVE]
    return (
        Contract.objects.visible_to(user)
        .exclude(status__in=not_live)
        .filter(decision_by__isnull=False, decision_by__lte=horizon)
        .select_related("supplier", "owner")
        .order_by("decision_by", "id")
    )


def decision_of(contract: Contract, on: datetime.date | None = None) -> str:
    """What the contract's next decision is: as stored with its dates, or worked out for a
    contract whose stored dates predate the stored decision (until the daily job's next run)."""
    if contract.decision or contract.decision_by is None:
        return contract.decision
    return decision_kind(contract, on)


def decision_kind(contract: Contract, on: datetime.date | None = None) -> str:
    """What the next decision is about, in words."""
    on = on or today()
    decision = next_decision_date(contract, on)
    if decision is None:
        return ""
    if contract.notice_given_on is None and decision == notice_deadline(contract, on):
        return "Last day to give notice"
    if contract.notice_given_on is None and decision == option_deadline(contract):
        option = next_option(contract)
        return f"Last day to exercise option {option.sequence}" if option else "Option"
    if decision == contract.review_date:
        return "Review"
    return "Ends: replace or re-procure"


# The calendar feed -------------------------------------------------------------------------

#: How far ahead (in days) the feed lists dates, and how far back.
FEED_AHEAD_DAYS = 3 * 366
FEED_BEHIND_DAYS = 30


def calendar_feed(person: Any, on: datetime.date | None = None) -> bytes:
    """The dates of the contracts `person` sees as iCalendar: each live contract's notice
    deadline, next decision and current end, as all-day events, from 30 days back to three
    years ahead."""
    from django.conf import settings
    from icalendar import Calendar, Event

    from contracts.models import Contract

    on = on or today()
    since = on - datetime.timedelta(days=FEED_BEHIND_DAYS)
    until = on + datetime.timedelta(days=FEED_AHEAD_DAYS)
    window = (
        Q(notice_by__range=(since, until))
        | Q(decision_by__range=(since, until))
        | Q(end_date__range=(since, until))
    )
    contracts = (
        Contract.objects.visible_to(person)
        .filter(window, status__in=LIVE)
        .select_related("supplier")
        .order_by("decision_by", "id")[:2000]
    )
    feed = Calendar()
    feed.add("prodid", "-//Concord//Contract dates//EN")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", "Contract dates")
    stamp = timezone.now()
    base = str(getattr(settings, "CONCORD_BASE_URL", "") or "")
    for contract in contracts:
        dates_of = {
            "notice": (contract.notice_by, "Last day to give notice"),
            "decision": (contract.decision_by, "Decision due"),
            "end": (contract.end_date, "Ends"),
        }
        shown: set[datetime.date] = set()
        for key, (day, words) in dates_of.items():
            if day is None or not since <= day <= until or (key == "decision" and day in shown):
                continue
            shown.add(day)
            event = Event()
            event.add("uid", f"contract-{contract.pk}-{key}@concord")
            event.add("dtstamp", stamp)
            event.add("last-modified", contract.updated_at)
            event.add("dtstart", day)
            event.add("dtend", day + ONE_DAY)
            event.add("summary", f"{words}: {contract.reference} {contract.title}")
            event.add(
                "description",
                f"Supplier: {contract.supplier.name}\nStatus: {contract.get_status_display()}",
            )
            event.add("url", f"{base}{contract.get_absolute_url()}")
            feed.add_component(event)
    return bytes(feed.to_ical())


# Exit plans: the transition view ----------------------------------------------------------


@dataclass
class Transition:
    """A contract ending soon and how its exit plan stands."""

    contract: Any
    plan: Any
    milestones: int = 0
    done: int = 0
    red: int = 0
    amber: int = 0
    overdue: int = 0
    next_due: datetime.date | None = None

    @property
    def state(self) -> str:
        """No plan; red (a milestone red or overdue); amber; green; or done."""
        if self.plan is None:
            return "No plan"
        if self.milestones and self.done == self.milestones:
            return "Done"
        if self.red or self.overdue:
            return "Red"
        if self.amber:
            return "Amber"
        return "Green"


def transition(user: Any, on: datetime.date | None = None, months: int = 24) -> list[Transition]:
    """Every live contract `user` sees ending within `months` months of `on`, soonest first,
    with the state of its exit plan (the milestones `user` sees)."""
    from django.db.models import Count, Min

    from contracts.models import Contract, ExitMilestone, ExitPlan

    on = on or today()
    until = add_months(on, months)
    contracts = list(
        Contract.objects.visible_to(user)
        .filter(status__in=LIVE, end_date__range=(on, until))
        .select_related("supplier")
        .order_by("end_date", "id")[:2000]
    )
    ids = [c.pk for c in contracts]
    plans = {
        p.contract_id: p
        for p in ExitPlan.objects.visible_to(user)
        .filter(contract_id__in=ids)
        .select_related("owner")
    }
    open_ = Q(done_on__isnull=True)
    counts = {
        row["plan_id"]: row
        for row in ExitMilestone.objects.visible_to(user)
        .filter(plan_id__in=[p.pk for p in plans.values()])
        .values("plan_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=~open_),
            red=Count("pk", filter=open_ & Q(rag="red")),
            amber=Count("pk", filter=open_ & Q(rag="amber")),
            overdue=Count("pk", filter=open_ & Q(due_date__lt=on)),
            next_due=Min("due_date", filter=open_),
        )
        .order_by("plan_id")
    }
    rows = []
    for contract in contracts:
        plan = plans.get(contract.pk)
        row = Transition(contract, plan)
        found = counts.get(plan.pk) if plan else None
        if found:
            row.milestones, row.done = found["total"], found["done"]
            row.red, row.amber, row.overdue = found["red"], found["amber"], found["overdue"]
            row.next_due = found["next_due"]
        rows.append(row)
    return rows


# Supplier performance ----------------------------------------------------------------------


@dataclass
class KpiLine:
    kpi: Any
    latest: Any
    green: int = 0
    amber: int = 0
    red: int = 0


@dataclass
class ContractCard:
    contract: Any
    kpis: list[KpiLine]
    credits: Decimal


@dataclass
class Scorecard:
    """A supplier's performance across the contracts a person sees."""

    contracts: list[ContractCard]
    since: datetime.date

    @property
    def green(self) -> int:
        return sum(k.green for c in self.contracts for k in c.kpis)

    @property
    def amber(self) -> int:
        return sum(k.amber for c in self.contracts for k in c.kpis)

    @property
    def red(self) -> int:
        return sum(k.red for c in self.contracts for k in c.kpis)

    @property
    def credits(self) -> Decimal:
        return sum((c.credits for c in self.contracts), Decimal("0"))


def scorecard(user: Any, supplier: Any, on: datetime.date | None = None) -> Scorecard:
    """`supplier`'s KPIs and service credits on the contracts `user` sees (their own
    council's, or every council's for the shared service) over the twelve months to `on`:
    each KPI's latest measure and its count of green, amber and red months."""
    from django.db.models import Sum

    from contracts.models import Contract, Kpi, KpiMeasure, ServiceCredit

    on = on or today()
    since = add_months(on.replace(day=1), -11)
    contracts = list(
        Contract.objects.visible_to(user).filter(supplier=supplier).order_by("reference", "id")
    )
    ids = [c.pk for c in contracts]
    kpis = list(Kpi.objects.visible_to(user).filter(contract_id__in=ids).order_by("name", "id"))
    measures: dict[int, list[Any]] = {}
    for measure in (
        KpiMeasure.objects.visible_to(user)
        .filter(kpi_id__in=[k.pk for k in kpis], month__gte=since, month__lte=on)
        .order_by("kpi_id", "-month")
    ):
        measures.setdefault(measure.kpi_id, []).append(measure)
    credits = {
        row["contract_id"]: row["total"]
        for row in ServiceCredit.objects.visible_to(user)
        .filter(contract_id__in=ids, month__gte=since, month__lte=on)
        .values("contract_id")
        .annotate(total=Sum("amount"))
        .order_by("contract_id")
    }
    cards = []
    for contract in contracts:
        lines = []
        for kpi in (k for k in kpis if k.contract_id == contract.pk):
            found = measures.get(kpi.pk, [])
            lines.append(
                KpiLine(
                    kpi,
                    found[0] if found else None,
                    green=sum(m.rag == "green" for m in found),
                    amber=sum(m.rag == "amber" for m in found),
                    red=sum(m.rag == "red" for m in found),
                )
            )
        cards.append(ContractCard(contract, lines, credits.get(contract.pk) or Decimal("0")))
    return Scorecard(cards, since)


# Frameworks, call-offs and purchasing ------------------------------------------------------------
# The rules live in contracts.procurement_services (its own file keeps the merge clean); they
# are re-exported here so that callers find every contracts rule in one module.
from contracts.procurement_services import (  # noqa: E402,F401
    approval_threshold,
    call_off_problems,
    committed_on,
    cost_split,
    decide_call_off,
    decide_request,
    framework_end_date,
    raise_order,
    receive,
    spend,
    split_by_quantity,
    submit_request,
    take_headroom,
)
