"""History never shows where a file is stored: a change of an attachment names the file.

An attachment's storage path (``attachments/<app>/<model>/<random>/<name>``) is not written
to its change records at all (`Attachment.change_log_omits`), and a change logged before that
gives it out nowhere: not on the record's history page, the change log page, or
``GET /api/v1/changes/``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.api.testing import api_client
from core.attachments import attach_file, delete_attachment
from core.changelog import _write_change
from core.context import acting_as
from core.models import Attachment, ChangeRecord
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db

#: Where the sample app's rooms' files are stored (core.models.attachment_path).
STORED = "attachments/sample/room/"


@pytest.fixture
def room(cast: Any, media_folder: Any) -> Room:
    with system_scope("test data"):
        return Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")


def file_changes() -> list[ChangeRecord]:
    with system_scope("test checks"):
        return list(ChangeRecord.objects.filter(content_type__model="attachment").order_by("pk"))


def attached_through_the_api(cast: Any, room: Room, name: str) -> dict[str, Any]:
    upload = SimpleUploadedFile(name, b"A survey", content_type="text/plain")
    response = api_client(cast.wcc_lead).post(
        "/api/v1/attachments/",
        {"record": f"sample.room:{room.pk}", "file": upload, "title": "Survey 2026"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_change_record_of_a_file_holds_its_name_not_its_path(cast: Any, room: Room) -> None:
    attached_through_the_api(cast, room, "Condition survey.txt")
    with system_scope("test"), acting_as(cast.wcc_lead, label="test"):
        attachment = Attachment.objects.unscoped("test").get()
        stored = attachment.file.name
        delete_attachment(attachment)
    created, deleted = file_changes()
    assert created.after is not None and deleted.before is not None
    assert stored.startswith(STORED)
    assert created.after["original_name"] == "Condition survey.txt"
    assert deleted.before["original_name"] == "Condition survey.txt"
    assert "file" not in created.after and "file" not in deleted.before
    assert "file" not in created.changed_fields
    for record in (created, deleted):
        assert stored not in json.dumps([record.before, record.after])


def old_style_change(cast: Any, room: Room) -> tuple[ChangeRecord, str]:
    """A change logged as attachments were before: with the file's storage path."""
    with system_scope("test data"):
        attachment = attach_file(
            room, SimpleUploadedFile("Floor plan.txt", b"Plan"), cast.wcc_lead, title=""
        )
        values = {**attachment.tracked_values(), "file": attachment.file.name}
        _write_change(attachment, "create", None, values, [cast.wcc.pk])
        # Read back: on PostgreSQL the record waited for the next statement, its id unknown.
        record = ChangeRecord.objects.filter(
            content_type__model="attachment", object_id=attachment.pk, after__file__isnull=False
        ).get()
    return record, attachment.file.name


def test_the_api_never_gives_a_storage_path(cast: Any, room: Room) -> None:
    attached_through_the_api(cast, room, "Condition survey.txt")
    record, path = old_style_change(cast, room)
    assert record.after is not None and record.after["file"] == path  # as old changes hold it
    client = api_client(cast.wcc_lead)
    listing = client.get("/api/v1/changes/", {"content_type": "core.attachment"})
    assert listing.status_code == 200
    assert STORED not in listing.content.decode()
    results = listing.json()["results"]
    assert {r["after"]["original_name"] for r in results} == {
        "Condition survey.txt",
        "Floor plan.txt",
    }
    for result in results:
        assert "file" not in result["after"] and "file" not in result["changed_fields"]
    one = client.get(f"/api/v1/changes/{record.pk}/")
    assert one.status_code == 200 and STORED not in one.content.decode()
    assert one.json()["after"]["original_name"] == "Floor plan.txt"


def test_the_pages_never_show_a_storage_path(cast: Any, room: Room, client_for: Any) -> None:
    attached_through_the_api(cast, room, "Condition survey.txt")
    _record, path = old_style_change(cast, room)
    client = client_for(cast.wcc_lead)
    history = client.get(f"/rooms/{room.pk}/history/").content.decode()
    assert "Condition survey.txt" in history and "Floor plan.txt" in history
    assert STORED not in history and path.rsplit("/", 2)[-2] not in history
    changes = client.get("/changes/", {"model": "core.attachment"}).content.decode()
    assert "Floor plan.txt" in changes and "Survey 2026" in changes
    assert STORED not in changes
    # The fields changed name the file's name, never its stored file.
    assert "Original name" in changes
    assert ", File," not in changes and ">File," not in changes
