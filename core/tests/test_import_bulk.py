"""An import writes its rows in bulk, a chunk at a time (core.importing.batch): across chunks
the records and their change records (with their councils) are those a save a row at a time
writes (the search index follows stated bulk writes: core.search's own tests); a bad row in a
later chunk undoes the chunks written before it; and a chunk the database refuses is written
again a row at a time, its row reported."""

from __future__ import annotations

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError

from core.importing import batch, import_records, records
from core.models import ChangeRecord, ChangeRecordPartner
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db

HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"


def run(text, user, dry_run=False):
    return import_records(Room, io.BytesIO(text.encode()), "rooms.csv", user, dry_run=dry_run)


def rooms(n, start=0):
    return "".join(f"wcc,R{i},Room number {i},,,,,yes\n" for i in range(start, start + n))


def test_rows_written_in_chunks_have_their_change_records(cast, monkeypatch):
    monkeypatch.setattr(records, "CHUNK", 2)
    assert batch.bulk_writable(Room)
    progress = []
    result = import_records(
        Room, io.BytesIO((HEADER + rooms(5)).encode()), "rooms.csv", cast.wcc_lead,
        dry_run=False, progress=lambda done, total: progress.append((done, total)),
    )  # fmt: skip
    assert result.ok and (result.created, result.updated) == (5, 0), result.errors
    assert progress[0] == (0, 5) and progress[-1] == (5, 5)
    kind = ContentType.objects.get_for_model(Room)
    made = list(Room.objects.unscoped("test").order_by("code"))
    assert [r.code for r in made] == ["R0", "R1", "R2", "R3", "R4"]
    changes = ChangeRecord.objects.unscoped("test").filter(content_type=kind)
    assert sorted(c.object_id for c in changes) == sorted(r.pk for r in made)
    for change in changes:
        assert change.action == "create" and change.actor == cast.wcc_lead
        assert change.actor_label == "import:rooms.csv"
        assert change.after["name"].startswith("Room number")
        links = ChangeRecordPartner.objects.filter(change=change)
        assert [link.partner_id for link in links] == [cast.wcc.pk]
    # A re-import updates in bulk too: one change record each for what changed, versions moved.
    again = HEADER + rooms(3).replace("Room number", "Hall")
    text = "id," + again.replace("\nwcc", "\n{},wcc")
    text = text.format(*[r.pk for r in made[:3]])
    result = run(text, cast.wcc_lead)
    assert result.ok and (result.created, result.updated) == (0, 3), result.errors
    updated = list(Room.objects.unscoped("test").order_by("code")[:3])
    assert [r.name for r in updated] == ["Hall 0", "Hall 1", "Hall 2"]
    assert {r.version for r in updated} == {2}
    assert changes.filter(action="update").count() == 3


def test_a_bad_row_after_written_chunks_undoes_them_all(cast, monkeypatch):
    monkeypatch.setattr(records, "CHUNK", 2)
    text = HEADER + rooms(4) + "wcc,,No code,,,,,yes\n"
    result = run(text, cast.wcc_lead)
    assert not result.ok and result.created == 0
    assert [e.row for e in result.errors] == [6]
    assert not Room.objects.unscoped("test").exists()
    kind = ContentType.objects.get_for_model(Room)
    assert not ChangeRecord.objects.unscoped("test").filter(content_type=kind).exists()


def test_a_chunk_the_database_refuses_is_written_a_row_at_a_time(cast, monkeypatch):
    def refuse(*args, **kwargs):
        raise IntegrityError("refused")

    monkeypatch.setattr(records, "write_in_bulk", refuse)
    result = run(HEADER + rooms(3), cast.wcc_lead)
    assert result.ok and result.created == 3, result.errors
    kind = ContentType.objects.get_for_model(Room)
    assert ChangeRecord.objects.unscoped("test").filter(content_type=kind).count() == 3
