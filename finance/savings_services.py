"""Business cases and savings: the councils' split of a case, savings measured from actual
costs, and a case's target against what was realised, per council and year, with the evidence
behind each figure (docs/finance.md, "Business cases and savings").

A measured saving for a council and a year is its share of the case's baseline (the baseline
times its split, for the part of the year measured) less what it actually spent on the case's
cost categories in that part of the year: its own cost lines (one council bears them) plus its
recharged share of the shared costs, from the statements of approved recharge runs. The
figures it rests on are stored with it, and `evidence_cost_lines` lists the cost lines
themselves.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from finance.models.savings import (
    BusinessCase,
    RealisedSaving,
    SavingsBasis,
    SavingsSplit,
    SavingsTarget,
)

PENNY = Decimal("0.01")
HUNDRED = Decimal("100")


def pennies(value: Decimal) -> Decimal:
    """`value` to the penny, halves away from zero."""
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


# Splits -----------------------------------------------------------------------------------


def split_total(case_id: int, exclude_pk: int | None = None) -> Decimal:
    """The sum of the councils' shares of a case (without the row `exclude_pk`)."""
    rows = SavingsSplit.objects.unscoped("the sum of a case's shares, never a council's own")
    rows = rows.filter(business_case_id=case_id)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.aggregate(total=Sum("percent"))["total"] or Decimal("0")


def split_is_complete(case: BusinessCase) -> bool:
    """Whether the councils' shares of `case` add up to exactly 100%."""
    return split_total(case.pk) == HUNDRED


def set_splits(case: BusinessCase, percents: Mapping[Partner, Decimal]) -> list[SavingsSplit]:
    """Set every council's share of `case` at once (the shares must add up to 100; a council
    left out loses its share). Each row is saved one by one, so the change log has each."""
    total = sum((Decimal(p) for p in percents.values()), Decimal("0"))
    if total != HUNDRED:
        raise ValidationError(
            {"percent": "The councils' shares of the savings must add up to 100%"}
        )
    with transaction.atomic():
        existing = {
            s.partner_id: s
            for s in SavingsSplit.objects.unscoped("setting every share of a case").filter(
                business_case=case
            )
        }
        keep = {p.pk for p in percents}
        for partner_id, row in existing.items():
            if partner_id not in keep:
                row.delete()
        # Lower shares first, so a share moving up never meets a total over 100 on the way.
        result = []
        ordered = sorted(percents.items(), key=lambda item: Decimal(item[1]))
        for partner, percent in ordered:
            row = existing.get(partner.pk) or SavingsSplit(business_case=case, partner=partner)
            row.percent = Decimal(percent)
            row.save()
            result.append(row)
        return result


def split_of(case: BusinessCase, partner: Any) -> Decimal | None:
    """`partner`'s share of `case` in percent (None when it has none)."""
    row = (
        SavingsSplit.objects.unscoped("a council's own share, for its own figures")
        .filter(business_case=case, partner_id=getattr(partner, "pk", partner))
        .first()
    )
    return row.percent if row is not None else None


# Actual costs -----------------------------------------------------------------------------


@dataclass
class ActualCosts:
    """What a council spent on some cost categories between two dates, and where from."""

    own: Decimal = Decimal("0")
    recharged: Decimal = Decimal("0")
    cost_line_count: int = 0
    statement_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.own + self.recharged


def _overlap_days(
    start: datetime.date, end: datetime.date, lo: datetime.date, hi: datetime.date
) -> int:
    first, last = max(start, lo), min(end, hi)
    return max(0, (last - first).days + 1)


def own_cost_lines(
    partner: Any, categories: Iterable[str], start: datetime.date, end: datetime.date
) -> QuerySet[Any]:
    """The cost lines `partner` bears alone (not shared) in `categories` that fall between
    `start` and `end`: dated in it, or for a period overlapping it."""
    cost_line = apps.get_model("finance", "CostLine")
    partner_id = getattr(partner, "pk", partner)
    rows = cost_line.objects.unscoped("a council's own costs, for its own figures")
    dated = Q(period_start__isnull=True, incurred_on__gte=start, incurred_on__lte=end)
    spread = Q(period_start__isnull=False, period_start__lte=end, period_end__gte=start)
    return (
        rows.filter(cost_line.ownership_filter([partner_id]))
        .filter(is_shared=False, category__in=list(categories))
        .filter(dated | spread)
    )


def own_costs(
    partner: Any, categories: Iterable[str], start: datetime.date, end: datetime.date
) -> tuple[Decimal, int]:
    """The sum of `own_cost_lines` (a cost for a period counted for its days between `start`
    and `end` only) and how many lines it counted."""
    total = Decimal("0")
    count = 0
    rows = own_cost_lines(partner, categories, start, end).values_list(
        "amount", "period_start", "period_end"
    )
    for amount, period_start, period_end in rows.iterator():
        count += 1
        if period_start is None or period_end is None:
            total += amount
            continue
        days = (period_end - period_start).days + 1
        total += amount * _overlap_days(period_start, period_end, start, end) / days
    return pennies(total), count


