"""Recharge runs (docs/finance.md, "Recharge runs and statements"; decisions/0032).

- `compute(start, end)` works a period's recharge out, writing nothing: the councils in the
  partnership in the period and their days in it; each rule's weight per council (fixed
  percentage, driver figure or weighted mix; fixed percentages and headcount pro-rated by days
  in the partnership, the measured drivers counting only what happened in the period); every
  cost of the period (a cost of a period spread over it by days, `arithmetic.spread`) split to
  the penny by `arithmetic.Splitter`, streamed with ``.iterator(chunk_size=...)`` and summed
  straight into groups (category, spend type, rule, ledger code) per council; the adjustments
  the run carries; a SHA-256 digest of every input.
- `run_for(start, end)` makes or re-makes the draft run of the period from `compute`.
- `approve(run, by)` locks it, after checking its inputs still give the digest it was made
  with (a change since needs a re-run first). The costs of an approved period are then locked
  (`finance.services.period_is_locked`).
- `cost_shares(statement, after, limit)`: one council's share of each cost of a run, a page at
  a time, recomputed from the run's frozen weights by the same arithmetic.

Every query here is the service's own (`unscoped` with its reason): a run reads every council's
costs and figures; who sees the result is each statement's own rule.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from operator import add
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, CharField, Exists, F, OuterRef, Q
from django.db.models.functions import Cast, Round
from django.utils import timezone

from core.tenancy.choices import ServiceRole
from core.tenancy.models import Partner
from core.tenancy.records import AudienceCouncil
from finance.arithmetic import (
    SplitError,
    Splitter,
    days,
    from_pennies,
    mix,
    overlap_days,
    pennies,
    pro_rata_weight,
    spread,
)
from finance.choices import ApportionmentMethod, Driver
from finance.drivers import figures
from finance.models import (
    ApportionmentRule,
    CostCentre,
    CostLine,
    LedgerCode,
    RechargeAdjustment,
    RechargeDriver,
    RechargeLine,
    RechargeRun,
    RechargeStatement,
    RechargeWeight,
    RuleComponent,
    RuleShare,
    RunStatus,
)
from finance.models.recharges import WEIGHT_DIGITS

#: Cost lines fetched from the database at a time.
CHUNK = 5000
#: Drivers that are a stock (people served) rather than activity in the period: pro-rated by a
#: council's days in the partnership, as fixed percentages are.
PRO_RATED_DRIVERS = frozenset({Driver.HEADCOUNT})
WEIGHT_PLACES = Decimal(1).scaleb(-WEIGHT_DIGITS["decimal_places"])

REASON = "a recharge run reads every council's costs and figures"


def _q(model: Any) -> Any:
    return model.objects.unscoped(REASON)


# Periods ------------------------------------------------------------------------------------


def month_end(first: datetime.date) -> datetime.date:
    """The last day of the month of `first`."""
    return (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )


def period_problem(start: datetime.date, end: datetime.date) -> str:
    """Why `start`..`end` is not a month or a quarter (three months from the first of one),
    or ""."""
    if start.day != 1:
        return "A run starts on the first day of a month"
    month = start
    for _ in range(3):
        if end == month_end(month):
            return ""
        month = month_end(month) + datetime.timedelta(days=1)
    return "A run is for a month or a quarter: end it on the last day of its first or third month"


# Inputs -------------------------------------------------------------------------------------


def member_days(start: datetime.date, end: datetime.date) -> dict[int, int]:
    """Each council in the partnership on any day of `start`..`end`, with its days in it (a
    council is a member from the day it joined until the day before it left)."""
    result = {}
    rows = (
        _q(Partner)
        .filter(joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=start))
    )
    for pk, joined, left in rows.values_list("pk", "joined_on", "left_on").order_by("pk"):
        last = left - datetime.timedelta(days=1) if left else end
        count = overlap_days(joined, last, start, end)
        if count:
            result[pk] = count
    return result


def driver_figures(
    driver: str, partners: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, Decimal]:
    """Each council's figure for `driver` over `start`..`end` (`finance.drivers.figures`:
    the figures whose periods lie within it, an entered figure winning over a measured one;
    a flow added up, a level the latest)."""
    return figures(driver, list(partners), start, end)


def _exact(value: Fraction) -> Decimal:
    """A weight as the run keeps it (12 decimal places)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(WEIGHT_PLACES)


