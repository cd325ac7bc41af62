"""The generic test families (core.testing.families) for frameworks, call-offs and
purchasing: frameworks are for chosen councils (an audience), their lots, extensions and lot
suppliers are parts of them; call-offs and purchase requests are one council's; purchase
orders co-owned; lines are parts of their record."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from contracts.procurement import (
    CallOff,
    CallOffLine,
    Framework,
    FrameworkExtension,
    FrameworkLot,
    LotSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    PurchasingSettings,
)
from contracts.tests.procurement_factories import supplier
from core.services import set_audience, set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import ModelFamily

pytestmark = pytest.mark.django_db


def framework_of(partner: Any) -> Framework:
    """The framework `partner` alone may call off from (made once)."""
    with system_scope("test data"):
        found = Framework.objects.filter(reference=f"FW-{partner.code}").first()
        if found is not None:
            return found
        made = Framework.objects.create(
            reference=f"FW-{partner.code}",
            name=f"Framework of {partner.code}",
            ceiling_value=Decimal("100000000"),
            start_date=datetime.date(2024, 1, 1),
            term_months=48,
        )
        set_audience(made, [partner])
        return made


def lot_of(partner: Any) -> FrameworkLot:
    """Lot 1 of `partner`'s framework, with the default supplier on it."""
    framework = framework_of(partner)
    with system_scope("test data"):
        found = FrameworkLot.objects.filter(framework=framework, number=1).first()
        if found is None:
            found = FrameworkLot.objects.create(framework=framework, number=1, title="General")
            LotSupplier.objects.create(lot=found, supplier=supplier())
        return found


def call_off_of(partner: Any) -> CallOff:
    lot = lot_of(partner)
    with system_scope("test data"):
        found = CallOff.objects.filter(partner=partner, reference=f"CO-{partner.code}").first()
        return found or CallOff.objects.create(
            partner=partner,
            reference=f"CO-{partner.code}",
            lot=lot,
            supplier=supplier(),
            value=Decimal("1000"),
            start_date=datetime.date(2025, 1, 1),
        )


def person_of(cast: Cast, partner: Any) -> Any:
    return cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff


def request_of(cast: Cast, partner: Any) -> PurchaseRequest:
    with system_scope("test data"):
        found = PurchaseRequest.objects.filter(reference=f"PR-{partner.code}").first()
        return found or PurchaseRequest.objects.create(
            partner=partner,
            reference=f"PR-{partner.code}",
            title="Docking stations",
            requester=person_of(cast, partner),
        )


def order_of(partner: Any) -> PurchaseOrder:
    with system_scope("test data"):
        found = PurchaseOrder.objects.filter(reference=f"PO-{partner.code}").first()
        if found is not None:
            return found
        made = PurchaseOrder.objects.create(
            reference=f"PO-{partner.code}",
            supplier=supplier(),
            ordered_on=datetime.date(2026, 1, 5),
        )
        set_owner_shares(made, {partner: Decimal("100")})
        return made


class TestFramework(ModelFamily):
    """For the councils that may call off from it: another council's is a 404."""

    model = Framework
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "reference"
    edited_field = "name"
    list_queries = 3
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> Framework:
        n = self.seq()
        made = Framework.objects.create(
            reference=f"FWK-{n:03d}",
            name=f"Quillon framework {n:03d}",
            ceiling_value=Decimal("10000000"),
            start_date=datetime.date(2019, 6, 1),
            term_months=48,
        )
        set_audience(made, [partner])
        return made

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "FWK-NEW",
            "name": "Yeoman framework",
            "description": "",
            "ceiling_value": "500000",
            "start_date": "2026-04-01",
            "term_months": "48",
            "councils": [partner.pk],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "name": "Renamed framework",
            "description": obj.description,
            "ceiling_value": str(obj.ceiling_value),
            "start_date": obj.start_date.isoformat(),
            "term_months": str(obj.term_months),
            "councils": [p.pk for p in obj.audience() if not p.is_former],
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "FWK-NEW",
            "name": "Yeoman framework",
            "ceiling_value": "500000.00",
            "start_date": "2026-04-01",
            "term_months": 48,
            "councils": [partner.code],
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "name": "Renamed framework",
            "description": obj.description,
            "ceiling_value": str(obj.ceiling_value),
            "start_date": obj.start_date.isoformat(),
            "term_months": obj.term_months,
            "hold_over_ceiling": obj.hold_over_ceiling,
            "councils": [p.code for p in obj.audience() if not p.is_former],
        }


