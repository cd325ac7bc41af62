"""A device's page lists the software found on it (licences.Installation), to those who may
read licences, and never another council's installations."""

from __future__ import annotations

import pytest

from core.tenancy.scoping import system_scope
from licences.models import Installation
from licences.tests.factories import device, product

pytestmark = pytest.mark.django_db


def test_the_device_page_lists_its_installations(cast, client_for):
    laptop = device("WCC-LT-1", {cast.wcc: 100})
    other = device("WCC-LT-2", {cast.wcc: 100})
    with system_scope("test"):
        Installation.objects.create(
            partner=cast.wcc, device=laptop, product=product("Quillsoft Writer"),
            product_version="16.0.1", source="Intune",
        )  # fmt: skip
        Installation.objects.create(
            partner=cast.wcc, device=other, product=product("Zephyr GIS", publisher="Zephyr")
        )
    text = client_for(cast.wcc_lead).get(laptop.get_absolute_url()).content.decode()
    assert "Installations" in text
    assert "Quillsoft Writer" in text and "16.0.1" in text and "Intune" in text
    assert "Zephyr GIS" not in text
    bare = client_for(cast.wcc_lead).get(other.get_absolute_url()).content.decode()
    assert "Zephyr GIS" in bare
    assert client_for(cast.rbkc_lead).get(laptop.get_absolute_url()).status_code == 404