@dataclass
class RuleWeights:
    """One rule's weight per council in a run, and the driver figures read for it."""

    rule: ApportionmentRule
    weights: dict[int, Decimal]
    problem: str = ""


def rule_weights(
    rule: ApportionmentRule,
    members: dict[int, int],
    period_days: int,
    figures: dict[str, dict[int, Decimal]],
) -> RuleWeights:
    """`rule`'s weight per council in the partnership (`members`: days in the period),
    from its shares or drivers (`figures`: driver -> council -> figure)."""
    try:
        if rule.method == ApportionmentMethod.FIXED:
            shares = dict(_q(RuleShare).filter(rule=rule).values_list("partner_id", "percent"))
            total = sum(shares.values(), Decimal(0))
            if total != 100:
                return RuleWeights(
                    rule, {}, f"{rule.name}: the shares add up to {total}%, not 100%"
                )
            raw = {
                pk: pro_rata_weight(shares.get(pk, Decimal(0)), count, period_days)
                for pk, count in members.items()
            }
        else:
            components = dict(_q(RuleComponent).filter(rule=rule).values_list("driver", "weight"))
            if not components:
                return RuleWeights(rule, {}, f"{rule.name}: the rule has no drivers")
            by_driver = {}
            for driver in components:
                values = figures[driver]
                by_driver[driver] = {
                    pk: (
                        pro_rata_weight(values.get(pk, Decimal(0)), count, period_days)
                        if driver in PRO_RATED_DRIVERS
                        else Fraction(values.get(pk, Decimal(0)))
                    )
                    for pk, count in members.items()
                }
            raw = mix(by_driver, components)
    except SplitError as error:
        return RuleWeights(rule, {}, f"{rule.name}: {error}")
    weights = {pk: _exact(value) for pk, value in raw.items()}
    if not any(weights.values()):
        return RuleWeights(rule, {}, f"{rule.name}: every council's weight is zero")
    return RuleWeights(rule, weights)


class RuleBook:
    """The rule in force for each category on a day, and each rule's weights, read once."""

    def __init__(self, start: datetime.date, end: datetime.date, members: dict[int, int]) -> None:
        self.start, self.end, self.members = start, end, members
        self.period_days = days(start, end)
        # Each category's rules with their dates as ISO text, which sorts as the dates do.
        self.by_category: dict[str, list[tuple[str, str | None, int]]] = defaultdict(list)
        self.rules = {rule.pk: rule for rule in _q(ApportionmentRule).order_by("pk")}
        for rule in self.rules.values():
            if rule.category:
                self.by_category[rule.category].append(
                    (
                        rule.valid_from.isoformat(),
                        rule.valid_to.isoformat() if rule.valid_to else None,
                        rule.pk,
                    )
                )
        self.figures: dict[str, dict[int, Decimal]] = {}
        self.weights: dict[int, RuleWeights] = {}
        self._chosen: dict[tuple[str, str], int | None] = {}

    def rule_of(self, rule_id: int | None, category: str, on: datetime.date | str) -> int | None:
        """A cost's own rule, else its category's rule in force on `on` (a date, or one as
        ISO text)."""
        if rule_id:
            return rule_id
        if isinstance(on, datetime.date):
            on = on.isoformat()
        key = (category, on)
        if key not in self._chosen:
            self._chosen[key] = next(
                (
                    pk
                    for first, last, pk in self.by_category.get(category, ())
                    if first <= on and (last is None or on <= last)
                ),
                None,
            )
        return self._chosen[key]

    def weights_of(self, rule_id: int) -> RuleWeights:
        if rule_id not in self.weights:
            rule = self.rules[rule_id]
            drivers = set(_q(RuleComponent).filter(rule=rule).values_list("driver", flat=True))
            for driver in drivers - set(self.figures):
                self.figures[driver] = driver_figures(driver, self.members, self.start, self.end)
            self.weights[rule_id] = rule_weights(rule, self.members, self.period_days, self.figures)
        return self.weights[rule_id]