class TestFrameworkExtension(ModelFamily):
    """A part of its framework: seen and changed as the framework is."""

    model = FrameworkExtension
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "note"
    edited_field = "note"
    movable = False
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> FrameworkExtension:
        n = self.seq()
        return FrameworkExtension.objects.create(
            framework=framework_of(partner), sequence=n, months=12, note=f"Quillon option {n:03d}"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "framework": framework_of(partner).pk,
            "sequence": "19",
            "months": "24",
            "exercised": "on",
            "exercised_on": "2023-05-01",
            "note": "Joint committee",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "framework": framework_of(partner).reference,
            "sequence": 19,
            "months": 24,
            "exercised": True,
            "exercised_on": "2023-05-01",
            "note": "Joint committee",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "framework": obj.framework_id,
            "sequence": str(obj.sequence),
            "months": str(obj.months),
            "exercised_on": "",
            "note": "Renamed option",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "framework": obj.framework.reference,
            "sequence": obj.sequence,
            "months": obj.months,
            "exercised": False,
            "exercised_on": None,
            "note": "Renamed option",
        }


class TestFrameworkLot(ModelFamily):
    """A part of its framework."""

    model = FrameworkLot
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "title"
    edited_field = "title"
    movable = False
    list_queries = 4
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> FrameworkLot:
        n = self.seq()
        return FrameworkLot.objects.create(
            framework=framework_of(partner), number=100 + n, title=f"Quillon lot {n:03d}"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "framework": framework_of(partner).pk,
            "number": "99",
            "title": "Cyber security",
            "scope": "Penetration testing",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "framework": framework_of(partner).reference}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "framework": obj.framework_id,
            "number": str(obj.number),
            "title": "Renamed lot",
            "scope": obj.scope,
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "framework": obj.framework.reference}


class TestLotSupplier(ModelFamily):
    """A supplier on a lot: a part of the lot (and so of its framework)."""

    model = LotSupplier
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "appointment_reference"
    edited_field = "appointment_reference"
    movable = False
    list_queries = 5
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> LotSupplier:
        n = self.seq()
        return LotSupplier.objects.create(
            lot=lot_of(partner),
            supplier=supplier(f"Quillon Supplies {n:03d}"),
            appointment_reference=f"QX-APPT-{n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "lot": lot_of(partner).pk,
            "supplier": supplier("Zoocha").pk,
            "appointment_reference": "DPF-L5-01",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "supplier": "Zoocha"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"lot": obj.lot_id, "supplier": obj.supplier_id, "appointment_reference": "RENAMED"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "supplier": obj.supplier.name}


class TestCallOff(ModelFamily):
    """A council's call-off: another council's is a 404."""

    model = CallOff
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "reference"
    edited_field = "description"
    movable = False
    list_queries = 7
    api_list_queries = 5

    def make(self, cast: Cast, partner: Any) -> CallOff:
        n = self.seq()
        return CallOff.objects.create(
            partner=partner,
            reference=f"QCO-{n:03d}",
            lot=lot_of(partner),
            supplier=supplier(),
            description="Discovery",
            value=Decimal("1000"),
            start_date=datetime.date(2025, 1, 1),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "reference": "QCO-NEW",
            "lot": lot_of(partner).pk,
            "supplier": supplier().pk,
            "description": "Alpha",
            "deliverables": "A prototype",
            "value": "25000",
            "invoiced": "0",
            "start_date": "2026-04-01",
            "end_date": "",
            "status": "active",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        data = self.create_data(cast, partner)
        return {**data, "partner": partner.code, "supplier": supplier().name, "end_date": None}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "reference": obj.reference,
            "lot": obj.lot_id,
            "supplier": obj.supplier_id,
            "description": "Beta",
            "deliverables": obj.deliverables,
            "value": str(obj.value),
            "invoiced": str(obj.invoiced),
            "start_date": obj.start_date.isoformat(),
            "end_date": "",
            "status": obj.status,
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = self.update_data(cast, obj)
        return {
            **data,
            "partner": obj.partner.code,
            "supplier": obj.supplier.name,
            "end_date": None,
        }


class TestCallOffLine(ModelFamily):
    """A person or skill of a call-off: a part of it."""

    model = CallOffLine
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "role"
    edited_field = "role"
    movable = False
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> CallOffLine:
        n = self.seq()
        return CallOffLine.objects.create(
            call_off=call_off_of(partner),
            role=f"Quillon analyst {n:03d}",
            day_rate=Decimal("650"),
            days=Decimal("20"),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "call_off": call_off_of(partner).pk,
            "role": "Delivery manager",
            "person_name": "",
            "day_rate": "700",
            "days": "40",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "call_off": call_off_of(partner).reference}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "call_off": obj.call_off_id,
            "role": "Renamed role",
            "person_name": obj.person_name,
            "day_rate": str(obj.day_rate),
            "days": str(obj.days),
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "call_off": obj.call_off.reference}


class TestPurchasingSettings(ModelFamily):
    """A council's purchasing settings."""

    model = PurchasingSettings
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "note"
    edited_field = "note"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> PurchasingSettings:
        n = self.seq()
        return PurchasingSettings.objects.create(
            partner=partner,
            applies_from=datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
            approval_threshold=Decimal("2500"),
            note=f"Quillon decision {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "applies_from": "2031-04-01",
            "approval_threshold": "750",
            "note": "Cabinet",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "partner": partner.code}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "applies_from": obj.applies_from.isoformat(),
            "approval_threshold": str(obj.approval_threshold),
            "note": "Renamed decision",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "partner": obj.partner.code}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "applies_from": f"2032-0{n}-01",
                "approval_threshold": "900",
                "note": f"Imported {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = self.import_rows(cast, partner)[0]
        return {**row, "approval_threshold": "lots"}, "approval_threshold"


