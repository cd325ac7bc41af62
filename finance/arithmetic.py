"""The splitting arithmetic of recharges (docs/finance.md#recharge-runs-and-statements,
decisions/0032): pure functions on Decimals, no database, used by the recharge runs, the
statements, the "what if" page and ``POST /api/v1/apportion/`` alike.

- `apportion(amount, weights)`: an amount split to the penny in proportion to weights, by
  largest remainder. Every council first gets the pennies of its exact share rounded down; the
  pennies left over (fewer than the number of councils) go one each to the councils whose exact
  shares lost the most in that rounding. **Tie rule**: among equal remainders, the larger
  weight first, then the council whose key sorts first as text (``str(key)``), so the answer
  never depends on the order of the mapping. Shares add up to the amount exactly, are never
  negative for a non-negative amount, and a zero weight gets nothing. A negative amount (a
  credit) is split as minus the split of its size, so a credit reverses a charge exactly.
- `Splitter`: the same split prepared once for one set of weights and applied to many amounts
  (a run splits a million costs by a few dozen sets of weights).
- `pro_rata_weight(weight, member_days, period_days)`: a council in the partnership for part of
  a period counts for its days in it only (days, not months: a council joining on the 15th
  counts for 17 of 31 days, and a quarter is pro-rated the same way as a month).
- `mix(weights_by_driver, component_weights)`: a weighted mix of drivers as one weight per
  council: each driver's figures as shares of that driver's total, weighted by the component's
  percent.
- `spread(amount, period_start, period_end, start, end)`: the part of a cost for a period that
  falls in [start, end], by days, rounded so that the parts of one cost over consecutive runs
  add up to it exactly (each part is the rounded running total to its end, minus the rounded
  running total to its start).
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import lcm
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)
Weight = Decimal | Fraction | int

PENNY = Decimal("0.01")
#: Splits a `Splitter` remembers (amounts that recur, a monthly fee): few enough that a run
#: over a million different amounts holds a few megabytes, not a copy of every split.
CACHED_SPLITS = 2048


class SplitError(ValueError):
    """An amount or weights that cannot be split (the message says why)."""


def pennies(amount: Decimal | int) -> int:
    """`amount` in whole pennies; more than two decimal places is an error, never rounded."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise SplitError(f"The amount {amount!r} is not a number") from None
    if not value.is_finite():
        raise SplitError("The amount must be a finite number")
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise SplitError(f"The amount {value} has more than two decimal places")
    return int(scaled)


def from_pennies(count: int) -> Decimal:
    """`count` pennies as pounds with two decimal places."""
    return (Decimal(count) / 100).quantize(PENNY)


def _fraction(weight: Weight) -> Fraction:
    if isinstance(weight, Fraction):
        return weight
    if isinstance(weight, int):
        return Fraction(weight)
    if isinstance(weight, Decimal):
        if not weight.is_finite():
            raise SplitError("A weight must be a finite number")
        return Fraction(weight)
    raise SplitError(f"The weight {weight!r} is not a number")


def _tie_order(key: Hashable) -> tuple[str, str]:
    """The text a key sorts by in the tie rule (the type's name only separates keys whose
    text is the same, as 1 and "1")."""
    return (str(key), type(key).__name__)


