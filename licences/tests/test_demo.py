"""The licences' demo records (licences/demo.py), loaded by `concord demo` after the councils:
a shared enterprise agreement, a product both councils buy separately, a product short of
seats, and nothing twice however often it runs."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from core.tenancy.models import User
from core.tenancy.scoping import system_scope
from licences import services
from licences.models import LicenceAgreement, LicenceAssignment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_demo_loads_the_licences_once():
    run("demo", "--through", "licences")
    with system_scope("test"):
        ea = LicenceAgreement.objects.get(reference="BI-MS-EA-2024")
        assert {(s.partner.code, s.percentage) for s in ea.owner_shares()} == {
            ("wcc", Decimal("55.00")),
            ("rbkc", Decimal("45.00")),
        }
        counts = (LicenceAgreement.objects.count(), LicenceAssignment.objects.count())
        manager = User.objects.get(username="manager")
    joint = {item.product.name for item in services.joint_licensing(manager)}
    assert {"ArcGIS Pro", "Adobe Acrobat Pro"} <= joint
    short = {
        r.product.name for r in services.compliance(manager) if r.partner is None and r.shortfall
    }
    assert "Microsoft Visio Plan 2" in short
    assert services.renewals_due(manager, 90)
    run("demo", "--through", "licences")
    with system_scope("test"):
        assert (LicenceAgreement.objects.count(), LicenceAssignment.objects.count()) == counts


def test_demo_records_what_is_installed_on_the_asset_register_s_devices():
    from core.tenancy.models import Partner
    from licences.models import Installation
    from licences.tests.factories import device

    run("demo", "--through", "licences")
    with system_scope("test"):
        wcc, rbkc = Partner.objects.get(code="wcc"), Partner.objects.get(code="rbkc")
        lead = User.objects.get(username="wcc.lead")
    # Devices an inventory has reported (an operating system recorded); a laptop just received
    # into stock, with none, has nothing installed.
    windows = {"os_name": "Windows 11 Enterprise"}
    for n in range(3):
        device(f"DEMO-W-{n}", {wcc: 100}, person=lead if n == 0 else None, **windows)
    device("DEMO-R-0", {rbkc: 100}, **windows)
    device("DEMO-NEW-0", {wcc: 100})
    run("demo", "--through", "licences")
    with system_scope("test"):
        found = set(
            Installation.objects.values_list("device__asset_tag", "product__name", "partner__code")
        )
        device_seats = LicenceAssignment.objects.filter(device__isnull=False)
        seats = device_seats.count()
        products = set(device_seats.values_list("agreement__product__name", flat=True))
        tags = set(device_seats.values_list("device__asset_tag", flat=True))
    assert ("DEMO-W-0", "Microsoft 365 E3", "wcc") in found
    assert ("DEMO-W-1", "Sophos Intercept X", "wcc") in found
    assert ("DEMO-R-0", "Microsoft 365 E3", "rbkc") in found
    assert not any(tag == "DEMO-NEW-0" for tag, _, _ in found)
    # A Sophos seat on every other PC of Westminster's register (the assets demo's PCs and
    # those made here), never on another council's.
    assert seats >= 1 and products == {"Sophos Intercept X"}
    assert "DEMO-R-0" not in tags
    run("demo", "--through", "licences")
    with system_scope("test"):
        assert Installation.objects.count() == len(found)
