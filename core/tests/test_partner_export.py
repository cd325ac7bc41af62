"""Partner export: every scoped model's rows the partner owns, the change log, a manifest."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import tracemalloc
import zipfile
from decimal import Decimal

import pytest

from core.partner_export import FORMAT_VERSION, export_partner, exported_models
from core.services import set_owner_shares
from core.tenancy.models import Membership, Partner
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Pact, Room, RoomType

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(cast):
    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall", room_type=office)
        Room.objects.create(partner=cast.wcc, code="EQ", name="=cmd|' /C calc'!A0")
        Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
        joint = Pact.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("40")})
        solo = Pact.objects.create(
            reference="IAA-2", title="RBKC only", starts_on=datetime.date(2012, 4, 1)
        )
        set_owner_shares(solo, {cast.rbkc: Decimal("100")})
    return {"office": office, "joint": joint}


def read_zip(path):
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def jsonl(data):
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line]


def csv_rows(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_zip_contents_and_manifest(cast, records, tmp_path):
    path = tmp_path / "wcc.zip"
    manifest = export_partner(cast.wcc, path)
    files = read_zip(path)
    assert json.loads(files["manifest.json"]) == manifest
    assert manifest["format_version"] == FORMAT_VERSION == "1"
    assert manifest["partner"] == {
        "code": "wcc",
        "name": "City of Westminster",
        "gss_code": "E09000033",
    }
    assert manifest["generated_at"].endswith("+00:00")
    for name, info in manifest["files"].items():
        assert info["bytes"] == len(files[name])
        assert info["sha256"] == hashlib.sha256(files[name]).hexdigest()
    # Every scoped model has both files, catalogue models none.
    for model in exported_models():
        base = f"{model._meta.app_label}/{model._meta.model_name}"
        assert f"{base}.jsonl" in files and f"{base}.csv" in files
    assert "sample/roomtype.jsonl" not in files

    rooms = jsonl(files["sample/room.jsonl"])
    assert {s["code"] for s in rooms} == {"CH", "EQ"}  # rbkc's Town Hall is absent
    hall = next(s for s in rooms if s["code"] == "CH")
    assert hall["partner"] == "wcc" and hall["room_type"] == "Office"
    assert manifest["files"]["sample/room.jsonl"]["rows"] == 2
    csv_rooms = csv_rows(files["sample/room.csv"])
    assert [r["code"] for r in csv_rooms] == ["CH", "EQ"]
    assert csv_rooms[1]["name"].startswith("'=")  # spreadsheets will not run it
    assert rooms[1]["name"].startswith("=")  # the JSON keeps the value as it is

    partners = jsonl(files["tenancy/partner.jsonl"])
    assert [p["code"] for p in partners] == ["wcc"]
    pacts = jsonl(files["sample/pact.jsonl"])
    assert [a["reference"] for a in pacts] == ["IAA-1"]
    shares = jsonl(files["core/ownershare.jsonl"])
    assert {(s["record"], s["partner"], s["percentage"]) for s in shares} == {
        ("IAA-1", "wcc", "60.00"),
        ("IAA-1", "rbkc", "40.00"),
    }

    people = jsonl(files["tenancy/user.jsonl"])
    assert {p["username"] for p in people} == {
        "wcc.staff",
        "wcc.colleague",
        "wcc.lead",
        "wcc.auditor",
    }
    assert all("password" not in p for p in people)
    assert b"argon2" not in b"".join(files.values())
    memberships = jsonl(files["tenancy/membership.jsonl"])
    assert {m["user"] for m in memberships} == {
        "wcc.staff",
        "wcc.colleague",
        "wcc.lead",
        "wcc.auditor",
    }

    changes = jsonl(files["changes/changes.jsonl"])
    room_changes = [c for c in changes if c["model"] == "room"]
    assert {c["object_repr"] for c in room_changes} == {"City Hall (CH)", "=cmd|' /C calc'!A0 (EQ)"}
    assert all(
        c["action"] == "create" and c["after"]["partner_id"] == cast.wcc.pk for c in room_changes
    )
    assert not any(c["object_repr"] == "Town Hall (TH)" for c in changes)
    change_csv = csv_rows(files["changes/changes.csv"])
    assert len(change_csv) == len(changes)
    assert json.loads(change_csv[0]["after"]) == changes[0]["after"]


def test_co_owned_pact_is_in_each_owners_export(cast, records, tmp_path):
    for partner, expected in ((cast.rbkc, {"IAA-1", "IAA-2"}), (cast.wcc, {"IAA-1"})):
        path = tmp_path / f"{partner.code}.zip"
        export_partner(partner, path)
        files = read_zip(path)
        assert {a["reference"] for a in jsonl(files["sample/pact.jsonl"])} == expected
    files = read_zip(tmp_path / "rbkc.zip")
    assert {s["code"] for s in jsonl(files["sample/room.jsonl"])} == {"TH"}


@pytest.mark.usefixtures("media_folder")
def test_only_the_councils_own_people_have_their_accounts_exported(cast, records, tmp_path):
    """People another council's or the service's: named by username, their accounts not given."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.attachments import attach_file

    with system_scope("test data"):
        for who in (cast.rbkc_lead, cast.manager):
            upload = SimpleUploadedFile(f"{who.username}.pdf", b"%PDF-1.4 notes\n")
            attach_file(records["joint"], upload, who)
    path = tmp_path / "wcc.zip"
    export_partner(cast.wcc, path)
    files = read_zip(path)
    people = jsonl(files["tenancy/user.jsonl"])
    assert {p["username"] for p in people} == {
        "wcc.staff",
        "wcc.colleague",
        "wcc.lead",
        "wcc.auditor",
    }
    exported = b"".join(files.values())
    for other in (cast.rbkc_lead, cast.manager):
        if other.email:
            assert other.email.encode() not in exported
    attachments = jsonl(files["core/attachment.jsonl"])
    assert {a["uploaded_by"] for a in attachments} == {"rbkc.lead", "manager"}


