"""The recharge part of the demo (finance/recharge_demo.py): approved monthly runs for last
financial year and this one so far; a second run creates nothing."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from core.demo import DemoRun
from core.tenancy.scoping import system_scope
from finance.models import RechargeRun
from finance.recharge_demo import demo_months, load_recharge_demo
from finance.tests.recharge_factories import fixed_rule, shared_cost

pytestmark = pytest.mark.django_db


def test_the_months_of_last_year_and_this_year_so_far():
    months = demo_months(datetime.date(2026, 12, 5))
    assert months[0] == datetime.date(2025, 4, 1) and months[-1] == datetime.date(2026, 11, 1)
    assert len(months) == 20


@time_machine.travel(datetime.datetime(2026, 6, 10, 12, tzinfo=datetime.UTC))
def test_the_demo_runs_and_approves_each_month_once(cast):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    shared_cost("100.00", on=datetime.date(2026, 5, 12))
    run = DemoRun()
    with system_scope("test demo"):
        load_recharge_demo(run)
        runs = list(RechargeRun.objects.order_by("period_start"))
    assert len(runs) == 14 and all(r.is_approved for r in runs)
    assert runs[-1].period_start == datetime.date(2026, 5, 1) and str(runs[-1].total) == "100.00"
    assert runs[-1].approved_at.date() == datetime.date(2026, 6, 2)
    again = DemoRun()
    with system_scope("test demo"):
        load_recharge_demo(again)
    assert again.created["recharge runs"] == 0
