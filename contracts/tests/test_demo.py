"""The contracts' demo records (contracts/demo.py), loaded by `concord demo` after the
councils: the councils' real suppliers, contracts held by one council and jointly, the
outsourced contract in its exit period with its closedown plan, KPIs with some months red,
and nothing twice however often it runs."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from contracts import services
from contracts.models import Contract, ExitMilestone, KpiMeasure, Supplier
from core.tenancy.models import User
from core.tenancy.scoping import system_scope

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_demo_loads_the_contracts_once() -> None:
    run("demo", "--through", "contracts")
    today = timezone.localdate()
    with system_scope("test"):
        names = set(Supplier.objects.values_list("name", flat=True))
        assert {
            "British Telecommunications plc",
            "Microsoft Limited",
            "Agilisys Limited",
            "Capita Secure Information Systems Limited",
        } <= names
        joint = Contract.objects.get(reference="BI-MS-EA-2024")
        assert {(s.partner.code, s.percentage) for s in joint.owner_shares()} == {
            ("wcc", Decimal("55.00")),
            ("rbkc", Decimal("45.00")),
        }
        alone = Contract.objects.get(reference="WCC-NET-2022")
        assert [s.partner.code for s in alone.owner_shares()] == ["wcc"]
        outsourced = Contract.objects.get(reference="RBKC-ICT-2017")
        assert outsourced.status == "in_notice"
        assert services.date_problems(outsourced) == []
        assert today < outsourced.end_date <= services.add_months(today, 24)
        assert ExitMilestone.objects.filter(plan__contract=outsourced).count() == 5
        assert KpiMeasure.objects.filter(rag="red").exists()
        counts = (Contract.objects.count(), KpiMeasure.objects.count())
        lead = User.objects.get(username="rbkc.lead")
        manager = User.objects.get(username="manager")
    rows = {r.contract.reference: r for r in services.transition(lead, today)}
    assert rows["RBKC-ICT-2017"].state == "Red"
    assert services.decisions_due(manager, today, 3650).exists()
    run("demo", "--through", "contracts")
    with system_scope("test"):
        assert (Contract.objects.count(), KpiMeasure.objects.count()) == counts
