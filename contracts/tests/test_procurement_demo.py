"""The procurement demo (contracts/procurement_demo.py): the Digital Partners Framework with
its seven lots, a term extended to May 2025, call-offs from both councils, and a joint laptop
purchase received into the asset register; nothing twice however often it runs."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from contracts import procurement_services as services
from contracts.procurement import CallOff, Framework, FrameworkLot, PurchaseOrder
from core.tenancy.models import User
from core.tenancy.scoping import system_scope

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_demo_loads_the_digital_partners_framework_and_the_joint_purchase_once():
    from assets.models import Asset

    run("demo", "--through", "contracts")
    with system_scope("test"):
        dpf = Framework.objects.get(reference="DPF")
        assert dpf.name == "Digital Partners Framework"
        assert dpf.ceiling_value == Decimal("10000000")
        assert dpf.initial_end_date() == datetime.date(2023, 5, 31)
        assert services.framework_end_date(dpf) == datetime.date(2025, 5, 31)
        assert [p.code for p in dpf.audience()] == ["wcc", "rbkc"]
        lots = list(FrameworkLot.objects.filter(framework=dpf).order_by("number"))
        assert len(lots) == 7
        assert [s.name for s in services.lot_suppliers(lots[6])] == [
            "Infosys",
            "NetCompany",
            "Version 1",
        ]
        callers = set(
            CallOff.objects.filter(lot__framework=dpf).values_list("partner__code", flat=True)
        )
        assert callers == {"wcc", "rbkc"}
        order = PurchaseOrder.objects.get(reference="PO-2025-JOINT-01")
        split = {p.code: v for p, v in services.cost_split(order).items()}
        assert sum(split.values()) == order.total
        assert split == {"wcc": Decimal("29384.70"), "rbkc": Decimal("19589.80")}
        laptops = Asset.objects.filter(order_number="PO-2025-JOINT-01")
        assert laptops.count() == 50
        counts = (CallOff.objects.count(), laptops.count(), PurchaseOrder.objects.count())
        manager = User.objects.get(username="manager")
    spend = services.spend(dpf, manager)
    assert spend.committed == Decimal("1368000.00") and spend.sme_percent > 0
    run("demo", "--through", "contracts")
    with system_scope("test"):
        assert (
            CallOff.objects.count(),
            Asset.objects.filter(order_number="PO-2025-JOINT-01").count(),
            PurchaseOrder.objects.count(),
        ) == counts
