"""The generic test families (core.testing.families) for the licences' models: products (a
catalogue), agreements (co-owned) and assignments (one council's)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import ModelFamily
from licences.choices import LicenceKind
from licences.models import Installation, LicenceAgreement, LicenceAssignment, SoftwareProduct
from licences.tests.factories import agreement, device, product

pytestmark = pytest.mark.django_db


class TestSoftwareProduct(ModelFamily):
    """Readable by every signed-in person; written by shared-service staff only."""

    model = SoftwareProduct
    permitted = "manager"
    denied = ("wcc_lead", "rbkc_lead", "wcc_staff")
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> SoftwareProduct:
        n = self.seq()
        return SoftwareProduct.objects.create(
            name=f"Orrery Suite {n:03d}", publisher="Orrery Ltd", eol_product="office"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "Zephyr Mapping",
            "publisher": "Zephyr GIS",
            "eol_product": "",
            "description": "Planning maps",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "name": "Renamed Orrery",
            "publisher": obj.publisher,
            "eol_product": obj.eol_product,
            "description": obj.description,
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": f"Imported product {n}",
                "publisher": "Imported Ltd",
                "eol_product": "windows",
                "description": "",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "name": "Bad product"}
        return {**row, "eol_product": "Windows 7!"}, "eol_product"


class TestLicenceAgreement(ModelFamily):
    """Visible to each owner's people; another council's is a 404."""

    model = LicenceAgreement
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "reference"
    edited_field = "supplier"
    list_queries = 5
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> LicenceAgreement:
        n = self.seq()
        return agreement(f"LIC-{n:03d}", {partner: 100}, supplier=f"Quill Reseller {n:03d}")

    def sample(self, cast: Cast) -> LicenceAgreement:
        # Co-owned with a former partner, whose name must not reach rbkc either.
        made = self.make(cast, cast.wcc)
        with system_scope("test data"):
            set_owner_shares(made, {cast.wcc: Decimal("60"), cast.lbhf: Decimal("40")})
        return made

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "LIC-NEW",
            "product": product().pk,
            "kind": LicenceKind.SUBSCRIPTION,
            "quantity": "25",
            "unit_cost": "12.50",
            "supplier": "Yeoman Software",
            "starts_on": "2026-04-01",
            "ends_on": "",
            "renewal_on": "2027-04-01",
            "remind_days": "90",
            "notes": "",
            f"share_{partner.pk}": "100",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "LIC-NEW",
            "product": product().name,
            "kind": LicenceKind.SUBSCRIPTION,
            "quantity": 25,
            "unit_cost": "12.50",
            "supplier": "Yeoman Software",
            "starts_on": "2026-04-01",
            "ends_on": None,
            "renewal_on": "2027-04-01",
            "remind_days": 90,
            "notes": "",
            "owner_shares": [{"partner": partner.code, "percentage": "100"}],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {
            "reference": obj.reference,
            "product": obj.product_id,
            "kind": obj.kind,
            "quantity": str(obj.quantity),
            "unit_cost": str(obj.unit_cost),
            "supplier": "Renamed Reseller",
            "starts_on": obj.starts_on.isoformat(),
            "ends_on": "",
            "renewal_on": "",
            "remind_days": str(obj.remind_days),
            "notes": obj.notes,
        }
        for share in obj.owner_shares():
            data[f"share_{share.partner_id}"] = str(share.percentage)
        return data

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "product": obj.product.name,
            "kind": obj.kind,
            "quantity": obj.quantity,
            "unit_cost": str(obj.unit_cost),
            "supplier": "Renamed Reseller",
            "starts_on": obj.starts_on.isoformat(),
            "ends_on": None,
            "renewal_on": None,
            "remind_days": obj.remind_days,
            "notes": obj.notes,
            "owner_shares": [
                {"partner": s.partner.code, "percentage": str(s.percentage)}
                for s in obj.owner_shares()
            ],
        }


class TestLicenceAssignment(ModelFamily):
    """A council's lead assigns its seats; requesters and auditors read; rbkc sees nothing."""

    model = LicenceAssignment
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "note"
    edited_field = "note"
    movable = False
    list_queries = 7
    api_list_queries = 5

    def person(self, cast: Cast, partner: Any) -> Any:
        return cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff

    def make(self, cast: Cast, partner: Any) -> LicenceAssignment:
        n = self.seq()
        held = agreement(f"SEAT-{partner.code}-{n:03d}", {partner: 100})
        with system_scope("test data"):
            return LicenceAssignment.objects.create(
                partner=partner,
                agreement=held,
                person=self.person(cast, partner),
                assigned_on=datetime.date(2026, 1, 5),
                note=f"Seat for the planning team {n:03d}",
            )

    def held(self, cast: Cast, partner: Any) -> LicenceAgreement:
        with system_scope("test data"):
            found = LicenceAgreement.objects.filter(reference=f"POOL-{partner.code}").first()
        return found or agreement(f"POOL-{partner.code}", {partner: 100}, quantity=50)

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "agreement": self.held(cast, partner).pk,
            "person": self.person(cast, partner).pk,
            "device": "",
            "assigned_on": "2026-02-02",
            "note": "A new starter",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.code,
            "agreement": self.held(cast, partner).reference,
            "person": self.person(cast, partner).username,
            "assigned_on": "2026-02-02",
            "note": "A new starter",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "agreement": obj.agreement_id,
            "person": obj.person_id,
            "device": "",
            "assigned_on": obj.assigned_on.isoformat(),
            "note": "Moved to the housing team",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner.code,
            "agreement": obj.agreement.reference,
            "person": obj.person.username,
            "assigned_on": obj.assigned_on.isoformat(),
            "note": "Moved to the housing team",
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        people = (
            [cast.wcc_staff, cast.wcc_colleague]
            if partner == cast.wcc
            else [cast.rbkc_staff, cast.rbkc_lead]
        )
        pool = self.held(cast, partner)
        return [
            {
                "partner": partner.code,
                "agreement": pool.reference,
                "person": person.username,
                "device": "",
                "assigned_on": "2026-03-01",
                "note": f"Imported seat {n}",
            }
            for n, person in enumerate(people, 1)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = self.import_rows(cast, partner)[0]
        return {**row, "assigned_on": "the first of March"}, "assigned_on"


class TestInstallation(ModelFamily):
    """A council's lead records (and imports) what its devices run; rbkc sees none of it."""

    model = Installation
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "source"
    edited_field = "product_version"
    movable = False
    list_queries = 6
    api_list_queries = 5

    def laptop(self, cast: Cast, partner: Any) -> Any:
        from assets.models import Asset

        tag = f"LT-{partner.code.upper()}-1"
        with system_scope("test data"):
            found = Asset.objects.filter(asset_tag=tag).first()
        return found or device(tag, {partner: 100})

    def make(self, cast: Cast, partner: Any) -> Installation:
        n = self.seq()
        return Installation.objects.create(
            partner=partner,
            device=self.laptop(cast, partner),
            product=product(),
            product_version=f"16.0.{n:05d}",
            detected_on=datetime.date(2026, 11, 30),
            source=f"Inventory sweep {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "device": self.laptop(cast, partner).pk,
            "product": product().pk,
            "product_version": "17.1",
            "detected_on": "2026-12-01",
            "source": "Intune",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.create_data(cast, partner),
            "partner": partner.code,
            "device": self.laptop(cast, partner).asset_tag,
            "product": product().name,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "device": obj.device_id,
            "product": obj.product_id,
            "product_version": "18.0",
            "detected_on": obj.detected_on.isoformat(),
            "source": obj.source,
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.update_data(cast, obj),
            "partner": obj.partner.code,
            "device": obj.device.asset_tag,
            "product": obj.product.name,
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "device": self.laptop(cast, partner).asset_tag,
                "product": product().name,
                "product_version": f"19.{n}",
                "detected_on": "2026-12-02",
                "source": "SCCM",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = self.import_rows(cast, partner)[0]
        return {**row, "product": "No such software"}, "product"
