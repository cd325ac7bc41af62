"""An import makes the garbage collector's passes rare while it works
(core.importing.collecting) and puts the collector back as it was afterwards, whether the
import ends well or not, and when imports overlap (the outermost one puts it back). A process
that froze what it loaded as it started (core.heap: the web server's, this test suite's) keeps
that freeze."""

from __future__ import annotations

import contextlib
import gc
import io
from collections.abc import Iterator

import pytest

from core.importing import collecting, import_records
from core.testing.sample.models import Room

HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"


@pytest.fixture
def nothing_frozen() -> Iterator[None]:
    """A process that froze nothing as it started (the test suite freezes what it loaded)."""
    gc.unfreeze()
    try:
        yield
    finally:
        gc.freeze()


def test_the_collector_is_put_back_after_overlapping_uses(nothing_frozen):
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


def test_the_collector_is_put_back_when_the_body_fails(nothing_frozen):
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collecting.fewer_collections():
        raise RuntimeError("stop")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_what_it_loaded_keeps_it_frozen():
    gc.freeze()  # as core.heap.freeze_what_is_loaded leaves a server's process
    before = gc.get_threshold()
    for fails in (False, True):
        failing = pytest.raises(RuntimeError) if fails else contextlib.nullcontext()
        with failing, collecting.fewer_collections():
            assert gc.get_threshold()[0] == max(collecting.THRESHOLD, before[0])
            assert gc.get_freeze_count() > 0
            if fails:
                raise RuntimeError("stop")
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() > 0, "the process's own freeze was undone"


@pytest.mark.django_db
def test_an_import_runs_with_rare_collections_and_puts_the_collector_back(cast, monkeypatch):
    before = gc.get_threshold()
    frozen = gc.get_freeze_count() > 0
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
    assert (gc.get_freeze_count() > 0) == frozen
