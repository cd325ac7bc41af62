"""Attachments: files on records, seen and changed exactly as their records are.

Pages (detail section, upload, download, delete), the API (/api/v1/attachments/), the change
log, scoping, and the partner export, with real files in a temporary storage.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.attachments import attach_file, parse_record_ref, record_ref
from core.models import Attachment, ChangeRecord, ChangeRecordPartner, attachable_models
from core.partner_export import export_partner
from core.services import set_owner_shares
from core.tenancy.models import Membership, Partner
from core.tenancy.scoping import ScopeError, system_scope
from core.testing.cast import Cast
from core.testing.sample.models import Pact, Room, RoomType

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a small test document\n" + bytes(range(256)) * 8


@pytest.fixture(autouse=True)
def media(media_folder: Any) -> Any:
    """Uploads go to a temporary folder."""
    return media_folder


def unscoped() -> Any:
    return Attachment.objects.unscoped("test checks")


def pdf(name: str = "Survey report.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    # The browser's claimed type is deliberately wrong: it must never be used.
    return SimpleUploadedFile(name, content, content_type="text/html")


def make_room(partner: Partner, code: str = "CH") -> Room:
    with system_scope("test data"):
        return Room.objects.create(partner=partner, code=code, name=f"Hall {code}")


def attached(record: Any, user: Any, name: str = "Plan.pdf", content: bytes = PDF) -> Attachment:
    with system_scope("test data"):
        return attach_file(record, pdf(name, content), user, title="")


def upload_url(record: Any) -> str:
    meta = record._meta
    return f"/attachments/new/{meta.app_label}/{meta.model_name}/{record.pk}/"


def changes_of(attachment_id: int, action: str) -> list[ChangeRecord]:
    content_type = ContentType.objects.get_for_model(Attachment)
    with system_scope("test checks"):
        return list(
            ChangeRecord.objects.filter(
                content_type=content_type, object_id=attachment_id, action=action
            )
        )


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# What may carry attachments ------------------------------------------------------------------


def test_attachable_models_are_found_from_the_registry() -> None:
    models = attachable_models()
    assert Room in models and Pact in models and Partner in models
    assert RoomType not in models  # catalogue
    assert Membership not in models  # turned off
    assert Attachment not in models


def test_record_references() -> None:
    ref = parse_record_ref(" Sample.Room:12 ")
    assert ref.model is Room and ref.pk == 12 and str(ref) == "sample.room:12"
    for bad in ("", "room:1", "sample.room", "sample.room:x", "sample.room:-1", 12, None):
        with pytest.raises(ValueError):
            parse_record_ref(bad)
    for not_attachable in ("sample.roomtype:1", "core.attachment:1", "nope.nothing:1"):
        with pytest.raises(ValueError, match="cannot be attached"):
            parse_record_ref(not_attachable)
    with pytest.raises(ValueError):
        parse_record_ref("sample.room:99999999999999999999")


# Scoping -------------------------------------------------------------------------------------


def test_unscoped_query_raises(cast: Cast) -> None:
    with pytest.raises(ScopeError):
        list(Attachment.objects.all())
    with pytest.raises(ScopeError):
        Attachment.objects.filter(pk=1).exists()


def test_visibility_follows_the_record(cast: Cast) -> None:
    hall = attached(make_room(cast.wcc, "CH"), cast.wcc_lead)
    town = attached(make_room(cast.rbkc, "TH"), cast.rbkc_lead)

    def seen(user: Any, action: str = "view") -> set[int]:
        return set(Attachment.objects.visible_to(user, action).values_list("pk", flat=True))

    assert seen(cast.wcc_lead) == {hall.pk}
    assert seen(cast.wcc_staff) == {hall.pk}
    assert seen(cast.wcc_staff, "delete") == set()  # requesters read, never change, rooms
    assert seen(cast.wcc_lead, "delete") == {hall.pk}
    assert seen(cast.rbkc_lead) == {town.pk}
    assert seen(cast.manager) == {hall.pk, town.pk}
    assert seen(cast.agent) == {hall.pk, town.pk}
    assert seen(cast.agent, "add") == set()  # agents read rooms only
    assert set(Attachment.objects.owned_by(cast.wcc).values_list("pk", flat=True)) == {hall.pk}
    assert hall.owning_partner_ids() == [cast.wcc.pk]


def test_co_owned_pact_attachment_is_each_owners(cast: Cast, client_for: Any) -> None:
    with system_scope("test data"):
        joint = Pact.objects.create(
            reference="IAA-J", title="Bi-borough accord", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
    response = client_for(cast.wcc_lead).post(upload_url(joint), {"file": pdf("Signed.pdf")})
    assert response.status_code == 302
    attachment = unscoped().get()
    for user in (cast.wcc_lead, cast.rbkc_lead, cast.rbkc_staff, cast.manager):
        client = client_for(user)
        assert client.get(f"/pacts/{joint.pk}/").content.count(b"Signed.pdf") >= 1, user
        assert client.get(f"/attachments/{attachment.pk}/download/").status_code == 200, user
    assert not Attachment.objects.visible_to(cast.lbhf_lead).exists()
    # The upload is in both owners' change logs.
    (created,) = changes_of(attachment.pk, "create")
    with system_scope("test checks"):
        owners = set(
            ChangeRecordPartner.objects.filter(change=created).values_list("partner_id", flat=True)
        )
    assert owners == {cast.wcc.pk, cast.rbkc.pk}


# Pages ---------------------------------------------------------------------------------------


def test_page_upload_download_delete(
    cast: Cast, client_for: Any, media: Any, django_capture_on_commit_callbacks: Any
) -> None:
    room = make_room(cast.wcc)
    client = client_for(cast.wcc_lead)
    page = client.get(f"/rooms/{room.pk}/").content.decode()
    assert 'id="attachments"' in page and "No files are attached." in page
    assert upload_url(room) in page  # the lead may attach

    response = client.post(
        upload_url(room), {"file": pdf(), "title": "Condition survey", "description": "2024"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room.pk}/#attachments"
    attachment = unscoped().get()
    assert attachment.record == room
    assert attachment.original_name == "Survey report.pdf"
    assert attachment.title == "Condition survey"
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.media_type == "application/pdf"  # from the name, not the browser
    assert attachment.uploaded_by == cast.wcc_lead
    assert attachment.file.name.startswith("attachments/sample/room/")
    assert attachment.file.name.endswith("/Survey-report.pdf")
    assert (media / attachment.file.name).read_bytes() == PDF
    (created,) = changes_of(attachment.pk, "create")
    assert created.actor == cast.wcc_lead and created.request_id

    page = client.get(f"/rooms/{room.pk}/").content.decode()
    assert "Condition survey" in page and "Survey report.pdf" in page
    assert f"/attachments/{attachment.pk}/download/" in page
    assert f"/attachments/{attachment.pk}/delete/" in page

    response = client.get(f"/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Survey report.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"

    assert client.get(f"/attachments/{attachment.pk}/delete/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        # The file goes once the deletion is committed.
        response = client.post(f"/attachments/{attachment.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room.pk}/#attachments"
    assert not unscoped().exists()
    assert not default_storage.exists(attachment.file.name)
    (deleted,) = changes_of(attachment.pk, "delete")
    assert deleted.actor == cast.wcc_lead


def test_page_viewer_downloads_but_may_not_change(cast: Cast, client_for: Any) -> None:
    room = make_room(cast.wcc)
    attachment = attached(room, cast.wcc_lead)
    for user in (cast.wcc_staff, cast.wcc_auditor, cast.agent):
        client = client_for(user)
        page = client.get(f"/rooms/{room.pk}/").content.decode()
        assert "Plan.pdf" in page, user
        assert upload_url(room) not in page and "/delete/" not in page.split("attachments")[-1]
        assert client.get(f"/attachments/{attachment.pk}/download/").status_code == 200
        assert client.get(upload_url(room)).status_code == 403
        assert client.post(upload_url(room), {"file": pdf()}).status_code == 403
        assert client.get(f"/attachments/{attachment.pk}/delete/").status_code == 403
        assert client.post(f"/attachments/{attachment.pk}/delete/").status_code == 403
    assert unscoped().count() == 1


def test_page_outsider_gets_404(cast: Cast, client_for: Any) -> None:
    room = make_room(cast.wcc)
    attachment = attached(room, cast.wcc_lead)
    client = client_for(cast.rbkc_lead)
    for url in (f"/attachments/{attachment.pk}/download/", f"/attachments/{attachment.pk}/delete/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/attachments/{attachment.pk}/delete/").status_code == 404
    assert client.get(upload_url(room)).status_code == 404
    assert client.post(upload_url(room), {"file": pdf()}).status_code == 404
    assert unscoped().count() == 1


def test_page_anonymous_is_sent_to_sign_in(cast: Cast, client: Any) -> None:
    room = make_room(cast.wcc)
    attachment = attached(room, cast.wcc_lead)
    for response in (
        client.get(f"/attachments/{attachment.pk}/download/"),
        client.post(f"/attachments/{attachment.pk}/delete/"),
        client.post(upload_url(room), {"file": pdf()}),
    ):
        assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert unscoped().count() == 1


def test_page_odd_urls_are_404(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.manager)
    for url in (
        "/attachments/99999/download/",
        "/attachments/99999999999999999999999/download/",
        "/attachments/new/sample/room/99999/",
        "/attachments/new/sample/roomtype/1/",
        "/attachments/new/core/attachment/1/",
        "/attachments/new/nope/nothing/1/",
        "/attachments/new/sample/room/99999999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "The selected file is empty."),
        ("tool.exe", b"hello", "Files of type .exe cannot be attached"),
        ("invoice.pdf.bat", b"hello", "Files of type .bat cannot be attached"),
        ("page.HTML", b"<p>", "Files of type .html cannot be attached"),
        ("logo.svg", b"<svg/>", "Files of type .svg cannot be attached"),
        ("report.pdf", b"MZ\x90\x00program", "The selected file is a program"),
    ],
)
def test_page_refuses_bad_files(
    cast: Cast, client_for: Any, name: str, content: bytes, message: str
) -> None:
    room = make_room(cast.wcc)
    response = client_for(cast.wcc_lead).post(upload_url(room), {"file": pdf(name, content)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text and message in text
    assert 'href="#id_file"' in text  # the error summary links to the field
    assert not unscoped().exists()


def test_page_refuses_no_file_and_too_big(cast: Cast, client_for: Any, settings: Any) -> None:
    room = make_room(cast.wcc)
    client = client_for(cast.wcc_lead)
    response = client.post(upload_url(room), {"title": "Nothing"})
    assert response.status_code == 400 and "Select a file to attach." in response.content.decode()
    settings.CONCORD_ATTACHMENT_MAX_BYTES = 100
    response = client.post(upload_url(room), {"file": pdf()})
    assert response.status_code == 400
    assert "The selected file must be smaller than 100 bytes." in response.content.decode()
    assert not unscoped().exists()
    assert client.get(upload_url(room)).status_code == 200  # the form on its own page


def test_former_partners_attachments_are_read_only(cast: Cast, client_for: Any) -> None:
    room = make_room(cast.lbhf, "LB")
    attachment = attached(room, cast.manager)
    client = client_for(cast.manager)
    assert client.get(f"/attachments/{attachment.pk}/download/").status_code == 200
    assert client.post(upload_url(room), {"file": pdf()}).status_code == 403
    assert client.post(f"/attachments/{attachment.pk}/delete/").status_code == 403


def test_deleting_a_record_deletes_its_attachments(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    room = make_room(cast.wcc)
    attachment = attached(room, cast.wcc_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.wcc_lead).post(f"/rooms/{room.pk}/delete/")
    assert response.status_code == 302
    assert not unscoped().exists()
    assert not default_storage.exists(attachment.file.name)
    (deleted,) = changes_of(attachment.pk, "delete")
    assert deleted.actor == cast.wcc_lead


def test_catalogue_and_membership_pages_have_no_attachments(cast: Cast, client_for: Any) -> None:
    with system_scope("test data"):
        kind = RoomType.objects.create(name="Library")
        membership = Membership.objects.filter(user=cast.wcc_staff).first()
    client = client_for(cast.manager)
    assert b'id="attachments"' not in client.get(f"/room-types/{kind.pk}/").content
    assert membership is not None
    assert b'id="attachments"' not in client.get(f"/memberships/{membership.pk}/").content


# API -----------------------------------------------------------------------------------------


def api_create(client: Any, record: Any, **extra: Any) -> Any:
    data = {"record": record_ref(record), "file": pdf(), "title": "Survey", **extra}
    return client.post("/api/v1/attachments/", data, format="multipart")


def test_api_create_list_retrieve_download_delete(cast: Cast, api_client_for: Any) -> None:
    room = make_room(cast.wcc)
    client = api_client_for(cast.wcc_lead)
    response = api_create(client, room)
    assert response.status_code == 201, response.content
    data = response.json()
    attachment = unscoped().get()
    assert data["id"] == attachment.pk
    assert data["record"] == f"sample.room:{room.pk}"
    assert data["filename"] == "Survey report.pdf" and data["title"] == "Survey"
    assert data["size"] == len(PDF) and data["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert data["media_type"] == "application/pdf" and data["uploaded_by"] == "wcc.lead"
    assert data["download_url"].endswith(f"/api/v1/attachments/{attachment.pk}/download/")
    assert "file" not in data
    assert response["Location"].endswith(f"/api/v1/attachments/{attachment.pk}/")
    (created,) = changes_of(attachment.pk, "create")
    assert created.actor == cast.wcc_lead

    listed = client.get("/api/v1/attachments/", {"record": f"sample.room:{room.pk}"})
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [attachment.pk]
    assert client.get(f"/api/v1/attachments/{attachment.pk}/").json()["sha256"] == data["sha256"]

    download = client.get(f"/api/v1/attachments/{attachment.pk}/download/")
    assert download.status_code == 200 and body(download) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    odd_accept = client.get(
        f"/api/v1/attachments/{attachment.pk}/download/", HTTP_ACCEPT="image/png"
    )
    assert odd_accept.status_code == 200

    assert client.delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 204
    assert not unscoped().exists()
    (deleted,) = changes_of(attachment.pk, "delete")
    assert deleted.actor == cast.wcc_lead


def test_api_list_is_scoped_and_paginated(cast: Cast, api_client_for: Any, settings: Any) -> None:
    ours = [attached(make_room(cast.wcc, f"W{n}"), cast.wcc_lead) for n in range(3)]
    theirs = attached(make_room(cast.rbkc, "TH"), cast.rbkc_lead, name="Secret rbkc plan.pdf")
    client = api_client_for(cast.wcc_lead)
    seen: list[int] = []
    url: str | None = "/api/v1/attachments/?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(a.pk for a in ours)
    everything = api_client_for(cast.manager).get("/api/v1/attachments/").json()["results"]
    assert theirs.pk in {row["id"] for row in everything}


def test_api_viewer_may_read_but_not_change(cast: Cast, api_client_for: Any) -> None:
    room = make_room(cast.wcc)
    attachment = attached(room, cast.wcc_lead)
    client = api_client_for(cast.wcc_staff)
    assert client.get(f"/api/v1/attachments/{attachment.pk}/").status_code == 200
    assert client.get(f"/api/v1/attachments/{attachment.pk}/download/").status_code == 200
    response = api_create(client, room)
    assert response.status_code == 403
    assert client.delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 403
    assert unscoped().count() == 1


def test_api_outsider(cast: Cast, api_client_for: Any) -> None:
    room = make_room(cast.wcc)
    attachment = attached(room, cast.wcc_lead, name="Secret wcc plan.pdf")
    client = api_client_for(cast.rbkc_lead)
    for url in (
        f"/api/v1/attachments/{attachment.pk}/",
        f"/api/v1/attachments/{attachment.pk}/download/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["errors"][0]["message"] == "Not found."
    assert client.delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
    assert client.get("/api/v1/attachments/").json()["results"] == []
    # Naming another council's record reads exactly as naming one that does not exist.
    response = api_create(client, room)
    missing = client.post(
        "/api/v1/attachments/",
        {"record": "sample.room:999999", "file": pdf()},
        format="multipart",
    )
    assert response.status_code == missing.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "record" and error["code"] == "does_not_exist"
    assert (
        missing.json()["errors"][0]["message"].replace("999999", str(room.pk)) == (error["message"])
    )
    assert room.name not in response.content.decode()
    listed = client.get("/api/v1/attachments/", {"record": f"sample.room:{room.pk}"})
    assert listed.status_code == 400 and listed.json()["errors"][0]["field"] == "record"
    assert "Secret" not in listed.content.decode()
    assert unscoped().count() == 1


def test_api_anonymous_401(cast: Cast, api_client_for: Any) -> None:
    room = make_room(cast.wcc)
    attachment = attached(room, cast.wcc_lead)
    client = api_client_for(None)
    assert client.get("/api/v1/attachments/").status_code == 401
    assert client.get(f"/api/v1/attachments/{attachment.pk}/download/").status_code == 401
    assert api_create(client, room).status_code == 401
    assert client.delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 401


@pytest.mark.parametrize(
    "record",
    [
        "",
        "abc",
        "sample.room",
        "sample.room:abc",
        "sample.room:-1",
        "sample.room:99999999999999999999999",
        "nope.nothing:1",
        "core.attachment:1",
        "sample.roomtype:1",
        "tenancy.membership:1",
    ],
)
def test_api_odd_record_is_400_never_500(cast: Cast, api_client_for: Any, record: str) -> None:
    client = api_client_for(cast.manager)
    response = client.post(
        "/api/v1/attachments/", {"record": record, "file": pdf()}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "record"
    listed = client.get("/api/v1/attachments/", {"record": record})
    assert listed.status_code in (200, 400)  # blank is no filter at all
    if record:
        assert listed.status_code == 400


def test_api_odd_input_never_500(cast: Cast, api_client_for: Any, settings: Any) -> None:
    room = make_room(cast.wcc)
    attachment = attached(room, cast.wcc_lead)
    client = api_client_for(cast.wcc_lead)
    no_file = client.post("/api/v1/attachments/", {"record": record_ref(room)}, format="multipart")
    assert no_file.status_code == 400 and no_file.json()["errors"][0]["field"] == "file"
    not_a_file = client.post(
        "/api/v1/attachments/", {"record": record_ref(room), "file": "text"}, format="multipart"
    )
    assert not_a_file.status_code == 400
    as_json = client.post("/api/v1/attachments/", {"record": record_ref(room)}, format="json")
    assert as_json.status_code == 415
    blocked = api_create(client, room, file=pdf("run.ps1", b"Write-Host hi"))
    assert blocked.status_code == 400
    assert blocked.json()["errors"][0] == {
        "field": "file",
        "code": "blocked_type",
        "message": "Files of type .ps1 cannot be attached, because they can run programs. "
        "Attach a document, spreadsheet, image or PDF instead.",
    }
    settings.CONCORD_ATTACHMENT_MAX_BYTES = 10
    too_big = api_create(client, room)
    assert too_big.status_code == 400 and too_big.json()["errors"][0]["code"] == "too_big"
    for method in ("put", "patch"):
        response = getattr(client, method)(f"/api/v1/attachments/{attachment.pk}/", {})
        assert response.status_code == 405
    assert client.get("/api/v1/attachments/", {"cursor": "junk"}).status_code == 400
    assert client.get("/api/v1/attachments/", {"ordering": "sha256"}).status_code == 400
    assert client.get("/api/v1/attachments/99999999999999999999999/").status_code == 404
    assert unscoped().count() == 1


# Partner export ------------------------------------------------------------------------------


def test_partner_export_carries_the_files(cast: Cast, tmp_path: Any) -> None:
    hall = attached(make_room(cast.wcc, "CH"), cast.wcc_lead, name="Hall plan.pdf")
    other = b"second file " * 1000
    second = attached(make_room(cast.wcc, "EQ"), cast.wcc_lead, name="Lease.docx", content=other)
    theirs = attached(make_room(cast.rbkc, "TH"), cast.rbkc_lead, name="Town.pdf")
    with system_scope("test data"):
        joint = Pact.objects.create(
            reference="IAA-J", title="Accord", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
    shared = attached(joint, cast.manager, name="Signed.pdf")

    out = tmp_path / "wcc.zip"
    manifest = export_partner(cast.wcc, out)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert archive.read(f"files/{hall.pk}/Hall plan.pdf") == PDF
        assert archive.read(f"files/{second.pk}/Lease.docx") == other
        assert archive.read(f"files/{shared.pk}/Signed.pdf") == PDF
        rows = [
            json.loads(line)
            for line in io.TextIOWrapper(archive.open("core/attachment.jsonl"), encoding="utf-8")
        ]
    assert not any(name.startswith(f"files/{theirs.pk}/") for name in names)
    assert {row["id"] for row in rows} == {hall.pk, second.pk, shared.pk}
    row = next(r for r in rows if r["id"] == hall.pk)
    assert row["content_type__model"] == "room" and row["sha256"] == hall.sha256
    entry = manifest["files"][f"files/{second.pk}/Lease.docx"]
    assert entry == {
        "attachment": second.pk,
        "bytes": len(other),
        "sha256": hashlib.sha256(other).hexdigest(),
        "intact": True,
    }

    rbkc = tmp_path / "rbkc.zip"
    export_partner(cast.rbkc, rbkc)
    with zipfile.ZipFile(rbkc) as archive:
        names = set(archive.namelist())
    assert f"files/{theirs.pk}/Town.pdf" in names and f"files/{shared.pk}/Signed.pdf" in names
    assert f"files/{hall.pk}/Hall plan.pdf" not in names


def test_partner_export_lists_a_missing_file(cast: Cast, tmp_path: Any) -> None:
    hall = attached(make_room(cast.wcc), cast.wcc_lead)
    default_storage.delete(hall.file.name)
    manifest = export_partner(cast.wcc, tmp_path / "wcc.zip")
    assert manifest["files"][f"files/{hall.pk}/Plan.pdf"] == {
        "attachment": hall.pk,
        "missing": True,
    }


def test_partner_export_streams_files(cast: Cast, tmp_path: Any) -> None:
    """A file far bigger than the export's buffers is copied without being read whole."""
    import tracemalloc

    size = 6 * 1024 * 1024
    content = (b"0123456789abcdef" * 4096) * (size // 65536)
    big = attached(make_room(cast.wcc), cast.wcc_lead, name="Big scan.pdf", content=content)
    del content
    tracemalloc.start()
    manifest = export_partner(cast.wcc, tmp_path / "wcc.zip")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    entry = manifest["files"][f"files/{big.pk}/Big scan.pdf"]
    assert entry["bytes"] == size and entry["sha256"] == big.sha256 and entry["intact"]
    assert peak < size // 3, peak


def test_api_list_query_count_does_not_grow(
    cast: Cast, api_client_for: Any, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for(cast.wcc_lead)
    for n in range(3):
        attached(make_room(cast.wcc, f"A{n}"), cast.wcc_lead)
    client.get("/api/v1/attachments/")  # warm the content types, as a running server has them
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/attachments/").status_code == 200
    for n in range(6):
        attached(make_room(cast.wcc, f"B{n}"), cast.wcc_lead)
    with django_assert_num_queries(len(few)):
        response = client.get("/api/v1/attachments/")
    assert len(response.json()["results"]) == 9


def test_detail_page_query_count_does_not_grow_with_attachments(
    cast: Cast, client_for: Any, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    room = make_room(cast.wcc)
    client = client_for(cast.wcc_lead)
    attached(room, cast.wcc_lead)
    client.get(f"/rooms/{room.pk}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/rooms/{room.pk}/")
    for n in range(5):
        attached(room, cast.wcc_lead, name=f"More {n}.pdf")
    with django_assert_num_queries(len(one)):
        response = client.get(f"/rooms/{room.pk}/")
    assert response.content.count(b"/download/") == 6


def test_a_records_history_shows_its_files_attached_and_removed(cast, client_for):
    from core.attachments import delete_attachment
    from core.context import acting_as

    room = make_room(cast.wcc)
    other = make_room(cast.wcc, "OT")
    client = client_for(cast.wcc_lead)
    response = client.post(
        upload_url(room), {"file": pdf("Condition survey.pdf"), "title": "Survey 2026"}
    )
    assert response.status_code == 302
    attached(other, cast.wcc_lead, name="Not this one.pdf")
    kept = attached(room, cast.wcc_lead, name="Floor plan.pdf")
    with system_scope("test"), acting_as(cast.wcc_lead, label="test"):
        delete_attachment(Attachment.objects.unscoped("test").get(pk=kept.pk))

    text = client.get(f"/rooms/{room.pk}/history/").content.decode()
    assert text.count("File attached") == 2 and text.count("File removed") == 1
    assert "Condition survey.pdf" in text and "Survey 2026" in text and "Floor plan.pdf" in text
    assert "Not this one.pdf" not in text  # another record's file
    assert "sha256" not in text.lower() and "attachments/partners" not in text
    # Another council sees neither the record nor its history.
    assert client_for(cast.rbkc_lead).get(f"/rooms/{room.pk}/history/").status_code == 404


def test_the_back_office_lists_attachments_as_their_records_are_seen(cast):
    from django.contrib.admin.sites import site as admin_site
    from django.test import RequestFactory

    from core.tenancy.models import User

    mine = attached(make_room(cast.wcc), cast.wcc_lead, name="Ours.pdf")
    theirs = attached(make_room(cast.rbkc, "TH"), cast.rbkc_lead, name="Theirs.pdf")
    with system_scope("test data"):
        former = attached(make_room(cast.lbhf, "OLD"), cast.manager, name="Old.pdf")
        root = User.objects.create_superuser("root", "root@example.org", "x-Long-enough-9")
    model_admin = admin_site._registry[Attachment]
    request = RequestFactory().get("/django-admin/")
    request.user = cast.wcc_lead
    assert [a.original_name for a in model_admin.get_queryset(request)] == ["Ours.pdf"]
    request.user = root
    names = {a.original_name for a in model_admin.get_queryset(request)}
    assert {"Ours.pdf", "Theirs.pdf", "Old.pdf"} <= names
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, mine)
    assert model_admin.has_delete_permission(request, theirs)
    # A former partner's records are read-only, their files included.
    assert not model_admin.has_delete_permission(request, former)
