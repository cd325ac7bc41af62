"""The generic test families (core.testing.families) for the asset register's models.

Each class declares who may do what and how to make sample records; the families generate the
page and API tests. Rules have their own modules (test_lifecycle, test_impact...).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from assets.models import (
    Asset,
    CIRelationship,
    ConfigurationItem,
    HardwareModel,
    Manufacturer,
    StocktakePolicy,
)
from assets.tests.factories import hardware_model
from core.services import set_owner_shares
from core.testing.cast import Cast
from core.testing.families import ModelFamily

pytestmark = pytest.mark.django_db


class TestManufacturer(ModelFamily):
    """A catalogue: every signed-in person reads it, shared-service staff edit it."""

    model = Manufacturer
    permitted = "manager"
    denied = ("wcc_lead", "rbkc_lead", "wcc_staff")
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> Manufacturer:
        return Manufacturer.objects.create(name=f"Quillon Systems {self.seq():03d}")

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"name": "Zephyr Devices"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"name": "Renamed maker"}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [{"name": f"Imported maker {n}"} for n in (1, 2)]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {"name": "x" * 101}, "name"


class TestHardwareModel(ModelFamily):
    """A catalogue of models, by manufacturer, with their end of life."""

    model = HardwareModel
    permitted = "manager"
    denied = ("wcc_lead", "rbkc_lead", "wcc_staff")
    outsider = None
    list_queries = 5
    api_list_queries = 3

    def maker(self) -> Manufacturer:
        return hardware_model().manufacturer

    def make(self, cast: Cast, partner: Any) -> HardwareModel:
        return HardwareModel.objects.create(
            manufacturer=self.maker(), name=f"Quillbook {self.seq():03d}", kind="laptop"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "manufacturer": self.maker().pk,
            "name": "Zephyrbook 14",
            "kind": "laptop",
            "model_number": "ZB14",
            "end_of_life": "2031-03-31",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "manufacturer": self.maker().name}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "manufacturer": obj.manufacturer_id,
            "name": "Renamed model",
            "kind": obj.kind,
            "model_number": obj.model_number,
            "end_of_life": "",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.update_data(cast, obj),
            "manufacturer": obj.manufacturer.name,
            "end_of_life": None,
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        maker = self.maker().name
        return [
            {
                "manufacturer": maker,
                "name": f"Imported model {n}",
                "kind": "desktop",
                "model_number": "",
                "end_of_life": "2030-01-31",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "name": "Bad model"}
        return {**row, "kind": "hovercraft"}, "kind"


class TestAsset(ModelFamily):
    """A council's lead and the desk manage assets; requesters and auditors do not change
    them; another council's asset is a 404."""

    model = Asset
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "name"
    identity_field = "asset_tag"
    list_queries = 6
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> Asset:
        n = self.seq()
        asset = Asset.objects.create(
            kind="laptop",
            asset_tag=f"QA-{n:05d}",
            serial_number=f"SN-QA-{n:05d}",
            name=f"Quillon laptop {n:03d}",
            hardware_model=hardware_model(),
            os_name="Windows 10 Enterprise",
            os_version="22H2",
        )
        set_owner_shares(asset, {partner: Decimal("100")})
        return asset

    def sample(self, cast: Cast) -> Asset:
        # Co-owned with a former partner, whose name must not reach rbkc either.
        asset = self.make(cast, cast.wcc)
        set_owner_shares(asset, {cast.wcc: Decimal("60"), cast.lbhf: Decimal("40")})
        return asset

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "kind": "desktop",
            "asset_tag": "NEW-00001",
            "serial_number": "SN-NEW-1",
            "name": "Xerxes desktop",
            "hardware_model": hardware_model().pk,
            "os_name": "Windows 11 Enterprise",
            "os_version": "23H2",
            "assigned_to": "",
            "site": "",
            "purchased_on": "2024-04-01",
            "purchase_cost": "899.00",
            "order_number": "PO-1",
            "supplier": "Softcat",
            "warranty_ends": "2027-03-31",
            "notes": "",
            f"share_{partner.pk}": "100",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        data = self.create_data(cast, partner)
        data = {k: v for k, v in data.items() if not k.startswith("share_")}
        return {
            **data,
            "hardware_model": hardware_model().name,
            "assigned_to": None,
            "site": None,
            "owner_shares": [{"partner": partner.code, "percentage": "100"}],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {
            "kind": obj.kind,
            "asset_tag": obj.asset_tag,
            "serial_number": obj.serial_number,
            "name": "Renamed laptop",
            "hardware_model": obj.hardware_model_id or "",
            "os_name": obj.os_name,
            "os_version": obj.os_version,
            "assigned_to": "",
            "site": "",
            "purchased_on": "",
            "purchase_cost": "",
            "order_number": "",
            "supplier": "",
            "warranty_ends": "",
            "notes": "",
        }
        for share in obj.owner_shares():
            data[f"share_{share.partner_id}"] = str(share.percentage)
        return data

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {k: v for k, v in self.update_data(cast, obj).items() if not k.startswith("share_")}
        return {
            **data,
            "hardware_model": obj.hardware_model.name if obj.hardware_model else None,
            "assigned_to": None,
            "site": None,
            "purchased_on": None,
            "purchase_cost": None,
            "warranty_ends": None,
            "owner_shares": [
                {"partner": s.partner.code, "percentage": str(s.percentage)}
                for s in obj.owner_shares()
            ],
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "owner_shares": partner.code,
                "kind": "laptop",
                "asset_tag": f"IMP-{n:05d}",
                "serial_number": f"SN-IMP-{n}",
                "name": f"Imported laptop {n}",
                "hardware_model": hardware_model().name,
                "os_name": "Windows 7 Professional",
                "os_version": "",
                "site": "",
                "purchased_on": "2014-04-01",
                "purchase_cost": "450.00",
                "order_number": "",
                "supplier": "",
                "warranty_ends": "",
                "notes": "",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "asset_tag": "BAD-1", "serial_number": "BAD"}
        return {**row, "purchase_cost": "lots"}, "purchase_cost"


class TestStocktakePolicy(ModelFamily):
    """A council's lead sets how often its assets must be seen."""

    model = StocktakePolicy
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "note"
    identity_field = "note"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> StocktakePolicy:
        return StocktakePolicy.objects.create(
            partner=partner,
            kind="server",
            check_every_months=6,
            note=f"Quillon rule {self.seq():03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"partner": partner.pk, "kind": "", "check_every_months": "9", "note": "Xerxes"}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"partner": partner.code, "kind": "", "check_every_months": 9, "note": "Xerxes"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "kind": obj.kind,
            "check_every_months": "6",
            "note": "Renamed rule",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "partner": obj.partner.code, "check_every_months": 6}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "kind": "laptop",
                "check_every_months": "8",
                "note": f"Imp {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "note": "Bad rule"}
        return {**row, "check_every_months": "0"}, "check_every_months"


class TestConfigurationItem(ModelFamily):
    """Services and applications, co-owned where councils share them."""

    model = ConfigurationItem
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> ConfigurationItem:
        item = ConfigurationItem.objects.create(
            name=f"Quillon housing system {self.seq():03d}", kind="application"
        )
        set_owner_shares(item, {partner: Decimal("100")})
        return item

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "Xerxes CRM",
            "kind": "application",
            "description": "",
            "asset": "",
            "owner": "",
            "is_live": "on",
            f"share_{partner.pk}": "100",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "Xerxes CRM",
            "kind": "application",
            "description": "",
            "asset": None,
            "owner": None,
            "is_live": True,
            "owner_shares": [{"partner": partner.code, "percentage": "100"}],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {
            "name": "Renamed system",
            "kind": obj.kind,
            "description": obj.description,
            "asset": "",
            "owner": "",
            "is_live": "on",
        }
        for share in obj.owner_shares():
            data[f"share_{share.partner_id}"] = str(share.percentage)
        return data

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "name": "Renamed system",
            "kind": obj.kind,
            "description": obj.description,
            "asset": None,
            "owner": None,
            "is_live": True,
            "owner_shares": [
                {"partner": s.partner.code, "percentage": str(s.percentage)}
                for s in obj.owner_shares()
            ],
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "owner_shares": partner.code,
                "name": f"Imported service {n}",
                "kind": "service",
                "description": "",
                "asset": "",
                "owner": "",
                "is_live": "yes",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "name": "Bad service"}
        return {**row, "kind": "spaceship"}, "kind"


