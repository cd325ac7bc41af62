"""Installations imported from an inventory: a re-import matches the installation of the same
version of the product on the same device and updates it, instead of refusing the row."""

from __future__ import annotations

import io
from typing import Any

import pytest

from assets.tests.factories import asset
from core.importing import import_records
from core.testing.cast import Cast
from core.testing.families import unscoped
from licences.models import Installation
from licences.tests.factories import product

pytestmark = pytest.mark.django_db


def run(text: str, user: Any, dry_run: bool = False) -> Any:
    return import_records(
        Installation, io.BytesIO(text.encode()), "inventory.csv", user, dry_run=dry_run
    )


def test_reimport_updates_the_installation_of_the_same_version_on_the_same_device(
    cast: Cast,
) -> None:
    asset({cast.wcc: 100}, asset_tag="WCC-1", kind="laptop")
    product("Quillsoft Writer")
    first = (
        "partner,device,product,product_version,detected_on,source\n"
        "wcc,WCC-1,Quillsoft Writer,16.0,2026-10-01,Intune\n"
        "wcc,WCC-1,Quillsoft Writer,,2026-10-01,Intune\n"
    )
    done = run(first, cast.wcc_lead)
    assert done.ok and (done.created, done.updated) == (2, 0), done.errors
    again = (
        "partner,device,product,product_version,detected_on,source\n"
        "wcc,wcc-1,Quillsoft Writer,16.0,2026-11-30,SCCM\n"
        "wcc,WCC-1,Quillsoft Writer,,2026-11-30,SCCM\n"
        "wcc,WCC-1,Quillsoft Writer,17.0,2026-11-30,SCCM\n"
    )
    dry = run(again, cast.wcc_lead, dry_run=True)
    assert dry.ok and (dry.created, dry.updated) == (1, 2), dry.errors
    done = run(again, cast.wcc_lead)
    assert done.ok and (done.created, done.updated) == (1, 2), done.errors
    rows = unscoped(Installation).order_by("product_version")
    assert [(i.product_version, str(i.detected_on), i.source) for i in rows] == [
        ("", "2026-11-30", "SCCM"),
        ("16.0", "2026-11-30", "SCCM"),
        ("17.0", "2026-11-30", "SCCM"),
    ]
    # Another council's lead cannot reach wcc's installations by naming them.
    refused = run(again, cast.rbkc_lead)
    assert not refused.ok and refused.created == 0
