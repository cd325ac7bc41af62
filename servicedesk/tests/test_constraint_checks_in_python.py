"""Check constraints worked out in Python before a record's checks or the API ask the database
(core.tenancy.conditions.check_in_python): where it answers, its answer is the database's."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.tenancy.conditions import CANNOT_SAY, check_in_python
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
                holds = check_in_python(model, record, constraint.condition)
                if holds is not CANNOT_SAY:
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
    assert check_in_python(Ticket, record, constraint.condition) == expected
    assert database_says(Ticket, constraint, record) == expected


def test_what_cannot_be_told_for_sure_is_left_to_the_database():
    record = Ticket(contact_id=None, requester_id=7, subject="x")

    def holds(condition: Any) -> Any:
        return check_in_python(Ticket, record, condition)

    # A comparison with NULL is unknown, and a check constraint holds unless it is false.
    assert holds(~Q(contact=F("requester"))) is True
    # Lookups through a relation, and text compared by order (the database's collation
    # decides), are not worked out here.
    assert holds(Q(requester__username="x")) is CANNOT_SAY
    assert holds(Q(subject__gt="a")) is CANNOT_SAY
    # AND, OR and NOT of what is known, with SQL's logic.
    assert holds(Q(contact__isnull=True) | Q(requester=8)) is True
    assert holds(Q(contact__isnull=False) & Q(requester=7)) is False
    assert holds(~(Q(contact__isnull=False) & Q(requester=7))) is True
    assert holds(Q(subject="x", requester=7)) is True
    assert holds(Q(subject="x") & ~Q(requester=7)) is False
