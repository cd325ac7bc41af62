"""The monthly job (finance/jobs.py): last month's draft run from the second working day,
once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.tenancy.scoping import system_scope
from finance import recharging
from finance.jobs import last_month_recharge, last_month_recharge_now, second_working_day
from finance.models import RechargeRun
from finance.tests.recharge_factories import fixed_rule, shared_cost

pytestmark = pytest.mark.django_db


def test_the_second_working_day():
    # 1 May 2026 is a Friday, 4 May the early May bank holiday: the second is Tuesday 5 May.
    assert second_working_day(datetime.date(2026, 5, 20)) == datetime.date(2026, 5, 5)
    # 1 June 2026 is a Monday: the second is Tuesday 2 June.
    assert second_working_day(datetime.date(2026, 6, 1)) == datetime.date(2026, 6, 2)


def test_last_months_draft_is_made_once_from_the_second_working_day(cast):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    shared_cost("10.00", on=datetime.date(2026, 4, 20))
    with system_scope("test"):
        assert last_month_recharge_now(datetime.date(2026, 5, 4))["made"] is None
        assert RechargeRun.objects.count() == 0
        done = last_month_recharge_now(datetime.date(2026, 5, 5))
        run = RechargeRun.objects.get()
        assert done["made"] == run.pk and run.status == "draft" and run.total == Decimal("10.00")
        assert (run.period_start, run.period_end) == (
            datetime.date(2026, 4, 1),
            datetime.date(2026, 4, 30),
        )
        assert last_month_recharge_now(datetime.date(2026, 5, 6))["made"] is None
        assert RechargeRun.objects.count() == 1


def test_a_quarter_run_covers_the_month(cast):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    with system_scope("test"):
        recharging.run_for(datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
        assert last_month_recharge_now(datetime.date(2026, 7, 2))["made"] is None


def test_it_is_a_periodic_job():
    from core.periodic import periodic_jobs

    assert last_month_recharge in [job.task for job in periodic_jobs()]


def test_drafts_wait_on_the_home_page_of_the_service_finance_staff(cast):
    from finance.recharge_views import home_needs, nav_entries

    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    with system_scope("test"):
        recharging.run_for(datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))
    (need,) = home_needs(cast.finance)
    assert need.count == 1 and need.url == "/recharge-runs/"
    assert home_needs(cast.wcc_lead) == [] and home_needs(cast.agent) == []
    assert {entry.url_name for entry in nav_entries()} == {
        "finance:rechargerun_list",
        "finance:recharge_what_if",
    }