def cost_lines(start: datetime.date, end: datetime.date) -> Any:
    """The cost lines of `start`..`end`: dated in it, or of a period that overlaps it."""
    return _q(CostLine).filter(
        Q(period_start__isnull=True, incurred_on__gte=start, incurred_on__lte=end)
        | Q(period_start__isnull=False, period_start__lte=end, period_end__gte=start)
    )


COST_COLUMNS = (
    "pk",
    "amount",
    "incurred_on",
    "period_start",
    "period_end",
    "category",
    "spend_type",
    "is_shared",
    "for_all_councils",
    "rule_id",
    "cost_centre_id",
)


def stream_costs(
    start: datetime.date,
    end: datetime.date,
    after: int = 0,
    limit: int | None = None,
    extra: Q | None = None,
    fast: bool = False,
) -> Iterator[tuple[tuple[Any, ...], tuple[int, ...]]]:
    """Each cost of the period in id order with the councils it names (empty for one for
    every council), streamed: the costs and their councils are read side by side, in chunks,
    never all held."""
    costs = cost_lines(start, end).filter(pk__gt=after)
    if extra is not None:
        costs = costs.filter(extra)
    costs = costs.order_by("pk")
    if limit is not None:
        costs = costs[:limit]
        ids = list(costs.values_list("pk", flat=True))
        named = AudienceCouncil.objects.filter(
            content_type=ContentType.objects.get_for_model(CostLine), object_id__in=ids
        )
    else:
        named = AudienceCouncil.objects.filter(
            content_type=ContentType.objects.get_for_model(CostLine),
            object_id__in=costs.filter(for_all_councils=False).values("pk"),
        )
    rows = named.order_by("object_id", "partner_id").values_list("object_id", "partner_id")
    audience = iter(rows.iterator(chunk_size=CHUNK))
    pending = next(audience, None)
    if fast:
        # The amount in pennies and the dates as ISO text, worked out by the database: no
        # Decimal or date made per row (a run reads a million). A stored amount has two
        # decimal places, so ROUND(amount * 100) is its pennies exactly (below 2**53).
        costs = costs.annotate(
            pennies=Cast(Round(F("amount") * 100), BigIntegerField()),
            incurred_text=Cast("incurred_on", CharField()),
            first_text=Cast("period_start", CharField()),
            last_text=Cast("period_end", CharField()),
        )
        columns = ("pk", "pennies", "incurred_text", "first_text", "last_text", *COST_COLUMNS[5:])
    else:
        columns = COST_COLUMNS
    for row in costs.values_list(*columns).iterator(chunk_size=CHUNK):
        pk = row[0]
        councils = []
        while pending is not None and pending[0] <= pk:
            if pending[0] == pk:
                councils.append(pending[1])
            pending = next(audience, None)
        yield row, tuple(councils)


def part_in(row: tuple[Any, ...], start: datetime.date, end: datetime.date) -> Decimal:
    """The part of a cost (a row of COST_COLUMNS) that falls in `start`..`end`."""
    amount, first, last = row[1], row[3], row[4]
    if first is None:
        return amount
    return spread(amount, first, last, start, end)


# The computation ----------------------------------------------------------------------------