def _recharge_models() -> tuple[Any, Any] | None:
    """The recharge statement and line models, when the recharge part is there."""
    try:
        return apps.get_model("finance", "RechargeStatement"), apps.get_model(
            "finance", "RechargeLine"
        )
    except LookupError:
        return None


def recharged_costs(
    partner: Any, categories: Iterable[str], start: datetime.date, end: datetime.date
) -> tuple[Decimal, list[int]]:
    """`partner`'s recharged share of the shared costs in `categories`, from the statements
    of approved recharge runs whose period lies between `start` and `end`, and those
    statements' ids."""
    found = _recharge_models()
    if found is None:
        return Decimal("0"), []
    _statement, line = found
    partner_id = getattr(partner, "pk", partner)
    lines = line.objects.unscoped("a council's recharged share, for its own figures").filter(
        statement__partner_id=partner_id,
        statement__run__status="approved",
        statement__run__period_start__gte=start,
        statement__run__period_end__lte=end,
        category__in=list(categories),
        shared=True,
    )
    total = lines.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    ids = sorted(set(lines.values_list("statement_id", flat=True)))
    return pennies(total), ids


def actual_costs(
    partner: Any, categories: Iterable[str], start: datetime.date, end: datetime.date
) -> ActualCosts:
    """What `partner` spent on `categories` between `start` and `end`: its own cost lines
    plus its recharged share from approved runs."""
    categories = list(categories)
    own, count = own_costs(partner, categories, start, end)
    recharged, statements = recharged_costs(partner, categories, start, end)
    return ActualCosts(
        own=own, recharged=recharged, cost_line_count=count, statement_ids=statements
    )


# Measured savings -------------------------------------------------------------------------


def measured_period(
    year: Any, as_of: datetime.date | None = None
) -> tuple[datetime.date, datetime.date] | None:
    """The part of `year` a measure covers on `as_of` (today by default): the whole year
    once it is over, else up to the end of the last whole month; None before one has passed."""
    as_of = as_of or datetime.date.today()
    if as_of >= year.ends_on:
        return year.starts_on, year.ends_on
    month_start = as_of.replace(day=1)
    if as_of.month == 12:
        next_month = datetime.date(as_of.year + 1, 1, 1)
    else:
        next_month = datetime.date(as_of.year, as_of.month + 1, 1)
    end = (
        as_of
        if as_of == next_month - datetime.timedelta(days=1)
        else month_start - datetime.timedelta(days=1)
    )
    if end < year.starts_on:
        return None
    return year.starts_on, end


def measure_saving(
    case: BusinessCase, partner: Any, year: Any, as_of: datetime.date | None = None
) -> RealisedSaving | None:
    """Measure `partner`'s cashable saving under `case` in `year` from its actual costs and
    record it (the measured row of that council and year, made or brought up to date).
    None when the council has no share of the case or no whole month of the year has passed.
    """
    percent = split_of(case, partner)
    period = measured_period(year, as_of)
    if percent is None or period is None:
        return None
    start, end = period
    year_days = (year.ends_on - year.starts_on).days + 1
    days = (end - start).days + 1
    baseline_share = pennies(case.baseline_cost * percent / HUNDRED * days / year_days)
    costs = actual_costs(partner, case.category_list(), start, end)
    saving = baseline_share - costs.total
    evidence = (
        f"Baseline £{pennies(case.baseline_cost):,} a year, times the {percent}% share, "
        f"for {days} of {year_days} days "
        f"= £{baseline_share:,}; own cost lines in {', '.join(case.category_list())} "
        f"from {start:%-d %B %Y} to {end:%-d %B %Y}: £{costs.own:,} ({costs.cost_line_count} "
        f"lines); recharged share from approved statements ({len(costs.statement_ids)}): "
        f"£{costs.recharged:,}."
    )
    with system_scope("measuring a council's saving from its costs"), transaction.atomic():
        row = RealisedSaving.objects.filter(
            business_case=case, partner_id=partner.pk, year=year, basis=SavingsBasis.MEASURED
        ).first() or RealisedSaving(
            business_case=case, partner_id=partner.pk, year=year, basis=SavingsBasis.MEASURED
        )
        figures = {
            "cashable": saving,
            "non_cashable": Decimal("0.00"),
            "baseline_share": baseline_share,
            "own_costs": costs.own,
            "recharged_costs": costs.recharged,
            "cost_line_count": costs.cost_line_count,
            "measured_to": end,
            "evidence": evidence,
        }
        # Measured again with nothing changed (the monthly job, a second click): no change
        # to log.
        if row.pk is not None and all(getattr(row, k) == v for k, v in figures.items()):
            return row
        for name, value in figures.items():
            setattr(row, name, value)
        row.save()
    return row


