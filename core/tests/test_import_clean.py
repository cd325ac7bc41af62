"""A row whose every field is checked or left out is given the model's own ``clean`` rather
than ``full_clean`` (core.importing.records): its errors, on the record or on a field, are
those ``full_clean`` gives, on the same rows and columns, whether or not ``clean`` refuses."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from core.importing import import_records, records
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db

HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"
ROWS = (
    "".join(f"wcc,R{i},{'Bad room' if i % 3 == 0 else 'Room'} {i},,,,,yes\n" for i in range(7))
    + "wcc,R9,,,,,,maybe\n"
)


def refusing(where):
    def clean(self):
        if self.name.startswith("Bad"):
            if where == "record":
                raise ValidationError("This room is not allowed.")
            raise ValidationError({where: ["Not this one."]})

    return clean


@pytest.mark.parametrize("where", ["record", "name", "postcode", None])
@pytest.mark.parametrize("dry_run", [True, False])
def test_clean_alone_gives_full_clean_s_errors(cast, monkeypatch, where, dry_run):
    if where is not None:
        monkeypatch.setattr(Room, "clean", refusing(where))

    def errors():
        result = import_records(
            Room, io.BytesIO((HEADER + ROWS).encode()), "rooms.csv", cast.wcc_lead, dry_run=dry_run
        )
        return [(e.row, e.column, e.message) for e in result.errors], result.created

    calls = []
    real = models.Model.full_clean

    def counted(self, *args, **kwargs):
        calls.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(models.Model, "full_clean", counted)
    fast = errors()
    made_without = 8 - len(calls)
    monkeypatch.setattr(records._Importer, "whole_clean_shortcut", False)
    slow = errors()
    assert fast == slow
    assert made_without >= 6, "the rows without a problem were given clean() alone"
    assert fast[0], "the last row's errors at least"
    if where is not None:
        assert {e[0] for e in fast[0]} >= {2, 5, 8}
