"""The savings demo (finance/savings_demo.py): the Tri-borough case with its target, costs,
split and savings, made once; a second run creates nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.demo import DemoRun
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from finance import savings_services as services
from finance.models.savings import (
    BusinessCase,
    ImplementationCost,
    RealisedSaving,
    SavingsTarget,
)
from finance.savings_demo import REFERENCE, load_savings_demo

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime.datetime(2026, 12, 5, 9, tzinfo=datetime.UTC))
def test_the_tri_borough_case_once(cast: Cast) -> None:
    partners = {"wcc": cast.wcc, "rbkc": cast.rbkc, "lbhf": cast.lbhf}
    first = DemoRun(partners=partners)
    with system_scope("demo"):
        load_savings_demo(first)
        case = BusinessCase.objects.get(reference=REFERENCE)
        assert services.split_is_complete(case)
        costs = ImplementationCost.objects.filter(business_case=case)
        assert sorted(c.amount for c in costs) == [Decimal("35000")] * 3
        targets = SavingsTarget.objects.filter(business_case=case).select_related("year")
        assert sorted(t.year.name for t in targets) == ["2025/26", "2026/27"]
        assert {t.cashable for t in targets} == {Decimal("6550000")}
        measured = RealisedSaving.objects.filter(business_case=case, basis="measured")
        # Hammersmith and Fulham left in 2018: not measured in the demo's years.
        assert {m.partner.code for m in measured} == {cast.wcc.code, cast.rbkc.code}
        assert {m.measured_to for m in measured} == {
            datetime.date(2026, 3, 31),
            datetime.date(2026, 11, 30),
        }
    assert first.created["business cases"] == 1
    assert first.created["realised savings"] == 8
    again = DemoRun(partners=partners)
    with system_scope("demo"):
        load_savings_demo(again)
    assert sum(again.created.values()) == 0