def test_writes_to_a_binary_file_and_reports_progress(cast, records):
    out = io.BytesIO()
    calls = []
    manifest = export_partner(cast.wcc, out, progress=lambda d, t: calls.append((d, t)))
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] == calls[0][1]
    out.seek(0)
    assert zipfile.ZipFile(out).testzip() is None
    assert manifest["files"]["sample/room.csv"]["rows"] == 2


def test_memory_stays_flat(cast, tmp_path):
    """Peak memory does not grow with the rows: 3,000 rows and 9,000 rows peak alike."""

    def add_rooms(start, count):
        with system_scope("bulk test data"):
            # Thousands of rows to measure the export by; their change log is not under test.
            Room.objects.unlogged("bulk test data").bulk_create(
                Room(partner=cast.wcc, code=f"S{i}", name=f"Room number {i}", address="x" * 400)
                for i in range(start, start + count)
            )

    def peak_of_export(name):
        tracemalloc.start()
        manifest = export_partner(cast.wcc, tmp_path / name)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak, manifest["files"]["sample/room.jsonl"]

    add_rooms(0, 3000)
    small_peak, small = peak_of_export("small.zip")
    add_rooms(3000, 6000)
    big_peak, big = peak_of_export("big.zip")
    assert (small["rows"], big["rows"]) == (3000, 9000)
    assert big["bytes"] > 5_000_000
    # A chunk of rows and a small CSV buffer, whatever the size of the data.
    assert big_peak < 8 * 1024 * 1024, big_peak
    assert big_peak < small_peak * 1.5, (small_peak, big_peak)


def test_a_partner_with_nothing_still_gets_every_file(cast, tmp_path):
    with system_scope("test data"):
        empty = Partner.objects.create(code="new", name="New Council")
    path = tmp_path / "new.zip"
    manifest = export_partner(empty, path)
    assert manifest["files"]["sample/room.jsonl"] == {
        "rows": 0,
        "bytes": 0,
        "sha256": hashlib.sha256(b"").hexdigest(),
    }
    assert Membership.objects.owned_by(empty).count() == 0
