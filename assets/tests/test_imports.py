"""Asset imports from real files: Concord's own CSV and XLSX, a Snipe-IT asset export, an
Intune "All devices" export and GLPI inventory JSON, through the foundation's import (dry
run, all or nothing, page, API, command). Re-importing updates by serial number or asset tag."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from assets.models import Asset
from assets.tests.factories import FILES, asset, hardware_model, import_file
from core.importing import import_records
from core.testing.cast import Cast
from core.testing.families import content_of, unscoped

pytestmark = pytest.mark.django_db

run = import_file


def held(tag: str = "", serial: str = "") -> Asset:
    rows = unscoped(Asset)
    return rows.get(asset_tag=tag) if tag else rows.get(serial_number=serial)


def owners(record: Asset) -> dict[str, Decimal]:
    return {s.partner.code: s.percentage for s in record.owner_shares()}


def test_concord_csv_with_shares(cast: Cast) -> None:
    hardware_model("Latitude 5440")
    checked = run("concord_assets.csv", cast.agent, dry_run=True)
    assert checked.ok, checked.errors
    assert (checked.created, checked.updated) == (2, 0)
    assert not unscoped(Asset).exists()
    result = run("concord_assets.csv", cast.agent)
    assert result.ok and result.created == 2
    switch = held("SHARED-SW-01")
    assert owners(switch) == {"wcc": Decimal("50.00"), "rbkc": Decimal("50.00")}
    laptop = held("WCC-000301")
    assert owners(laptop) == {"wcc": Decimal("100.00")}
    assert laptop.hardware_model is not None and laptop.support_ends is not None


def test_reimport_updates_instead_of_duplicating(cast: Cast) -> None:
    hardware_model("Latitude 5440")
    run("concord_assets.csv", cast.agent)
    again = run("concord_assets.csv", cast.agent, dry_run=True)
    assert (again.created, again.updated) == (0, 2)
    assert run("concord_assets.csv", cast.agent).updated == 2
    assert unscoped(Asset).count() == 2


def test_a_council_imports_only_for_itself(cast: Cast) -> None:
    hardware_model("Latitude 5440")
    result = run("concord_assets.csv", cast.wcc_lead)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "owner_shares")]
    assert "rbkc" in result.errors[0].message
    assert not unscoped(Asset).exists(), "all or nothing"


def test_xlsx_by_labels(cast: Cast) -> None:
    result = run("rbkc_assets.xlsx", cast.rbkc_lead)
    assert result.ok, result.errors
    server = held("RBKC-000402")
    assert server.kind == "server" and server.purchase_cost == Decimal("2400.00")
    assert server.eol_release == "2012"
    assert owners(server) == {"rbkc": Decimal("100.00")}


def test_snipeit_export(cast: Cast) -> None:
    hardware_model("Latitude 5440")
    checked = run("snipeit_assets.csv", cast.agent, dry_run=True)
    assert checked.ok, checked.errors
    assert checked.source_format == "Snipe-IT asset export"
    assert (checked.created, checked.updated) == (2, 0)
    run("snipeit_assets.csv", cast.agent)
    laptop = held("WCC-000101")
    assert laptop.kind == "laptop" and laptop.serial_number == "5CD3101XYZ"
    assert laptop.purchase_cost == Decimal("1049.00")
    assert str(laptop.warranty_ends) == "2026-04-03"
    assert laptop.hardware_model is not None and laptop.hardware_model.name == "Latitude 5440"
    assert owners(laptop) == {"wcc": Decimal("100.00")}
    desktop = held("WCC-000102")
    assert desktop.kind == "desktop" and str(desktop.purchased_on) == "2016-09-02"
    assert desktop.hardware_model is None and "HP EliteDesk 800 G1" in desktop.notes
    assert run("snipeit_assets.csv", cast.agent, dry_run=True).updated == 2


def test_snipeit_problems_name_its_columns_and_nothing_is_written(cast: Cast) -> None:
    hardware_model("Latitude 5440")
    result = run("snipeit_bad.csv", cast.agent)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "Purchase Cost"),
        (4, "Purchase Date"),
    ]
    assert not unscoped(Asset).exists()


def test_intune_export_matches_devices_already_held(cast: Cast) -> None:
    existing = asset(cast.wcc, asset_tag="WCC-000101", serial_number="5cd3101xyz")
    checked = run("intune_devices.csv", cast.wcc_lead, dry_run=True)
    assert checked.ok, checked.errors
    assert checked.source_format == "Intune device export"
    assert (checked.created, checked.updated) == (2, 1)
    run("intune_devices.csv", cast.wcc_lead)
    existing.refresh_from_db()
    assert existing.asset_tag == "WCC-000101", "the tag the file lacks is kept"
    assert existing.name == "WCC-LT-0101"
    assert (existing.eol_product, existing.eol_release) == ("windows", "11-23h2-e")
    old = held(serial="8CG9007OLD")
    assert old.eol_release == "10-22h2" and old.kind == "laptop"
    phone = held(serial="F2LXK0AAHG7F")
    assert phone.kind == "phone" and phone.eol_product == "ios"
    assert owners(phone) == {"wcc": Decimal("100.00")}


def test_intune_needs_a_council_from_the_shared_service(cast: Cast) -> None:
    result = run("intune_devices.csv", cast.agent, dry_run=True)
    assert {e.column for e in result.errors} == {"Council"}


def test_another_councils_serial_is_not_matched_nor_revealed(cast: Cast) -> None:
    asset(cast.rbkc, serial_number="5CD3101XYZ", asset_tag="RBKC-1")
    result = run("intune_devices.csv", cast.wcc_lead, dry_run=True)
    assert result.ok and (result.created, result.updated) == (3, 0)


def test_glpi_inventory_json(cast: Cast) -> None:
    result = run("glpi_server.json", cast.agent)
    assert result.ok, result.errors
    assert result.source_format == "GLPI inventory"
    server = held(serial="7HXK2Q2")
    assert server.kind == "server" and server.name == "WCC-SRV-HOUSING-01"
    assert server.eol_release == "2012-r2"
    both = run("glpi_inventories.json", cast.agent, dry_run=True)
    assert both.ok and (both.created, both.updated) == (2, 0)
    run("glpi_inventories.json", cast.agent)
    assert held(serial="PHCVN191TG").kind == "printer"
    assert held(serial="640HP72").eol_product == "ubuntu"
    broken = run("glpi_broken.json", cast.agent, dry_run=True)
    assert not broken.ok and broken.errors[0].row == 0
    assert "not JSON" in broken.errors[0].message


def test_page_and_api_take_a_glpi_file(cast: Cast, client_for: Any, api_client_for: Any) -> None:
    data = (FILES / "glpi_server.json").read_bytes()
    upload = io.BytesIO(data)
    upload.name = "glpi_server.json"
    response = api_client_for(cast.agent).post(
        "/api/v1/assets/import/", {"file": upload, "dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["source_format"]) == (1, "GLPI inventory")
    upload = io.BytesIO(data)
    upload.name = "glpi_server.json"
    page = client_for(cast.agent).post("/assets/import/", {"file": upload}, follow=True)
    assert page.status_code == 200
    assert "GLPI inventory" in content_of(page)


def test_command_imports_a_snipeit_file(cast: Cast) -> None:
    hardware_model("Latitude 5440")
    out = io.StringIO()
    call_command(
        "import", "assets.Asset", str(FILES / "snipeit_assets.csv"), "--as", "agent", stdout=out
    )
    assert unscoped(Asset).count() == 2


def test_snipeit_location_becomes_the_council_s_site(cast: Cast) -> None:
    """A Snipe-IT location names a site of the asset's council (by name or code): the asset
    is put there; one Concord cannot find stays in the notes."""
    from django.apps import apps

    from core.tenancy.scoping import system_scope

    site_model = apps.get_model("estate", "Site")
    with system_scope("test"):
        hall = site_model.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        # Another council's site of the same name is not the one.
        site_model.objects.create(partner=cast.rbkc, code="CH", name="City Hall")
    run("snipeit_assets.csv", cast.agent)
    laptop = held("WCC-000101")
    assert laptop.site_id == hall.pk and "Location" not in laptop.notes
    with system_scope("test"):
        hall.name, hall.code = "Town Hall", "TH"
        hall.save()
    path = FILES / "snipeit_assets.csv"
    text = path.read_text().replace("WCC-000101", "WCC-000901").replace("5CD3101XYZ", "NEW1")
    result = import_records(
        Asset, io.BytesIO(text.encode()), "snipeit.csv", cast.agent, dry_run=False
    )
    assert result.ok, result.errors
    moved = held("WCC-000901")
    assert moved.site_id is None and "Location: City Hall" in moved.notes
