"""What if a council joins or leaves (docs/finance.md, "What if a council joins or leaves"):
every council's recharge for a period under the current rules and driver figures, as it is
and as it would be, worked out by the run's own arithmetic (`finance.recharging.compute`)
and writing nothing.

- A council that **leaves** does so at the start of the period: it has no days in it, its
  fixed share and its driver figures drop out, and the others' shares grow in proportion
  (the weights are split as they are, without it). Costs it bore alone are left out.
- A council that **joins** does so at the start of the period, with the figures given for each
  driver and a fixed share: under a rule of fixed percentages the other councils' shares are
  scaled down to make room for it (each times (100 - its share) / 100). Shared costs for every
  council include it; a cost for named councils does not.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from finance.arithmetic import days, from_pennies, pennies
from finance.choices import ApportionmentMethod
from finance.recharging import (
    RuleBook,
    RuleWeights,
    _exact,
    compute,
    driver_figures,
    member_days,
)

#: The key the joining council has among the councils' ids (no council has it).
NEWCOMER = -1


@dataclass
class Comparison:
    """One council's recharge now and under the change."""

    name: str
    now: Decimal
    then: Decimal

    @property
    def change(self) -> Decimal:
        return self.then - self.now


@dataclass
class Answer:
    rows: list[Comparison]
    problems: list[str]
    cost_count: int

    @property
    def total_now(self) -> Decimal:
        return sum((row.now for row in self.rows), Decimal(0))

    @property
    def total_then(self) -> Decimal:
        return sum((row.then for row in self.rows), Decimal(0))


class SupposedBook(RuleBook):
    """The rule book of a partnership with a council gone or one more."""

    def __init__(
        self,
        start: datetime.date,
        end: datetime.date,
        leaving: int | None = None,
        joining: dict[str, Decimal] | None = None,
        share: Decimal = Decimal(0),
    ) -> None:
        members = member_days(start, end)
        if leaving is not None:
            members.pop(leaving, None)
        if joining is not None:
            members[NEWCOMER] = days(start, end)
        super().__init__(start, end, members)
        self.joining = joining
        self.share = share

    def weights_of(self, rule_id: int) -> RuleWeights:
        if rule_id in self.weights:
            return self.weights[rule_id]
        if self.joining is not None:
            from finance.models import RuleComponent

            drivers = set(
                RuleComponent.objects.unscoped("a rule's drivers, for what if")
                .filter(rule_id=rule_id)
                .values_list("driver", flat=True)
            )
            for driver in drivers - set(self.figures):
                figures = driver_figures(driver, self.members, self.start, self.end)
                figures[NEWCOMER] = self.joining.get(driver, Decimal(0))
                self.figures[driver] = figures
        weighed = super().weights_of(rule_id)
        rule = self.rules[rule_id]
        if (
            self.joining is not None
            and rule.method == ApportionmentMethod.FIXED
            and not weighed.problem
        ):
            scale = (Decimal(100) - self.share) / Decimal(100)
            weights = {
                pk: _exact(Fraction(w) * Fraction(scale)) for pk, w in weighed.weights.items()
            }
            weights[NEWCOMER] = self.share
            weighed = RuleWeights(rule, weights)
            self.weights[rule_id] = weighed
        return weighed


def what_if(
    user: Any,
    start: datetime.date,
    end: datetime.date,
    leaving: Any = None,
    joining_name: str = "",
    joining_figures: dict[str, Decimal] | None = None,
    joining_share: Decimal = Decimal(0),
) -> Answer:
    """Each council's recharge of `start`..`end` now and with `leaving` gone (a Partner) or
    a council named `joining_name` joined. Nothing is written."""
    from core.tenancy.models import Partner

    now = compute(start, end)
    book = SupposedBook(
        start,
        end,
        leaving=leaving.pk if leaving is not None else None,
        joining=(joining_figures or {}) if joining_name else None,
        share=joining_share,
    )
    then = compute(start, end, book=book)
    before = now.statement_totals()
    after = then.statement_totals()
    # Adjustments are no part of the comparison: the same either way.
    for pk, carried_rows in now.adjustments.items():
        carried = sum(pennies(row.amount) for row in carried_rows)
        before[pk] = before.get(pk, 0) - carried
        if pk in after:
            after[pk] = after[pk] - carried
    names = dict(
        Partner.objects.unscoped("the councils' names on the what-if page")
        .filter(pk__in=[pk for pk in set(before) | set(after) if pk != NEWCOMER])
        .values_list("pk", "name")
    )
    names[NEWCOMER] = f"{joining_name} (joining)"
    rows = [
        Comparison(names[pk], from_pennies(before.get(pk, 0)), from_pennies(after.get(pk, 0)))
        for pk in sorted(set(before) | set(after), key=lambda pk: names[pk])
    ]
    return Answer(rows, then.problems, then.cost_count)