class TestCIRelationship(ModelFamily):
    """Seen and changed by those who see its item; another council's is a 404."""

    model = CIRelationship
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "note"
    identity_field = "note"
    list_queries = 4
    api_list_queries = 3

    def item(self, partner: Any, name: str) -> ConfigurationItem:
        found = ConfigurationItem.objects.unscoped("test data").filter(name=name).first()
        if found is not None:
            return found
        item = ConfigurationItem.objects.create(name=name, kind="server")
        set_owner_shares(item, {partner: Decimal("100")})
        return item

    def make(self, cast: Cast, partner: Any) -> CIRelationship:
        n = self.seq()
        return CIRelationship.objects.create(
            source=self.item(partner, f"{partner.code} app {n:03d}"),
            kind="runs_on",
            target=self.item(partner, f"{partner.code} server {n:03d}"),
            note=f"Quillon link {n:03d}",
        )

    def ends(self, partner: Any) -> tuple[ConfigurationItem, ConfigurationItem]:
        from core.tenancy.scoping import system_scope

        with system_scope("test data"):
            return (
                self.item(partner, f"{partner.code} new app"),
                self.item(partner, f"{partner.code} new server"),
            )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        source, target = self.ends(partner)
        return {"source": source.pk, "kind": "runs_on", "target": target.pk, "note": "Xerxes"}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        source, target = self.ends(partner)
        return {"source": source.name, "kind": "runs_on", "target": target.name, "note": "Xerxes"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "source": obj.source_id,
            "kind": obj.kind,
            "target": obj.target_id,
            "note": "Renamed link",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "source": obj.source.name,
            "kind": obj.kind,
            "target": obj.target.name,
            "note": "Renamed link",
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        source, target = self.ends(partner)
        return [
            {"source": source.name, "kind": kind, "target": target.name, "note": f"Imported {n}"}
            for n, kind in ((1, "runs_on"), (2, "depends_on"))
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        source, _ = self.ends(partner)
        return {"source": source.name, "kind": "runs_on", "target": "No such item"}, "target"