@dataclass
class Group:
    """The costs of one group, and each council's share of them, in pennies."""

    cost_total: int = 0
    cost_count: int = 0
    shares: dict[int, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Computed:
    """What a run of a period comes to, before it is written."""

    start: datetime.date
    end: datetime.date
    members: dict[int, int]
    book: RuleBook
    groups: dict[tuple[str, str, int | None, int | None], Group]
    adjustments: dict[int, list[RechargeAdjustment]]
    problems: list[str]
    digest: str
    cost_count: int
    cost_total: int

    def statement_totals(self) -> dict[int, int]:
        """Each council's total in pennies (shares of costs, plus adjustments carried)."""
        totals: dict[int, int] = defaultdict(int)
        for group in self.groups.values():
            for pk, share in group.shares.items():
                totals[pk] += share
        for pk, rows in self.adjustments.items():
            totals[pk] += sum(pennies(row.amount) for row in rows)
        return dict(totals)


def _carried(start: datetime.date, run: RechargeRun | None) -> dict[int, list[RechargeAdjustment]]:
    """Adjustments not yet carried (or carried by this draft run) of runs before `start`."""
    rows = _q(RechargeAdjustment).filter(corrects_run__period_end__lt=start)
    rows = rows.filter(
        Q(applied_in__isnull=True) | Q(applied_in=run) if run else Q(applied_in__isnull=True)
    )
    carried: dict[int, list[RechargeAdjustment]] = defaultdict(list)
    for row in rows.order_by("pk"):
        carried[row.partner_id].append(row)
    return dict(carried)


def compute(
    start: datetime.date,
    end: datetime.date,
    run: RechargeRun | None = None,
    book: RuleBook | None = None,
) -> Computed:
    """The recharge of `start`..`end` (see the module's docstring), writing nothing. `book`
    replaces the councils' days and weights (the "what if" page's partnership); its costs
    borne by a council outside it are then left out."""
    if end < start:
        raise ValidationError({"period_end": "The last day must be on or after the first day"})
    if end.year > 9000 or start.year < 1900:
        raise ValidationError({"period_start": "Choose a period between the years 1900 and 9000"})
    supposed = book is not None
    book = book or RuleBook(start, end, member_days(start, end))
    members = book.members
    digest = hashlib.sha256()
    digest.update(f"period {start} {end}\n".encode())
    for pk, count in sorted(members.items()):
        digest.update(f"member {pk} {count}\n".encode())
    splitters: dict[tuple[int, tuple[int, ...]], Splitter[int] | None] = {}
    groups: dict[tuple[str, str, int | None, int | None], Group] = {}
    problems: dict[str, int] = defaultdict(int)
    # Each group's shares under one splitter, summed as lists in the splitter's key order
    # (one C-level map per cost rather than a dictionary update per council).
    sums: dict[tuple[str, str, int, tuple[int, tuple[int, ...]]], list[int]] = {}
    facts: list[str] = []
    count = total = 0
    for row, named in stream_costs(start, end, fast=True):
        pk, part, incurred, first, last, category, spend, shared, for_all, rule_id, centre = row
        if first is not None:
            part = pennies(
                spread(
                    from_pennies(part),
                    datetime.date.fromisoformat(first),
                    datetime.date.fromisoformat(last),
                    start,
                    end,
                )
            )
        if part == 0:
            continue
        facts.append(
            f"{pk} {part} {category} {spend} {shared:d} {for_all:d} {rule_id} {centre} {named}\n"
        )
        if len(facts) >= CHUNK:
            digest.update("".join(facts).encode())
            facts.clear()
        if not shared:
            if supposed and named and named[0] not in members:
                continue
            if len(named) != 1:
                problems["A cost one council bears names no single council"] += 1
                continue
            group_key: tuple[str, str, int | None, int | None] = (category, spend, None, centre)
            group = groups.get(group_key)
            if group is None:
                group = groups[group_key] = Group()
            group.shares[named[0]] += part
        else:
            chosen = book.rule_of(rule_id, category, incurred)
            if chosen is None:
                problems[f"No apportionment rule for {category} costs on some dates"] += 1
                continue
            key = (chosen, () if for_all else named)
            if key not in splitters:
                weighed = book.weights_of(chosen)
                weights = weighed.weights
                if not for_all:
                    weights = {pk: weights.get(pk, Decimal(0)) for pk in named}
                try:
                    splitters[key] = Splitter(weights) if not weighed.problem else None
                except SplitError:
                    splitters[key] = None
            splitter = splitters[key]
            if splitter is None:
                problem = book.weights_of(chosen).problem or (
                    f"{book.rules[chosen].name}: no council the cost is for has a weight"
                )
                problems[problem] += 1
                continue
            group_key = (category, spend, chosen, None)
            group = groups.get(group_key)
            if group is None:
                group = groups[group_key] = Group()
            sum_key = (category, spend, chosen, key)
            summed = sums.get(sum_key)
            if summed is None:
                summed = sums[sum_key] = [0] * len(splitter.keys)
            summed[:] = map(add, summed, splitter.split_pennies(part))
        group.cost_total += part
        group.cost_count += 1
        count += 1
        total += part
    digest.update("".join(facts).encode())
    for (category, spend, chosen, key), summed in sums.items():
        shares = groups[(category, spend, chosen, None)].shares
        used = splitters[key]
        assert used is not None
        for council, share in zip(used.keys, summed, strict=True):
            if share:
                shares[council] += share
    for rule_id in sorted(book.weights):
        for pk, weight in sorted(book.weights[rule_id].weights.items()):
            digest.update(f"weight {rule_id} {pk} {weight}\n".encode())
    adjustments = _carried(start, run)
    for pk, rows in sorted(adjustments.items()):
        for adjustment in rows:
            digest.update(f"adjustment {adjustment.pk} {pk} {adjustment.amount}\n".encode())
    messages = [
        f"{text} ({n} {'cost' if n == 1 else 'costs'})" for text, n in sorted(problems.items())
    ]
    return Computed(
        start=start,
        end=end,
        members=members,
        book=book,
        groups=groups,
        adjustments=adjustments,
        problems=messages,
        digest=digest.hexdigest(),
        cost_count=count,
        cost_total=total,
    )


# Writing and approving ----------------------------------------------------------------------


def _ledger_codes() -> dict[tuple[int, str, str], tuple[str, str]]:
    rows = _q(LedgerCode).values_list(
        "partner_id", "category", "spend_type", "cost_centre__code", "account_code"
    )
    return {(p, c, s): (centre, account) for p, c, s, centre, account in rows}


@transaction.atomic
def run_for(
    start: datetime.date, end: datetime.date, computed: Computed | None = None
) -> RechargeRun:
    """Make the draft run of `start`..`end`, or make the draft again from today's costs,
    rules and figures; an approved run is refused (corrections go into a later run as
    adjustments)."""
    run = _q(RechargeRun).select_for_update().filter(period_start=start, period_end=end).first()
    if run is not None and run.is_approved:
        raise ValidationError(
            f"The recharge run for {run.period_label()} is approved and locked: put corrections "
            "in a later period as adjustments"
        )
    clash = _q(RechargeRun).filter(period_start__lte=end, period_end__gte=start)
    if run is not None:
        clash = clash.exclude(pk=run.pk)
    if clash.exists():
        raise ValidationError({"period_start": "Another recharge run covers some of these days"})
    if run is None:
        run = RechargeRun(period_start=start, period_end=end)
        run.full_clean()
        run.save()
    computed = computed or compute(start, end, run)
    _q(RechargeStatement).filter(run=run).delete()
    _q(RechargeWeight).filter(run=run).delete()
    _q(RechargeDriver).filter(run=run).delete()
    codes = _ledger_codes()
    centres = dict(_q(CostCentre).values_list("pk", "code"))
    totals = computed.statement_totals()
    statements = {}
    for pk in sorted(set(totals) | set(computed.members)):
        carried = sum((a.amount for a in computed.adjustments.get(pk, ())), Decimal("0"))
        statement = RechargeStatement(
            run=run, partner_id=pk, total=from_pennies(totals.get(pk, 0)), adjustments=carried
        )
        statement.save()
        statements[pk] = statement
    for (category, spend, rule_id, centre), group in sorted(
        computed.groups.items(), key=lambda item: tuple(str(part) for part in item[0])
    ):
        for pk, share in sorted(group.shares.items()):
            if rule_id is None:
                centre_code, account = centres.get(centre, ""), ""
                code = codes.get((pk, category, spend))
                if code and not centre_code:
                    centre_code = code[0]
                if code:
                    account = code[1]
            else:
                centre_code, account = codes.get((pk, category, spend), ("", ""))
            RechargeLine(
                statement=statements[pk],
                category=category,
                spend_type=spend,
                rule_id=rule_id,
                shared=rule_id is not None,
                cost_centre=centre_code,
                account_code=account,
                cost_total=from_pennies(group.cost_total),
                amount=from_pennies(share),
                cost_count=group.cost_count,
            ).save()
    for rule_id, weighed in sorted(computed.book.weights.items()):
        for pk, weight in sorted(weighed.weights.items()):
            RechargeWeight(run=run, rule_id=rule_id, partner_id=pk, weight=weight).save()
    for driver, values in sorted(computed.book.figures.items()):
        for pk, count in sorted(computed.members.items()):
            RechargeDriver(
                run=run,
                partner_id=pk,
                driver=driver,
                value=values.get(pk, Decimal("0")),
                member_days=count,
            ).save()
    for rows in computed.adjustments.values():
        for adjustment in rows:
            if adjustment.applied_in_id != run.pk:
                adjustment.applied_in = run
                adjustment.save()
    run.inputs_digest = computed.digest
    run.total = from_pennies(sum(totals.values()))
    run.cost_count = computed.cost_count
    run.problems = "\n".join(computed.problems)
    run.save()
    return run


def may_run(user: Any) -> bool:
    """Whether `user` makes and approves recharge runs: the shared service's finance officer
    and manager."""
    return bool(user and user.is_authenticated) and user.service_role in (
        ServiceRole.FINANCE,
        ServiceRole.MANAGER,
    )


@transaction.atomic
def approve(run: RechargeRun, by: Any, at: datetime.datetime | None = None) -> RechargeRun:
    """Approve the draft `run`: it and the costs of its period are locked from now on. Refused
    to anyone but the shared service's finance officer or manager, for a run with costs it
    could not split, and when its inputs have changed since it was made (run it again)."""
    if not may_run(by):
        raise PermissionDenied(
            "Only the shared service's finance officer or manager approves a run"
        )
    run = _q(RechargeRun).select_for_update().get(pk=run.pk)
    if run.is_approved:
        raise ValidationError("This run is approved already")
    if run.problems:
        raise ValidationError(
            "Some shared costs could not be split: put them right and run the period again"
        )
    again = compute(run.period_start, run.period_end, run)
    if again.digest != run.inputs_digest:
        raise ValidationError(
            "Costs, rules or figures of this period have changed since the run was made: run "
            "it again, check it, then approve it"
        )
    run.status = RunStatus.APPROVED
    run.approved_by = by
    run.approved_at = at or timezone.now()
    run.save()
    return run


# One council's costs ------------------------------------------------------------------------


@dataclass
class CostShare:
    """One cost in a council's statement: the part of it in the run's period, the rule, the
    council's and every council's weight, and the council's share."""

    cost: CostLine
    part: Decimal
    rule: ApportionmentRule | None
    weight: Decimal | None
    total_weight: Decimal | None
    share: Decimal


def cost_shares(statement: RechargeStatement, after: int = 0, limit: int = 50) -> list[CostShare]:
    """The council's share of each cost of its statement's run with an id above `after`
    (`limit` of them, in id order), recomputed from the run's stored weights by the same
    arithmetic the run used. Costs the council has no part in are left out."""
    run = statement.run
    council = statement.partner_id
    stored: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for rule_id, pk, weight in (
        _q(RechargeWeight).filter(run=run).values_list("rule_id", "partner_id", "weight")
    ):
        stored[rule_id][pk] = weight
    members = member_days(run.period_start, run.period_end)
    book = RuleBook(run.period_start, run.period_end, members)
    named = AudienceCouncil.objects.filter(
        content_type=ContentType.objects.get_for_model(CostLine),
        object_id=OuterRef("pk"),
        partner_id=council,
    )
    mine = Q(is_shared=True, for_all_councils=True) | Q(Exists(named))
    result = []
    rows = list(
        stream_costs(run.period_start, run.period_end, after=after, limit=limit, extra=mine)
    )
    lines = {
        line.pk: line
        for line in _q(CostLine)
        .filter(pk__in=[row[0] for row, _ in rows])
        .select_related("supplier")
    }
    for row, councils in rows:
        pk, _, incurred, _, _, category, _, shared, for_all, rule_id, _ = row
        part = part_in(row, run.period_start, run.period_end)
        if not shared:
            result.append(CostShare(lines[pk], part, None, None, None, part))
            continue
        chosen = book.rule_of(rule_id, category, incurred)
        weights = stored.get(chosen or 0, {})
        if not for_all:
            weights = {k: weights.get(k, Decimal(0)) for k in councils}
        if chosen is None or not any(weights.values()):
            continue
        shares = Splitter(weights).split(part)
        result.append(
            CostShare(
                lines[pk],
                part,
                book.rules[chosen],
                weights.get(council, Decimal(0)),
                sum(weights.values(), Decimal(0)),
                shares.get(council, Decimal("0.00")),
            )
        )
    return result


@dataclass
class Input:
    """One of a statement's inputs: the council's figure and every council's added up."""

    label: str
    council: Decimal
    total: Decimal
    member_days: int | None = None


def statement_inputs(statement: RechargeStatement) -> tuple[list[Input], list[Input]]:
    """The council's weight under each rule of the run and its driver figures, each beside
    the total of every council's (never another council's own figure)."""
    weights: list[Input] = []
    council = statement.partner_id
    by_rule: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for rule_id, pk, weight in (
        _q(RechargeWeight).filter(run=statement.run).values_list("rule_id", "partner_id", "weight")
    ):
        by_rule[rule_id].append((pk, weight))
    names = dict(_q(ApportionmentRule).filter(pk__in=list(by_rule)).values_list("pk", "name"))
    for rule_id, rows in sorted(by_rule.items(), key=lambda item: names[item[0]]):
        mine = sum((w for pk, w in rows if pk == council), Decimal(0))
        weights.append(Input(names[rule_id], mine, sum((w for _, w in rows), Decimal(0))))
    drivers: list[Input] = []
    by_driver: dict[str, list[tuple[int, Decimal, int]]] = defaultdict(list)
    for driver, pk, value, count in (
        _q(RechargeDriver)
        .filter(run=statement.run)
        .values_list("driver", "partner_id", "value", "member_days")
    ):
        by_driver[driver].append((pk, value, count))
    for driver, driver_rows in sorted(by_driver.items()):
        mine_rows = [(value, count) for pk, value, count in driver_rows if pk == council]
        drivers.append(
            Input(
                Driver(driver).label,
                mine_rows[0][0] if mine_rows else Decimal(0),
                sum((value for _, value, _ in driver_rows), Decimal(0)),
                mine_rows[0][1] if mine_rows else 0,
            )
        )
    return weights, drivers
