"""Purchasing: a request above its council's threshold waits for the council's IT lead (who
is emailed); approved requests of several councils become one order whose cost is split by
quantity to the penny; goods received become asset records of the councils that asked."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import procurement_services as services
from contracts.procurement import PurchaseOrderLine, PurchasingSettings
from contracts.tests.procurement_factories import purchase_request, supplier
from core.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def fresh(record: Any) -> Any:
    with system_scope("test"):
        return type(record).objects.get(pk=record.pk)


# The split ---------------------------------------------------------------------------------


@given(
    pence=st.integers(min_value=0, max_value=10**11),
    quantities=st.dictionaries(
        st.sampled_from(["wcc", "rbkc", "lbhf", "hf", "ealing"]),
        st.integers(min_value=0, max_value=10_000),
        min_size=1,
    ),
)
@settings(max_examples=300, deadline=None)
def test_the_split_sums_to_the_total_to_the_penny_and_is_fair(pence, quantities):
    total = Decimal(pence) / 100
    parts = services.split_by_quantity(total, quantities)
    units = sum(quantities.values())
    assert set(parts) == set(quantities)
    assert all(p == p.quantize(Decimal("0.01")) and p >= 0 for p in parts.values())
    if units == 0:
        assert all(p == 0 for p in parts.values())
        return
    assert sum(parts.values()) == total
    floors = {key: (pence * q // units) for key, q in quantities.items()}
    extra = {key for key in quantities if parts[key] * 100 != floors[key]}
    for key, q in quantities.items():
        # Each part is its share rounded down, or one penny more: never a penny further off.
        assert parts[key] * 100 - floors[key] in (0, 1)
        assert abs(parts[key] - Decimal(pence * q) / units / 100) <= Decimal("0.01")
        if q == 0:
            assert parts[key] == 0
    # The pennies that do not divide go to the largest shares.
    assert len(extra) == pence - sum(floors.values())
    if extra:
        smallest_with = min(quantities[key] for key in extra)
        assert all(quantities[key] <= smallest_with for key in quantities if key not in extra)
    # The same every time, whatever order the councils come in.
    assert services.split_by_quantity(total, dict(reversed(list(quantities.items())))) == parts


def test_the_spare_pennies_go_to_the_largest_shares():
    parts = services.split_by_quantity(Decimal("10.00"), {"wcc": 2, "rbkc": 1})
    assert parts == {"wcc": Decimal("6.67"), "rbkc": Decimal("3.33")}
    parts = services.split_by_quantity(Decimal("0.02"), {"a": 1, "b": 1, "c": 1})
    assert parts == {"a": Decimal("0.01"), "b": Decimal("0.01"), "c": Decimal("0.00")}
    with pytest.raises(ValueError):
        services.split_by_quantity(Decimal("1.005"), {"a": 1})


# Requests ----------------------------------------------------------------------------------


@pytest.fixture
def people(cast):
    with system_scope("test"):
        for person in (cast.wcc_staff, cast.wcc_lead, cast.rbkc_lead, cast.manager):
            person.email = f"{person.username}@example.test"
            person.save()
    return cast


def test_below_the_threshold_a_request_is_approved_at_once(people):
    cast = people
    request = purchase_request(cast.wcc, cast.wcc_staff, "PR-1", [("Mouse", 10, "15.00", False)])
    assert request.total == Decimal("150.00")
    services.submit_request(request, cast.wcc_staff)
    assert fresh(request).status == "approved"


def test_above_the_council_s_threshold_its_lead_is_emailed_and_decides(
    people, smtp_server, django_capture_on_commit_callbacks
):
    cast = people
    with system_scope("test"):
        PurchasingSettings.objects.create(
            partner=cast.wcc,
            applies_from=datetime.date(2020, 1, 1),
            approval_threshold=Decimal("500"),
        )
        PurchasingSettings.objects.create(
            partner=cast.wcc,
            applies_from=datetime.date(2999, 1, 1),
            approval_threshold=Decimal("5"),
        )
    request = purchase_request(cast.wcc, cast.wcc_staff, "PR-2", [("Laptop", 1, "900.00", True)])
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_request(request, cast.wcc_staff)
    assert fresh(request).status == "awaiting_approval"
    # The council's lead, nobody else (not rbkc's lead, not the requester).
    assert [str(m["To"]) for m in smtp_server.messages] == ["wcc.lead@example.test"]
    message = smtp_server.messages[0]
    assert message["Subject"].startswith("[PR-2] Purchase request awaiting your approval")
    assert "/purchase-requests/" in message.get_body(("plain",)).get_content()
    with pytest.raises(PermissionDenied):
        services.decide_request(fresh(request), cast.rbkc_lead, approve=True)
    with pytest.raises(PermissionDenied):
        services.decide_request(fresh(request), cast.wcc_staff, approve=True)
    with system_scope("test"):
        services.decide_request(fresh(request), cast.wcc_lead, approve=True)
    decided = fresh(request)
    assert (decided.status, decided.decided_by) == ("approved", cast.wcc_lead)


def test_the_default_threshold_applies_without_settings(people):
    cast = people
    request = purchase_request(cast.rbkc, cast.rbkc_lead, "PR-3", [("Dock", 5, "200.01", True)])
    services.submit_request(request, cast.rbkc_lead)
    assert fresh(request).status == "awaiting_approval"


def test_the_api_submits_and_the_lead_approves(people, api_client_for):
    cast = people
    request = purchase_request(cast.wcc, cast.wcc_staff, "PR-4", [("Server", 1, "5000", True)])
    submitted = api_client_for(cast.wcc_lead).post(
        f"/api/v1/purchase-requests/{request.pk}/submit/"
    )
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "awaiting_approval"
    refused = api_client_for(cast.rbkc_lead).post(
        f"/api/v1/purchase-requests/{request.pk}/approve/"
    )
    assert refused.status_code == 404
    approved = api_client_for(cast.wcc_lead).post(
        f"/api/v1/purchase-requests/{request.pk}/approve/"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api_client_for(cast.wcc_lead).post(f"/api/v1/purchase-requests/{request.pk}/approve/")
    assert again.status_code == 400
    assert again.json()["errors"][0]["field"] == "status"


# Joint orders and goods received -----------------------------------------------------------


def approved(cast: Any, partner: Any, person: Any, ref: str, lines: list[Any]) -> Any:
    request = purchase_request(partner, person, ref, lines)
    with system_scope("test"):
        services.submit_request(request, person)
        request = fresh(request)
        if request.status == "awaiting_approval":
            lead = cast.wcc_lead if partner == cast.wcc else cast.rbkc_lead
            services.decide_request(request, lead, approve=True)
    return fresh(request)


def test_a_joint_order_splits_the_cost_by_quantity_and_receives_into_assets(people):
    from assets.models import Asset

    cast = people
    laptop = ("Latitude 5450 laptop", 3, "1000.01", True)
    w = approved(
        cast, cast.wcc, cast.wcc_lead, "PR-W", [("Latitude 5450 laptop", 2, "1000.01", True)]
    )
    r = approved(
        cast, cast.rbkc, cast.rbkc_lead, "PR-R", [laptop, ("Laptop bag", 1, "20.00", False)]
    )
    dell = supplier("Dell", is_sme=False)
    with system_scope("test"):
        order = services.raise_order([w, r], "PO-JOINT-1", dell)
        order = fresh(order)
        split = services.cost_split(order)
    # 5 laptops at £1,000.01 = £5,000.05, split 2:3; the bag is Kensington and Chelsea's.
    assert order.total == Decimal("5020.05")
    assert {p.code: v for p, v in split.items()} == {
        "wcc": Decimal("2000.02"),
        "rbkc": Decimal("3020.03"),
    }
    assert sum(split.values()) == order.total
    shares = {s.partner.code: s.percentage for s in order.owner_shares()}
    assert shares == {"wcc": Decimal("39.84"), "rbkc": Decimal("60.16")}
    assert (fresh(w).status, fresh(r).status) == ("ordered", "ordered")
    with system_scope("test"):
        line = PurchaseOrderLine.objects.get(order=order, is_hardware=True)
        bag = PurchaseOrderLine.objects.get(order=order, is_hardware=False)
        first = services.receive(line, 4)
        assert services.receive(bag, 1) == []
        with pytest.raises(ValidationError) as refused:
            services.receive(line, 2)
        assert "Only 1 of 5" in refused.value.message_dict["quantity"][0]
        last = services.receive(line, 1)
        made = Asset.objects.filter(order_number="PO-JOINT-1").order_by("asset_tag")
        owners = [a.owning_partner_ids() for a in made]
    # Three units for rbkc (who asked for most), two for wcc: one asset per unit.
    assert len(first) == 4 and len(last) == 1 and len(owners) == 5
    assert sorted(o[0] for o in owners) == sorted([cast.rbkc.pk] * 3 + [cast.wcc.pk] * 2)
    assert all(a.state == "in_stock" and a.purchase_cost == Decimal("1000.01") for a in made)
    assert fresh(order).status == "received"
    # Each council's people see their own council's laptops and not the other's.
    assert Asset.objects.visible_to(cast.wcc_lead).filter(order_number="PO-JOINT-1").count() == 2


def test_only_approved_requests_are_ordered(people):
    cast = people
    draft = purchase_request(cast.wcc, cast.wcc_staff, "PR-D", [("Cable", 1, "5.00", False)])
    with pytest.raises(ValidationError) as refused, system_scope("test"):
        services.raise_order([draft], "PO-X", supplier())
    assert "PR-D is draft" in refused.value.message_dict["requests"][0]


def test_the_api_orders_requests_together_and_receives(people, api_client_for):
    cast = people
    w = approved(cast, cast.wcc, cast.wcc_lead, "PR-A1", [("Monitor", 1, "150.00", True)])
    r = approved(cast, cast.rbkc, cast.rbkc_lead, "PR-A2", [("Monitor", 2, "150.00", True)])
    supplier("Dell", is_sme=False)
    manager = api_client_for(cast.manager)
    made = manager.post(
        "/api/v1/purchase-orders/from-requests/",
        {"requests": [w.pk, r.pk], "reference": "PO-API", "supplier": "Dell"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["total"] == "450.00"
    assert {p["council"]: p["amount"] for p in body["cost_split"]} == {
        "wcc": "150.00",
        "rbkc": "300.00",
    }
    with system_scope("test"):
        line = PurchaseOrderLine.objects.get(order_id=body["id"])
    received = manager.post(
        f"/api/v1/purchase-orders/{body['id']}/receive/",
        {"line": line.pk, "quantity": 3},
        format="json",
    )
    assert received.status_code == 200, received.json()
    assert received.json()["status"] == "received"
    too_many = manager.post(
        f"/api/v1/purchase-orders/{body['id']}/receive/",
        {"line": line.pk, "quantity": 1},
        format="json",
    )
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["field"] == "quantity"
    # Kensington and Chelsea's lead sees the joint order (a co-owner) but not a wcc-only one.
    assert (
        api_client_for(cast.rbkc_lead).get(f"/api/v1/purchase-orders/{body['id']}/").status_code
        == 200
    )


def test_the_home_page_counts_what_awaits_the_reader(people, client_for):
    from contracts.procurement_views import procurement_home_needs
    from contracts.tests.procurement_factories import call_off, framework

    cast = people
    waiting = purchase_request(cast.wcc, cast.wcc_staff, "PR-H", [("Server", 1, "9000", True)])
    services.submit_request(waiting, cast.wcc_staff)
    _, (lot,) = framework(councils=[cast.wcc], ceiling="10.00", hold=True)
    call_off(lot, cast.wcc, "W-HELD", "20.00")
    needs = {n.label: n.count for n in procurement_home_needs(cast.wcc_lead)}
    assert needs == {"Purchase requests awaiting your approval": 1}
    assert procurement_home_needs(cast.rbkc_lead) == []
    assert procurement_home_needs(cast.wcc_staff) == []
    needs = {n.label: n.count for n in procurement_home_needs(cast.manager)}
    assert needs == {"Call-offs held past a framework's ceiling": 1}
    page = client_for(cast.wcc_lead).get("/").content.decode()
    main = page[page.find("What needs you") :]
    assert "Purchase requests awaiting your approval" in page, main[:3000]
