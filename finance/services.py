"""The ledger's rules that are more than a save (docs/finance.md, "Budgets and costs" and
"Apportionment rules and drivers"): a budget's revisions, one rule per category in force,
which rule splits a cost, a locked period and what a cost line must be. Pages, the API,
imports, the demo and jobs all call these.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from finance.choices import ApportionmentMethod
from finance.models.ledger import (
    NO_REASON,
    ApportionmentRule,
    Budget,
    BudgetRevision,
    CostLine,
    RuleComponent,
    RuleShare,
)

__all__ = ["NO_REASON"]  # the reason a revision records when none was given

LOCKED_MESSAGE = (
    "The recharge run for this period is approved, so its costs are locked: "
    "put a correction in a later period instead"
)


# Budgets ------------------------------------------------------------------------------------


@transaction.atomic
def revise_budget(
    budget: Budget, amount: Decimal, reason: str, on: datetime.date | None = None
) -> BudgetRevision:
    """Set `budget` to `amount`, keeping the change as a revision with its `reason` (the
    first revision of a budget is its original figure)."""
    amount = Decimal(amount)
    if amount < 0:
        raise ValidationError({"amount": "The budget must be £0 or more"})
    if not str(reason).strip():
        raise ValidationError({"reason": "Say why the budget changed"})
    revision = BudgetRevision(
        budget=budget, amount=amount, reason=reason, revised_on=on or timezone.localdate()
    )
    revision.full_clean()
    revision.save()
    if budget.amount != amount:
        budget.amount = amount
        budget.revision_recorded = True  # the revision above is the one
        budget.save()
    return revision


@transaction.atomic
def set_budget(budget: Budget, reason: str = "Original budget") -> Budget:
    """Save a new or changed `budget` and record its figure as a revision when it is new or
    its amount changed (so a budget's revisions always end at its current figure)."""
    budget.revision_reason = reason or NO_REASON
    budget.save()  # Budget.save keeps the figure as a revision when it is new or changed
    return budget


def budget_revisions(budget: Budget) -> list[BudgetRevision]:
    """The revisions of `budget`, first (the original) to last."""
    rows = BudgetRevision.objects.unscoped("a budget's own revisions, shown with it")
    return list(rows.filter(budget=budget).order_by("revised_on", "id"))


# Rules --------------------------------------------------------------------------------------


def _rules() -> Any:
    return ApportionmentRule.objects.unscoped("apportionment rules are everyone's")


def rule_overlap(rule: ApportionmentRule) -> str:
    """Why `rule` cannot be its category's rule over its dates (another rule of the category
    is in force on one of them), or "" when it can."""
    if not rule.category or rule.valid_from is None:
        return ""
    others = _rules().filter(category=rule.category)
    if rule.pk:
        others = others.exclude(pk=rule.pk)
    others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=rule.valid_from))
    if rule.valid_to is not None:
        others = others.filter(valid_from__lte=rule.valid_to)
    clash = others.order_by("valid_from").first()
    if clash is None:
        return ""
    return (
        f"The rule {clash.name} is this category's rule on some of these days: "
        "end it first, or choose other dates"
    )


def category_rule(category: str, on: datetime.date) -> ApportionmentRule | None:
    """The rule in force for `category` on `on` (at most one: `rule_overlap`)."""
    return (
        _rules()
        .filter(category=category, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .first()
    )


def rule_for(cost_line: CostLine, on: datetime.date | None = None) -> ApportionmentRule | None:
    """The rule that splits a shared `cost_line`: its own, else its category's rule in force
    on `on` (the cost's date by default). None for a cost one council bears, or when no rule
    applies (a recharge run refuses to split such a cost and says so)."""
    if not cost_line.is_shared:
        return None
    if cost_line.rule_id:
        return cost_line.rule
    return category_rule(cost_line.category, on or cost_line.incurred_on)


def rule_problems(rule: ApportionmentRule) -> list[str]:
    """What stops `rule` splitting a cost now: fixed shares that do not sum to 100%, a
    driver rule without exactly one driver, a mix whose weights do not sum to 100%."""
    problems = []
    if rule.method == ApportionmentMethod.FIXED:
        shares = RuleShare.objects.unscoped("a rule's shares add up").filter(rule=rule)
        total = sum((s.percent for s in shares), Decimal("0"))
        if total != 100:
            problems.append(f"The councils' shares add up to {total}%: they must make 100%.")
    else:
        components = list(RuleComponent.objects.unscoped("a rule's drivers").filter(rule=rule))
        if rule.method == ApportionmentMethod.DRIVER and len(components) != 1:
            problems.append("A rule of one measured driver needs exactly one driver.")
        total = sum((c.weight for c in components), Decimal("0"))
        if components and total != 100:
            problems.append(f"The drivers' weights add up to {total}%: they must make 100%.")
        if not components:
            problems.append("Add the drivers the rule reads.")
    return problems


# Cost lines and the locked periods ----------------------------------------------------------


def period_is_locked(on: datetime.date | None) -> bool:
    """Whether an approved recharge run's period holds `on` (its costs cannot change).
    False while the recharge runs' model does not exist."""
    if on is None:
        return False
    try:
        run = apps.get_model("finance", "RechargeRun")
    except LookupError:
        return False
    return (
        run.objects.unscoped("is a period locked by an approved run")
        .filter(status="approved", period_start__lte=on, period_end__gte=on)
        .exists()
    )


def cost_line_locked(cost_line: CostLine) -> bool:
    """Whether `cost_line` (as stored) lies in a locked period: it may be neither changed
    nor deleted."""
    if not cost_line.pk:
        return False
    stored = CostLine.objects.unscoped("the cost line as stored").filter(pk=cost_line.pk).first()
    if stored is None:
        return False
    return any(period_is_locked(day) for day in _dates_of(stored))


def _dates_of(line: CostLine) -> set[datetime.date]:
    return {d for d in (line.incurred_on, line.period_start, line.period_end) if d}


def cost_line_problems(cost_line: CostLine) -> dict[str, str]:
    """What is wrong with `cost_line` as one record (by field): a locked period (its date
    before or after the change), a cost centre on a shared cost, a shared cost for one
    council... The councils a cost is for are checked by `audience_problem`."""
    problems: dict[str, str] = {}
    if cost_line_locked(cost_line) or any(period_is_locked(d) for d in _dates_of(cost_line)):
        problems["incurred_on"] = LOCKED_MESSAGE
    if not cost_line.is_shared and cost_line.for_all_councils:
        problems["for_all_councils"] = (
            "One council bears a cost that is not shared: choose that council, not every council"
        )
    if cost_line.is_shared and cost_line.cost_centre_id:
        problems["cost_centre"] = (
            "A shared cost has no cost centre: each council's share is booked by its ledger codes"
        )
    if not cost_line.is_shared and cost_line.rule_id:
        problems["rule"] = "Only a shared cost is apportioned by a rule"
    return problems


def audience_problem(is_shared: bool, cost_centre: Any, councils: list[Any], for_all: bool) -> str:
    """Why `councils` (with `for_all`: every council) cannot bear a cost, or "": a cost that
    is not shared is one council's, and its cost centre (if any) that council's."""
    if is_shared:
        if not for_all and not councils:
            return "Choose the councils that share the cost, or tick every council"
        return ""
    if for_all or len(councils) != 1:
        return "Choose the one council that bears the cost, or tick shared cost"
    if cost_centre is not None and cost_centre.partner_id != councils[0].pk:
        return "The cost centre is another council's: choose that council's cost centre"
    return ""
