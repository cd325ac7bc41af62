"""The text rule checked a column at a time over an import's chunk (core.importing.texts): its
expression refuses exactly the characters the rule refuses, every code point, in one-line and
free text; an import still names the row and column of a refused character among clean rows,
with the rule's own message, in a chunk of many rows; and a value whose column passed the rule
is still held to the field's other checks (its length)."""

from __future__ import annotations

import io

import pytest

from core.importing import import_records, records
from core.importing.texts import refused_in
from core.tenancy.validators import _refused
from core.testing.sample.models import Room

HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"


@pytest.mark.parametrize("multiline", [False, True])
def test_the_expression_refuses_what_the_rule_refuses(multiline):
    differ = [
        code
        for code in range(0x110000)
        if refused_in(chr(code), multiline=multiline) != _refused(chr(code), multiline=multiline)
    ]
    assert differ == []


def run(text, user, dry_run=False):
    return import_records(Room, io.BytesIO(text.encode()), "rooms.csv", user, dry_run=dry_run)


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_refused_character_is_reported_on_its_row_and_column(cast, monkeypatch, dry_run):
    monkeypatch.setattr(records, "CHUNK", 4)
    rows = [f"wcc,R{i},Room number {i},,,,,yes\n" for i in range(10)]
    rows[5] = "wcc,R5,Room \u202enumber 5,,,,,yes\n"
    rows[8] = "wcc,R\u200e8,Room number 8,,,,,yes\n"
    result = run(HEADER + "".join(rows), cast.wcc_lead, dry_run=dry_run)
    found = [(e.row, e.column, e.message) for e in result.errors]
    assert found == [
        (
            7,
            "name",
            "Name must not contain control characters or hidden formatting characters: remove "
            "the U+202E (right-to-left override) at character 6",
        ),
        (10, "code", "Use letters, digits, . _ or -."),  # the code's own shape, as before
        (
            10,
            "code",
            "Code must not contain control characters or hidden formatting characters: remove "
            "the U+200E (left-to-right mark) at character 2",
        ),
    ]
    assert not Room.objects.unscoped("test").exists()


@pytest.mark.django_db
def test_a_clean_column_is_still_held_to_its_length(cast, monkeypatch):
    monkeypatch.setattr(records, "CHUNK", 4)
    length = Room._meta.get_field("name").max_length
    assert length is not None
    rows = [f"wcc,R{i},Room number {i},,,,,yes\n" for i in range(6)]
    rows[2] = f"wcc,R2,{'x' * (length + 1)},,,,,yes\n"
    result = run(HEADER + "".join(rows), cast.wcc_lead)
    assert [(e.row, e.column) for e in result.errors] == [(4, "name")]
    assert "at most" in result.errors[0].message
    rows[2] = "wcc,R2,  Room two  ,,,,,yes\n"
    result = run(HEADER + "".join(rows), cast.wcc_lead)
    assert result.ok, result.errors
    assert Room.objects.unscoped("test").get(code="R2").name == "Room two"
