"""Check constraints worked out in Python before the API asks the database
(core.api.serializers.condition_holds): where it answers, its answer is the database's."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.api.serializers import condition_holds
from servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def database_says(model: Any, constraint: Any, record: Any) -> bool:
    try:
        constraint.validate(model, record)
    except ValidationError:
        return False
    return True


def test_the_answer_given_is_the_database_s_for_every_model_s_checks():
    answered = 0
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            for record in (model(), model(pk=1)):
                holds = condition_holds(constraint.condition, record)
                if holds is not None:
                    answered += 1
                    assert holds == database_says(model, constraint, record), constraint.name
    assert answered  # some are answered without a query


@pytest.mark.parametrize(
    ("contact", "requester", "expected"),
    [(None, 7, True), (7, 7, False), (8, 7, True), (None, None, True)],
)
def test_a_ticket_s_contact_is_not_its_requester(contact, requester, expected):
    [constraint] = [
        c
        for c in Ticket._meta.constraints
        if isinstance(c, models.CheckConstraint) and c.name == "ticket_contact_not_requester"
    ]
    record = Ticket(contact_id=contact, requester_id=requester)
    assert condition_holds(constraint.condition, record) == expected
    assert database_says(Ticket, constraint, record) == expected


def test_what_cannot_be_told_for_sure_is_left_to_the_database():
    record = Ticket(contact_id=None, requester_id=7, subject="x")
    # A comparison with NULL: the database's three-valued logic decides.
    assert condition_holds(~Q(contact=F("requester")), record) is None
    # Lookups other than exact and isnull, joined fields, expressions: not worked out here.
    assert condition_holds(Q(subject__startswith="x"), record) is None
    assert condition_holds(Q(requester__username="x"), record) is None
    assert condition_holds(Q(subject=F("description")) | Q(subject__gt="a"), record) is None
    # One true part of an OR, one false part of an AND, decide whatever the others are.
    assert condition_holds(Q(contact__isnull=True) | Q(subject__gt="a"), record) is True
    assert condition_holds(Q(contact__isnull=False) & Q(subject__gt="a"), record) is False
    assert condition_holds(~(Q(contact__isnull=False) & Q(subject__gt="a")), record) is True
    assert condition_holds(Q(subject="x", requester=7), record) is True
    assert condition_holds(Q(subject="x") & ~Q(requester=7), record) is False