def measure_case(
    case: BusinessCase, year: Any, as_of: datetime.date | None = None
) -> list[RealisedSaving]:
    """Measure every council's saving under `case` in `year`: those with a share that were in
    the partnership when the year began (a council that had left spends nothing through it)."""
    splits = SavingsSplit.objects.unscoped("every council's share, to measure each").filter(
        business_case=case
    )
    partners = [
        s.partner
        for s in splits.select_related("partner")
        if s.partner.left_on is None or s.partner.left_on >= year.starts_on
    ]
    made = [measure_saving(case, p, year, as_of) for p in partners]
    return [m for m in made if m is not None]


def evidence_cost_lines(saving: RealisedSaving) -> QuerySet[Any]:
    """The cost lines a measured saving counted (none for an entered measure)."""
    cost_line = apps.get_model("finance", "CostLine")
    if saving.basis != SavingsBasis.MEASURED or saving.measured_to is None:
        return cost_line.objects.none()
    return own_cost_lines(
        saving.partner,
        saving.business_case.category_list(),
        saving.year.starts_on,
        saving.measured_to,
    ).order_by("incurred_on", "id")


def evidence_statements(saving: RealisedSaving) -> list[Any]:
    """The approved recharge statements a measured saving counted its recharged share from."""
    found = _recharge_models()
    if found is None or saving.basis != SavingsBasis.MEASURED or saving.measured_to is None:
        return []
    _ids = recharged_costs(
        saving.partner,
        saving.business_case.category_list(),
        saving.year.starts_on,
        saving.measured_to,
    )[1]
    statement = found[0]
    rows = statement.objects.unscoped("the statements behind a council's own saving")
    return list(rows.filter(pk__in=_ids).select_related("run").order_by("run__period_start"))


# Target against realised ------------------------------------------------------------------


@dataclass
class CouncilYear:
    """One council's figures under a case in one year."""

    partner: Any
    share: Decimal | None
    target_cashable: Decimal | None
    target_non_cashable: Decimal | None
    measured: RealisedSaving | None
    entered: RealisedSaving | None

    @property
    def realised_cashable(self) -> Decimal:
        return sum(
            (r.cashable for r in (self.measured, self.entered) if r is not None), Decimal("0")
        )

    @property
    def realised_non_cashable(self) -> Decimal:
        return sum(
            (r.non_cashable for r in (self.measured, self.entered) if r is not None),
            Decimal("0"),
        )

    @property
    def gap(self) -> Decimal | None:
        if self.target_cashable is None:
            return None
        return self.realised_cashable - self.target_cashable


@dataclass
class CaseYear:
    """A case's target in one year and each council's part of it the reader may see."""

    year: Any
    target: SavingsTarget | None
    councils: list[CouncilYear]

    @property
    def realised_cashable(self) -> Decimal:
        return sum((c.realised_cashable for c in self.councils), Decimal("0"))

    @property
    def realised_non_cashable(self) -> Decimal:
        return sum((c.realised_non_cashable for c in self.councils), Decimal("0"))


def target_against_realised(user: Any, case: BusinessCase) -> list[CaseYear]:
    """`case`'s target in each year against what each council realised, as `user` may see
    them: a council's person sees its own council's share and savings only."""
    targets = {
        t.year_id: t
        for t in SavingsTarget.objects.visible_to(user)
        .filter(business_case=case)
        .select_related("year")
    }
    splits = {
        s.partner_id: s
        for s in SavingsSplit.objects.visible_to(user)
        .filter(business_case=case)
        .select_related("partner")
    }
    realised: dict[tuple[int, int], dict[str, RealisedSaving]] = {}
    partners = {pid: s.partner for pid, s in splits.items()}
    years = {t.year_id: t.year for t in targets.values()}
    for row in (
        RealisedSaving.objects.visible_to(user)
        .filter(business_case=case)
        .select_related("partner", "year")
    ):
        realised.setdefault((row.year_id, row.partner_id), {})[row.basis] = row
        partners.setdefault(row.partner_id, row.partner)
        years.setdefault(row.year_id, row.year)
    result = []
    for year in sorted(years.values(), key=lambda y: y.starts_on):
        target = targets.get(year.pk)
        councils = []
        for partner in sorted(partners.values(), key=lambda p: p.name):
            split = splits.get(partner.pk)
            share = split.percent if split is not None else None
            found = realised.get((year.pk, partner.pk), {})
            councils.append(
                CouncilYear(
                    partner=partner,
                    share=share,
                    target_cashable=(
                        pennies(target.cashable * share / HUNDRED)
                        if target is not None and share is not None
                        else None
                    ),
                    target_non_cashable=(
                        pennies(target.non_cashable * share / HUNDRED)
                        if target is not None and share is not None
                        else None
                    ),
                    measured=found.get(SavingsBasis.MEASURED),
                    entered=found.get(SavingsBasis.ENTERED),
                )
            )
        result.append(CaseYear(year=year, target=target, councils=councils))
    return result
