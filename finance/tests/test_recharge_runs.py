"""Recharge runs (finance/recharging.py): statements to the penny, pro-rating, drivers,
reproducibility, approval and its lock, adjustments carried by the next run."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from finance import recharging
from finance.choices import CostCategory, Driver, FigureSource
from finance.models import (
    CostLine,
    RechargeAdjustment,
    RechargeDriver,
    RechargeLine,
    RechargeRun,
    RechargeStatement,
    RechargeWeight,
)
from finance.services import period_is_locked
from finance.tests.recharge_factories import (
    APRIL,
    driver_rule,
    figure,
    fixed_rule,
    ledger_code,
    own_cost,
    shared_cost,
)

pytestmark = pytest.mark.django_db

MAY = (datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))


def statements(run: RechargeRun) -> dict[str, RechargeStatement]:
    rows = RechargeStatement.objects.unscoped("test").filter(run=run).select_related("partner")
    return {s.partner.code: s for s in rows}


def lines(statement: RechargeStatement) -> list[RechargeLine]:
    return list(RechargeLine.objects.unscoped("test").filter(statement=statement))


def all_shares(statement: RechargeStatement) -> list[recharging.CostShare]:
    found: list[recharging.CostShare] = []
    after = 0
    while True:
        page = recharging.cost_shares(statement, after=after, limit=7)
        if not page:
            return found
        found += page
        after = page[-1].cost.pk


def test_a_run_splits_shared_costs_by_fixed_percentages_to_the_penny(cast):
    fixed_rule({cast.wcc: "60", cast.rbkc: "40"})
    ledger_code(cast.wcc, CostCategory.STAFF, "400", "4510")
    ledger_code(cast.rbkc, CostCategory.STAFF, "IT01", "A100")
    shared_cost("100.01")
    shared_cost("0.03")
    own_cost(cast.wcc, "250.00")
    run = recharging.run_for(*APRIL)
    by = statements(run)
    # 100.01: 60.006 / 40.004 -> 60.01 / 40.00; 0.03: 0.018 / 0.012 -> 0.02 / 0.01.
    assert by["wcc"].total == Decimal("60.03") + Decimal("250.00")
    assert by["rbkc"].total == Decimal("40.01")
    assert run.total == Decimal("350.04") == sum(s.total for s in by.values())
    assert run.status == "draft" and run.cost_count == 3 and not run.problems
    (staff,) = [line for line in lines(by["rbkc"]) if line.category == CostCategory.STAFF]
    assert (staff.cost_centre, staff.account_code, staff.amount) == (
        "IT01",
        "A100",
        Decimal("40.01"),
    )
    assert staff.cost_total == Decimal("100.04") and staff.cost_count == 2
    # The left council (lbhf, gone since 2018) has no statement.
    assert set(by) == {"wcc", "rbkc"}


def test_each_costs_shares_add_up_to_it_and_the_statement(cast):
    rule = fixed_rule({cast.wcc: "33.33", cast.rbkc: "66.67"})
    rng = random.Random(7)
    costs = [shared_cost(f"{rng.randint(-5000, 500000) / 100:.2f}") for _ in range(40)]
    run = recharging.run_for(*APRIL)
    by = statements(run)
    shares = {code: {s.cost.pk: s for s in all_shares(st)} for code, st in by.items()}
    for cost in costs:
        assert shares["wcc"][cost.pk].share + shares["rbkc"][cost.pk].share == cost.amount
        assert shares["wcc"][cost.pk].rule == rule
    for code, statement in by.items():
        assert sum(s.share for s in shares[code].values()) == statement.total
    assert run.total == sum(cost.amount for cost in costs)


def test_a_council_joining_mid_month_counts_for_its_days(cast):
    with system_scope("test data"):
        new = Partner.objects.create(
            code="lbx",
            name="London Borough of X",
            gss_code="E09000099",
            joined_on=datetime.date(2026, 4, 16),
        )
    fixed_rule({cast.wcc: "50", cast.rbkc: "25", new: "25"})
    shared_cost("1000.00")
    run = recharging.run_for(*APRIL)
    by = statements(run)
    # Weights 50, 25 and 25 * 15/30 = 12.5: 1000 * 50/87.5, 25/87.5, 12.5/87.5.
    assert by["wcc"].total == Decimal("571.43")
    assert by["rbkc"].total == Decimal("285.71")
    assert by["lbx"].total == Decimal("142.86")
    days = dict(
        RechargeWeight.objects.unscoped("test")
        .filter(run=run)
        .values_list("partner__code", "weight")
    )
    assert days["lbx"] == Decimal("12.5")


def test_driver_rules_read_the_figures_entered_over_measured(cast):
    driver_rule({Driver.TICKETS: "100"})
    figure(cast.wcc, Driver.TICKETS, "300", source=FigureSource.MEASURED)
    figure(cast.rbkc, Driver.TICKETS, "100", source=FigureSource.MEASURED)
    with system_scope("test data"):
        from finance.models import DriverFigure

        measured = DriverFigure.objects.get(partner=cast.rbkc)
        measured.source = FigureSource.ENTERED
        measured.value = Decimal("100")
        measured.save()
    shared_cost("80.00", CostCategory.LICENCE)
    run = recharging.run_for(*APRIL)
    by = statements(run)
    assert (by["wcc"].total, by["rbkc"].total) == (Decimal("60.00"), Decimal("20.00"))
    frozen = RechargeDriver.objects.unscoped("test").filter(run=run, partner=cast.wcc).get()
    assert (frozen.driver, frozen.value, frozen.member_days) == (Driver.TICKETS, Decimal("300"), 30)


def test_a_mix_of_drivers(cast):
    driver_rule({Driver.TICKETS: "50", Driver.HEADCOUNT: "50"})
    figure(cast.wcc, Driver.TICKETS, "300")
    figure(cast.rbkc, Driver.TICKETS, "100")
    figure(cast.wcc, Driver.HEADCOUNT, "1000")
    figure(cast.rbkc, Driver.HEADCOUNT, "3000")
    shared_cost("100.00", CostCategory.LICENCE)
    by = statements(recharging.run_for(*APRIL))
    assert (by["wcc"].total, by["rbkc"].total) == (Decimal("50.00"), Decimal("50.00"))


def test_a_cost_for_a_quarter_is_spread_over_its_months(cast):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    shared_cost(
        "910.01", period_start=datetime.date(2026, 4, 1), period_end=datetime.date(2026, 6, 30)
    )
    runs = [
        recharging.run_for(datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)),
        recharging.run_for(datetime.date(2026, 5, 1), datetime.date(2026, 5, 31)),
        recharging.run_for(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30)),
    ]
    assert [run.total for run in runs] == [Decimal("300.00"), Decimal("310.00"), Decimal("300.01")]
    assert sum(run.total for run in runs) == Decimal("910.01")


def test_a_run_is_reproducible_and_a_draft_is_made_again(cast):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    cost = shared_cost("99.99")
    first = recharging.run_for(*APRIL)
    again = recharging.run_for(*APRIL)
    assert again.pk == first.pk and again.inputs_digest == first.inputs_digest
    assert RechargeStatement.objects.unscoped("test").filter(run=first).count() == 2
    with system_scope("test"):
        cost.amount = Decimal("100.00")
        cost.save()
    changed = recharging.run_for(*APRIL)
    assert changed.inputs_digest != first.inputs_digest and changed.total == Decimal("100.00")


def test_approval_locks_the_run_and_its_costs(cast):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    cost = shared_cost("10.00")
    run = recharging.run_for(*APRIL)
    with pytest.raises(PermissionDenied):
        recharging.approve(run, cast.wcc_lead)
    with pytest.raises(PermissionDenied):
        recharging.approve(run, cast.agent)
    recharging.approve(run, cast.finance)
    run.refresh_from_db()
    assert run.status == "approved" and run.approved_by == cast.finance and run.approved_at
    assert period_is_locked(datetime.date(2026, 4, 15))
    with pytest.raises(ValidationError, match="approved and locked"):
        recharging.run_for(*APRIL)
    with pytest.raises(ValidationError):
        recharging.approve(run, cast.manager)
    with system_scope("test"):
        cost.amount = Decimal("11.00")
        with pytest.raises(ValidationError):
            cost.full_clean()
        run.total = Decimal("1")
        with pytest.raises(ValidationError):
            run.full_clean()


def test_approval_is_refused_when_the_inputs_changed_since_the_run(cast):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    run = recharging.run_for(*APRIL)
    shared_cost("10.00")
    with pytest.raises(ValidationError, match="changed since the run"):
        recharging.approve(run, cast.finance)
    recharging.approve(recharging.run_for(*APRIL), cast.manager)


def test_costs_without_a_rule_are_problems_and_stop_approval(cast):
    shared_cost("10.00", CostCategory.CONTRACT)
    run = recharging.run_for(*APRIL)
    assert "No apportionment rule for contract costs" in run.problems
    assert run.total == 0
    with pytest.raises(ValidationError, match="could not be split"):
        recharging.approve(run, cast.finance)


def test_adjustments_after_approval_are_carried_by_the_next_run(cast):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    shared_cost("100.00")
    april = recharging.approve(recharging.run_for(*APRIL), cast.finance)
    with system_scope("test"):
        adjustment = RechargeAdjustment(
            partner=cast.rbkc,
            amount=Decimal("-12.34"),
            reason="Overcharged seats",
            corrects_run=april,
        )
        adjustment.full_clean()
        adjustment.save()
    shared_cost("20.00", on=datetime.date(2026, 5, 3))
    may = recharging.run_for(*MAY)
    by = statements(may)
    assert by["rbkc"].adjustments == Decimal("-12.34")
    assert by["rbkc"].total == Decimal("10.00") - Decimal("12.34")
    assert may.total == Decimal("20.00") - Decimal("12.34") == sum(s.total for s in by.values())
    adjustment.refresh_from_db()
    assert adjustment.applied_in == may
    # The approved April run is untouched.
    assert statements(april)["rbkc"].total == Decimal("50.00")


def test_an_adjustment_corrects_only_an_approved_run(cast):
    run = recharging.run_for(*APRIL)
    with system_scope("test"), pytest.raises(ValidationError, match="approved run"):
        RechargeAdjustment(
            partner=cast.wcc, amount=Decimal("1"), reason="x", corrects_run=run
        ).full_clean()


def test_a_cost_for_chosen_councils_is_split_between_them_alone(cast):
    with system_scope("test data"):
        third = Partner.objects.create(
            code="lbz", name="LB Z", gss_code="E09000098", joined_on=datetime.date(2020, 1, 1)
        )
    fixed_rule({cast.wcc: "50", cast.rbkc: "30", third: "20"})
    cost = shared_cost("100.00", councils=[cast.wcc, third])
    by = statements(recharging.run_for(*APRIL))
    assert by["wcc"].total == Decimal("71.43") and by["lbz"].total == Decimal("28.57")
    assert by["rbkc"].total == 0
    assert [s.share for s in all_shares(by["lbz"])] == [Decimal("28.57")]
    assert all_shares(by["rbkc"]) == []
    assert cost.pk


def test_many_random_costs_add_up(cast):
    fixed_rule({cast.wcc: "12.5", cast.rbkc: "87.5"})
    driver_rule({Driver.DEVICES: "100"})
    figure(cast.wcc, Driver.DEVICES, "17")
    figure(cast.rbkc, Driver.DEVICES, "29")
    rng = random.Random(11)
    total = Decimal(0)
    for _ in range(60):
        amount = Decimal(rng.randint(-10000, 10_000_000)) / 100
        category = rng.choice([CostCategory.STAFF, CostCategory.LICENCE])
        if rng.random() < 0.2:
            own_cost(rng.choice([cast.wcc, cast.rbkc]), f"{amount:.2f}")
        else:
            shared_cost(f"{amount:.2f}", category)
        total += amount
    run = recharging.run_for(*APRIL)
    by = statements(run)
    assert run.total == total == sum(s.total for s in by.values())
    for statement in by.values():
        assert sum(line.amount for line in lines(statement)) == statement.total
    with system_scope("test"):
        assert CostLine.objects.count() == 60
