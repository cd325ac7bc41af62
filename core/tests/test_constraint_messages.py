"""Every model's constraints speak to people, on the field they are about
(ConcordModel.constraint_fields and constraint_field)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from core.api.testing import api_client
from core.importing import import_records
from core.tenancy.models import Partner
from core.tenancy.records import ConcordModel
from core.tenancy.scoping import system_scope
from core.testing.sample.forms import RoomForm
from core.testing.sample.models import Pact, Room

CODE_TAKEN = "A room with this code already exists in this council"


def concord_models() -> list[type[ConcordModel]]:
    return [m for m in apps.get_models() if issubclass(m, ConcordModel)]


@pytest.mark.parametrize("model", concord_models(), ids=lambda m: m._meta.label)
def test_every_constraint_has_plain_words_and_a_field(model):
    concrete = {f.name for f in model._meta.concrete_fields}
    for constraint in model._meta.constraints:
        default = type(constraint).default_violation_error_message
        # Django's default ("Constraint “x” is violated.", "Room with this Partner and Code
        # already exists.") is developer text, and uses the model's words, not the form's.
        assert constraint.violation_error_message not in (None, default), constraint.name
        if isinstance(constraint, models.CheckConstraint):
            # A condition does not say which field a person should change.
            assert constraint.name in model.constraint_fields, constraint.name
        field = model.constraint_field(constraint)
        assert field in concrete, constraint.name
    for name in model.constraint_fields:
        assert name in {c.name for c in model._meta.constraints}, name


def test_the_field_is_the_declared_one_else_the_last_one_available():
    [unique] = Room._meta.constraints
    assert Room.constraint_field(unique) == "code"
    assert Room.constraint_field(unique, {"partner", "code"}) == "code"
    assert Room.constraint_field(unique, {"partner"}) == "partner"
    assert Room.constraint_field(unique, set()) is None  # the record as a whole
    [ends] = Pact._meta.constraints
    assert Pact.constraint_field(ends) == "ends_on"
    # Undeclared, a check constraint's is the last field its condition compares.
    undeclared = models.CheckConstraint(
        condition=models.Q(left_on__gte=models.F("joined_on")),
        name="partner_dates",
        violation_error_message="x",
    )
    assert Partner.constraint_field(undeclared) == "left_on"
    assert Partner.constraint_field(undeclared, {"joined_on"}) == "joined_on"


@pytest.mark.django_db
def test_a_declared_field_is_used_by_the_form_the_api_and_the_import(cast, monkeypatch, tmp_path):
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    # Were a clash of codes the council's to fix, each channel would name the council.
    monkeypatch.setattr(Room, "constraint_fields", {"room_unique_code": "partner"})
    form = RoomForm(data={"partner": cast.wcc.pk, "code": "CH", "name": "Twin"}, user=cast.wcc_lead)
    assert not form.is_valid()
    assert form.errors == {"partner": [CODE_TAKEN]}
    response = api_client(cast.wcc_lead).post(
        "/api/v1/rooms/", {"partner": "wcc", "code": "CH", "name": "Twin"}
    )
    assert response.json()["errors"] == [
        {"field": "partner", "code": "unique", "message": CODE_TAKEN}
    ]
    path = tmp_path / "rooms.csv"
    path.write_text("partner,code,name\nwcc,CH,Twin\n", encoding="utf-8")
    with open(path, "rb") as f:
        result = import_records(Room, f, path.name, cast.wcc_lead, dry_run=True)
    assert [(e.row, e.column, e.message) for e in result.errors] == [(2, "partner", CODE_TAKEN)]
