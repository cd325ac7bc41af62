"""The inserts an import's bulk writes use (core.importing.inserts): new records get their ids
in the rows' order and are marked saved, their values (text, dates and times, decimals, JSON)
read back as written; rows without ids go in as given; on PostgreSQL the ids come from the
key's sequence, so a record saved afterwards takes the next one. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.importing.inserts import insert, insert_values, insertable
from core.models import ChangeAction, ChangeRecord, ChangeRecordPartner
from core.tenancy.records import OwnerShare
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db


def test_records_get_their_ids_in_order_and_read_back_as_written(cast):
    assert insertable(Room)
    now = timezone.now()
    made = [
        Room(partner=cast.wcc, code=f"IN{i}", name=f"Inserted {i}", is_active=bool(i % 2))
        for i in range(7)
    ]
    insert(Room, made, returning=True)
    assert all(r.pk and not r._state.adding for r in made)
    rows = Room.objects.unscoped("test")
    for room in made:
        held = rows.get(pk=room.pk)
        assert (held.code, held.name, held.is_active) == (room.code, room.name, room.is_active)
        assert held.created_at >= now - datetime.timedelta(seconds=5), "worked out on insert"
    later = Room(partner=cast.wcc, code="AFTER", name="Saved after")
    later.save()
    assert later.pk > max(r.pk for r in made), "the key's sequence moved past the inserted ids"


def test_change_records_by_their_values(cast):
    kind = ContentType.objects.get_for_model(Room)
    at = timezone.now()
    values = [
        [at, cast.agent.pk, "import:x.csv", "", ChangeAction.CREATE, kind.pk, 40 + i, f"R{i}",
         None, {"name": f"Room {i}", "cost": "12.50"}, ["name"]]
        for i in range(3)
    ]  # fmt: skip
    names = (
        "at", "actor_id", "actor_label", "request_id", "action", "content_type_id", "object_id",
        "object_repr", "before", "after", "changed_fields",
    )  # fmt: skip
    ids = insert_values(ChangeRecord, names, values, returning=True)
    assert len(set(ids)) == 3
    insert_values(ChangeRecordPartner, ("change", "partner"), [(i, cast.wcc.pk) for i in ids])
    written = ChangeRecord.objects.unscoped("test").filter(pk__in=ids)
    by_id = {c.pk: c for c in written}
    for number, change_id in enumerate(ids):
        change = by_id[change_id]
        assert change.object_repr == f"R{number}" and change.object_id == 40 + number
        assert change.after == {"name": f"Room {number}", "cost": "12.50"}
        assert change.before is None and change.changed_fields == ["name"]
        assert abs((change.at - at).total_seconds()) < 1
    assert ChangeRecordPartner.objects.filter(change_id__in=ids).count() == 3


def test_rows_without_ids(cast):
    kind = ContentType.objects.get_for_model(Room)
    insert_values(
        OwnerShare,
        ("content_type", "object_id", "partner", "percentage"),
        [
            (kind.pk, 9001, cast.wcc.pk, Decimal("60.00")),
            (kind.pk, 9001, cast.rbkc.pk, Decimal("40")),
        ],
    )
    shares = OwnerShare.objects.filter(content_type=kind, object_id=9001).order_by("partner_id")
    assert sorted(s.percentage for s in shares) == [Decimal("40.00"), Decimal("60.00")]
    assert insert_values(OwnerShare, ("object_id",), []) == []


def test_a_moment_is_prepared_as_its_field_prepares_it():
    """The moments' shortcut (`_moment`) gives what ``get_db_prep_save`` gives, for moments in
    any time zone (a naive one goes the field's own way)."""
    import zoneinfo

    from django.db import connection

    from core.importing.inserts import _converter, _moment

    field = ChangeRecord._meta.get_field("at")
    assert _moment(field, connection) is not None
    convert, _ = _converter(field, connection)
    london = zoneinfo.ZoneInfo("Europe/London")
    moments = [
        timezone.now(),
        datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 29, 2, 30, tzinfo=london),
        datetime.datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=london),
        datetime.datetime(2026, 7, 1, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=5.5))),
        datetime.datetime(1, 1, 1, 23, tzinfo=datetime.timezone(datetime.timedelta(hours=-1))),
    ]
    for moment in moments:
        expected = field.get_db_prep_save(moment, connection)
        assert convert(moment) == expected and type(convert(moment)) is type(expected), moment


def test_json_is_the_text_json_dumps_makes():
    """One encoder made once (`_json_writer`) writes the text ``json.dumps`` writes."""
    import json
    import uuid

    from django.core.serializers.json import DjangoJSONEncoder

    from core.importing.inserts import _json_dumps, _json_writer

    values = [
        {"name": "Café ☕", "n": 1, "x": 1.5, "ok": True, "none": None, "list": [1, "a", {}]},
        ["b", "a"],
        {"when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)},
        {"price": Decimal("899.00"), "id": uuid.UUID(int=7), "day": datetime.date(2026, 1, 2)},
        "plain",
        float("nan"),
        {2: "key not text", "nested": {"deep": [[["x"]]]}},
    ]
    for encoder in (None, json.JSONEncoder, DjangoJSONEncoder):
        fast, slow = _json_writer(encoder), _json_dumps(encoder)
        for value in values:
            try:
                expected = slow(value)
            except TypeError:
                with pytest.raises(TypeError):
                    fast(value)
                continue
            assert fast(value) == expected, (encoder, value)


def test_a_creation_s_changed_fields_are_those_the_comparison_gives():
    """`_diff` of a creation (nothing before) is every field the record's values compared
    with nothing find changed."""
    from core.changelog import _diff

    after = {"b": 1, "a": "", "c": None, "d": [], "e": {}, "f": False, "g": 0, "h": "x"}
    slow = sorted(k for k in set(after) if after.get(k) != None)  # noqa: E711
    assert _diff(None, after) == _diff({}, after) == slow == ["a", "b", "d", "e", "f", "g", "h"]
    assert _diff(None, None) == []