class TestPurchaseRequest(ModelFamily):
    """A council's purchase request."""

    model = PurchaseRequest
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "reference"
    edited_field = "title"
    movable = False
    list_queries = 7
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> PurchaseRequest:
        n = self.seq()
        return PurchaseRequest.objects.create(
            partner=partner,
            reference=f"QPR-{n:03d}",
            title="Monitors",
            requester=person_of(cast, partner),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "reference": "QPR-NEW",
            "title": "Laptops for new starters",
            "requester": person_of(cast, partner).pk,
            "supplier": "",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.code,
            "reference": "QPR-NEW",
            "title": "Laptops for new starters",
            "requester": person_of(cast, partner).username,
            "supplier": None,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "reference": obj.reference,
            "title": "Renamed request",
            "requester": obj.requester_id,
            "supplier": "",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner.code,
            "reference": obj.reference,
            "title": "Renamed request",
            "requester": obj.requester.username,
            "supplier": None,
        }


class TestPurchaseRequestLine(ModelFamily):
    """A line of a request: a part of it."""

    model = PurchaseRequestLine
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "description"
    edited_field = "description"
    movable = False
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> PurchaseRequestLine:
        n = self.seq()
        return PurchaseRequestLine.objects.create(
            request=request_of(cast, partner),
            description=f"Quillon dock {n:03d}",
            quantity=2,
            unit_price=Decimal("150"),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "request": request_of(cast, partner).pk,
            "description": "Laptop",
            "quantity": "3",
            "unit_price": "899.99",
            "is_hardware": "on",
            "asset_kind": "laptop",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.create_data(cast, partner),
            "request": request_of(cast, partner).reference,
            "is_hardware": True,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "request": obj.request_id,
            "description": "Renamed item",
            "quantity": str(obj.quantity),
            "unit_price": str(obj.unit_price),
            "asset_kind": "",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.update_data(cast, obj),
            "request": obj.request.reference,
            "is_hardware": False,
        }


class TestPurchaseOrder(ModelFamily):
    """An order, one council's or co-owned by the councils of a joint purchase."""

    model = PurchaseOrder
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "reference"
    edited_field = "notes"
    list_queries = 5
    api_list_queries = 5

    def make(self, cast: Cast, partner: Any) -> PurchaseOrder:
        n = self.seq()
        made = PurchaseOrder.objects.create(
            reference=f"QPO-{n:03d}", supplier=supplier(), ordered_on=datetime.date(2026, 2, 1)
        )
        set_owner_shares(made, {partner: Decimal("100")})
        return made

    def sample(self, cast: Cast) -> PurchaseOrder:
        # Co-owned with a former partner, whose name must not reach rbkc either.
        made = self.make(cast, cast.wcc)
        with system_scope("test data"):
            set_owner_shares(made, {cast.wcc: Decimal("60"), cast.lbhf: Decimal("40")})
        return made

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "QPO-NEW",
            "supplier": supplier().pk,
            "ordered_on": "2026-03-01",
            "notes": "Urgent",
            f"share_{partner.pk}": "100",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "QPO-NEW",
            "supplier": supplier().name,
            "ordered_on": "2026-03-01",
            "notes": "Urgent",
            "owner_shares": [{"partner": partner.code, "percentage": "100"}],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {
            "reference": obj.reference,
            "supplier": obj.supplier_id,
            "ordered_on": obj.ordered_on.isoformat(),
            "notes": "Renamed notes",
        }
        for share in obj.owner_shares():
            data[f"share_{share.partner_id}"] = str(share.percentage)
        return data

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "supplier": obj.supplier.name,
            "ordered_on": obj.ordered_on.isoformat(),
            "notes": "Renamed notes",
            "owner_shares": [
                {"partner": s.partner.code, "percentage": str(s.percentage)}
                for s in obj.owner_shares()
            ],
        }


class TestPurchaseOrderLine(ModelFamily):
    """A line of an order: a part of it."""

    model = PurchaseOrderLine
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "description"
    edited_field = "description"
    movable = False
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> PurchaseOrderLine:
        n = self.seq()
        return PurchaseOrderLine.objects.create(
            order=order_of(partner),
            description=f"Quillon monitor {n:03d}",
            quantity=4,
            unit_price=Decimal("120"),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "order": order_of(partner).pk,
            "description": "Laptop",
            "quantity": "3",
            "unit_price": "899.99",
            "is_hardware": "on",
            "asset_kind": "laptop",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.create_data(cast, partner),
            "order": order_of(partner).reference,
            "is_hardware": True,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "order": obj.order_id,
            "description": "Renamed item",
            "quantity": str(obj.quantity),
            "unit_price": str(obj.unit_price),
            "asset_kind": "",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "order": obj.order.reference, "is_hardware": False}
