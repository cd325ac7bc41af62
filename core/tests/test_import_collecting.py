"""An import makes the garbage collector's passes rare while it works
(core.importing.collecting) and puts the collector back as it was afterwards, whether the
import ends well or not, and when imports overlap (the outermost one puts it back)."""

from __future__ import annotations

import gc
import io

import pytest

from core.importing import collecting, import_records
from core.testing.sample.models import Room

HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"


def test_the_collector_is_put_back_after_overlapping_uses():
    before = gc.get_threshold()
    with collecting.fewer_collections():
        assert gc.get_threshold()[0] == max(collecting.THRESHOLD, before[0])
        assert gc.get_freeze_count() > 0
        with collecting.fewer_collections():
            assert gc.get_threshold()[0] == max(collecting.THRESHOLD, before[0])
        # The inner one ended: the outer one still holds.
        assert gc.get_threshold()[0] == max(collecting.THRESHOLD, before[0])
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_collector_is_put_back_when_the_body_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collecting.fewer_collections():
        raise RuntimeError("stop")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.django_db
def test_an_import_runs_with_rare_collections_and_puts_the_collector_back(cast, monkeypatch):
    before = gc.get_threshold()
    seen = []
    real = collecting.fewer_collections

    def watching():
        seen.append("entered")
        return real()

    monkeypatch.setattr("core.importing.records.fewer_collections", watching)
    rows = "".join(f"wcc,R{i},Room {i},,,,,yes\n" for i in range(3))
    result = import_records(
        Room, io.BytesIO((HEADER + rows).encode()), "rooms.csv", cast.wcc_lead, dry_run=False
    )
    assert result.ok and result.created == 3, result.errors
    assert seen == ["entered"]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
