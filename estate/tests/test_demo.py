"""The estate's demo records (estate/demo.py), which `concord demo` loads after the councils:
sites, kinds of site, agreements and a few attached files, once however often it runs."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import ProtectedError

from core.models import ChangeRecord
from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from estate.models import Agreement, Site, SiteType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]


def run(*args: str) -> str:
    """Run a command and return what it printed."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_demo_loads_the_estate():
    run("demo", "--through", "estate")

    with system_scope("test"):
        partners = {p.code: p for p in Partner.objects.all()}
        city_hall = Site.objects.get(partner=partners["wcc"], code="WCH")
        assert city_hall.name == "Westminster City Hall"
        assert city_hall.postcode == "SW1E 6QP"
        assert "64 Victoria Street" in city_hall.address
        assert Site.objects.get(partner=partners["rbkc"], name="Kensington Town Hall").postcode == (
            "W8 7NX"
        )
        assert Site.objects.get(
            partner=partners["lbhf"], name="Hammersmith Town Hall"
        ).postcode == ("W6 9JU")
        for code in partners:
            assert Site.objects.owned_by(partners[code]).count() >= 4
        assert set(SiteType.objects.values_list("name", flat=True)) >= {
            "Office",
            "Depot",
            "Library",
            "Data centre",
            "Customer service centre",
            "School",
        }

        bi = Agreement.objects.get(reference="IAA-2018-BI-ICT")
        assert {(s.partner.code, s.percentage) for s in bi.owner_shares()} == {
            ("wcc", Decimal("50.00")),
            ("rbkc", Decimal("50.00")),
        }
        tri = Agreement.objects.get(reference="IAA-2011-TRI-ICT")
        assert {s.partner.code for s in tri.owner_shares()} == {"wcc", "rbkc", "lbhf"}
        assert sum(s.percentage for s in tri.owner_shares()) == Decimal("100")


def test_demo_twice_duplicates_no_estate_record():
    run("demo", "--through", "estate")
    with system_scope("test"):
        counts = (Site.objects.count(), SiteType.objects.count(), Agreement.objects.count())
    run("demo", "--through", "estate")
    with system_scope("test"):
        assert (Site.objects.count(), SiteType.objects.count(), Agreement.objects.count()) == (
            counts
        )


def test_demo_records_the_estates_changes_under_its_label():
    run("demo", "--through", "estate")
    records = ChangeRecord.objects.unscoped("test").filter(actor_label="command:demo")
    kinds = {r.content_type.model for r in records}
    assert {"site", "sitetype", "agreement"} <= kinds


def _delete_with_what_needs_it(record):
    try:
        record.delete()
    except ProtectedError as exc:
        for other in exc.protected_objects:
            _delete_with_what_needs_it(other)
        record.delete()


def test_demo_tops_up_a_partly_loaded_estate():
    run("demo", "--through", "estate")
    with system_scope("test"):
        # Other apps' demo records at the site (the asset register's devices, what is
        # installed on them) go with it.
        _delete_with_what_needs_it(Site.objects.get(code="WCH"))
    out = run("demo", "--through", "estate")
    assert "created 1 sites" in out
    with system_scope("test"):
        assert Site.objects.filter(code="WCH").count() == 1


def test_demo_attaches_a_few_files_once():
    from core.models import Attachment

    out = run("demo", "--through", "estate")
    assert "2 attached files" in out
    with system_scope("test"):
        files = list(Attachment.objects.order_by("original_name"))
        assert [f.original_name for f in files] == [
            "Bi-borough ICT agreement - summary.txt",
            "Westminster City Hall - comms rooms.csv",
        ]
        assert files[1].record.code == "WCH" and files[1].size > 0
    run("demo", "--through", "estate")
    with system_scope("test"):
        assert Attachment.objects.count() == 2