class Splitter(Generic[T]):
    """One set of weights, ready to split any number of amounts to the penny.

    The weights are made whole numbers over a common denominator once, so that each split is
    integer arithmetic: a council's exact share of ``p`` pennies is ``p * w / W``; its floor and
    remainder come from one ``divmod``."""

    def __init__(self, weights: Mapping[T, Weight]) -> None:
        fractions = {key: _fraction(value) for key, value in weights.items()}
        for key, value in fractions.items():
            if value < 0:
                raise SplitError(f"The weight of {key} is negative")
        if not fractions or sum(fractions.values()) == 0:
            raise SplitError("Every weight is zero: there is nothing to split the amount by")
        denominator = lcm(*(value.denominator for value in fractions.values()))
        # The tie rule as a fixed order: larger weight first, then the key's text.
        self.keys: list[T] = sorted(fractions, key=lambda key: (-fractions[key], _tie_order(key)))
        self.whole = [int(fractions[key] * denominator) for key in self.keys]
        self.total = sum(self.whole)
        self.indexes = list(range(len(self.keys)))
        self._cache: dict[int, list[int]] = {}

    def split_pennies(self, count: int) -> list[int]:
        """Shares of `count` pennies, in the order of `self.keys`."""
        cached = self._cache.get(count)
        if cached is not None:
            return cached
        if count < 0:
            shares = [-share for share in self.split_pennies(-count)]
        else:
            total = self.total
            products = [count * weight for weight in self.whole]
            shares = [product // total for product in products]
            left = count - sum(shares)
            if left:
                # Largest remainder first; a stable sort keeps equal remainders in the tie
                # order (the order of self.keys).
                remainders = [product % total for product in products]
                for index in sorted(self.indexes, key=remainders.__getitem__, reverse=True)[:left]:
                    shares[index] += 1
        if len(self._cache) < CACHED_SPLITS:
            self._cache[count] = shares
        return shares

    def split(self, amount: Decimal | int) -> dict[T, Decimal]:
        """`amount` split to the penny, one share per key (zero weights get 0.00)."""
        shares = self.split_pennies(pennies(amount))
        return {key: from_pennies(share) for key, share in zip(self.keys, shares, strict=True)}


def apportion(amount: Decimal | int, weights: Mapping[T, Weight]) -> dict[T, Decimal]:
    """`amount` split in proportion to `weights` to the penny by largest remainder (the tie
    rule: the module's docstring). Raises SplitError (a ValueError) for an amount with more than
    two decimal places, a negative weight, or weights that are all zero."""
    return Splitter(weights).split(amount)


def pro_rata_weight(weight: Weight, member_days: int, period_days: int) -> Fraction:
    """`weight` for a council in the partnership `member_days` of the period's `period_days`:
    in proportion to its days (0 days -> 0, the whole period -> the weight itself)."""
    if period_days <= 0:
        raise SplitError("A period has at least one day")
    if not 0 <= member_days <= period_days:
        raise SplitError(f"Member days must be from 0 to {period_days}")
    return _fraction(weight) * member_days / period_days


def mix(
    weights_by_driver: Mapping[str, Mapping[T, Weight]], component_weights: Mapping[str, Weight]
) -> dict[T, Fraction]:
    """One weight per council from several drivers: for each driver in `component_weights`, a
    council's figure as a share of that driver's total, times the component's weight (percent);
    summed. A driver whose figures are all zero cannot be shared out: SplitError naming it."""
    councils: dict[T, Fraction] = {}
    for driver_figures in weights_by_driver.values():
        for key in driver_figures:
            councils.setdefault(key, Fraction(0))
    for driver, component in component_weights.items():
        part = _fraction(component)
        if part < 0:
            raise SplitError(f"The weight of the driver {driver} is negative")
        if part == 0:
            continue
        figures = {
            key: _fraction(value) for key, value in weights_by_driver.get(driver, {}).items()
        }
        if any(value < 0 for value in figures.values()):
            raise SplitError(f"A figure of the driver {driver} is negative")
        driver_total = sum(figures.values(), Fraction(0))
        if driver_total == 0:
            raise SplitError(f"Every council's figure for {driver} is zero")
        for key, value in figures.items():
            councils[key] += part * value / driver_total
    return councils


def days(start: datetime.date, end: datetime.date) -> int:
    """Days from `start` to `end`, both included."""
    return (end - start).days + 1


def overlap_days(
    start: datetime.date, end: datetime.date, other_start: datetime.date, other_end: datetime.date
) -> int:
    """Days [start, end] and [other_start, other_end] have in common (0 when none)."""
    first, last = max(start, other_start), min(end, other_end)
    return max(0, days(first, last))


def spread(
    amount: Decimal,
    cost_start: datetime.date,
    cost_end: datetime.date,
    start: datetime.date,
    end: datetime.date,
) -> Decimal:
    """The part of `amount`, for the days `cost_start`..`cost_end`, that falls in
    `start`..`end`, by days, to the penny: the running total to the part's last day rounded,
    minus the running total to the day before its first rounded (both down for a positive
    amount, by the size of a negative one), so consecutive parts add up to the amount."""
    total_days = days(cost_start, cost_end)
    count = pennies(amount)
    sign, size = (-1, -count) if count < 0 else (1, count)

    def running(day_count: int) -> int:
        return size * day_count // total_days

    before = overlap_days(cost_start, cost_end, cost_start, start - datetime.timedelta(days=1))
    through = overlap_days(cost_start, cost_end, cost_start, end)
    if start > cost_end or end < cost_start:
        return Decimal("0.00")
    return from_pennies(sign * (running(through) - running(before)))


def total(values: Iterable[Decimal]) -> Decimal:
    """The sum of `values` to two decimal places."""
    return sum(values, Decimal("0")).quantize(PENNY)
