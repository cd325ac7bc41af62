"""A check constraint answered in Python (core.tenancy.conditions) gives the database's own
answer, SQL's three-valued logic included, and says "cannot say" for anything it cannot answer
exactly, so that the database is asked instead."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Lower

from core.tenancy.conditions import CANNOT_SAY, check_in_python, compiled, walk
from core.testing.sample.models import Pact

pytestmark = pytest.mark.django_db

D = datetime.date


def database_says(instance, condition):
    against = instance._get_field_expression_map(meta=Pact._meta)
    return Q(condition).check(against, using=connection.alias)


CONDITIONS = [
    Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
    Q(ends_on__gt=F("starts_on")),
    ~Q(title="") | ~Q(reference=""),
    Q(title="A") & ~Q(reference="x"),
    Q(ends_on__lt=D(2030, 1, 1)),
    Q(reference__in=["x", "y"]),
    ~Q(ends_on__in=[D(2026, 1, 1), None]),
    Q(ends_on=None),
]
PACTS = [
    {"title": "A", "reference": "x", "starts_on": D(2026, 1, 1), "ends_on": None},
    {"title": "", "reference": "", "starts_on": D(2026, 1, 1), "ends_on": D(2025, 1, 1)},
    {"title": "A", "reference": "y", "starts_on": D(2026, 1, 1), "ends_on": D(2026, 1, 1)},
    {"title": "B", "reference": "z", "starts_on": D(2026, 1, 1), "ends_on": D(2031, 1, 1)},
]


@pytest.mark.parametrize("number", range(len(CONDITIONS)))
def test_python_gives_the_database_s_answer(number):
    condition = CONDITIONS[number]
    for values in PACTS:
        pact = Pact(**values)
        answer = check_in_python(Pact, pact, condition)
        assert answer is not CANNOT_SAY, condition
        assert answer == database_says(pact, condition), (condition, values)


def test_what_python_cannot_answer_exactly_goes_to_the_database():
    pact = Pact(title="b", reference="A", starts_on=D(2026, 1, 1))
    for condition in (
        Q(title__gt=F("reference")),  # text by order: the collation's business
        Q(title__icontains="b"),  # a lookup it does not know
        Q(Lower("title")),  # an expression
        Q(starts_on__gt=Decimal("1")),  # a date against a number
    ):
        assert check_in_python(Pact, pact, condition) is CANNOT_SAY, condition


def test_a_condition_on_an_excluded_field_holds_as_django_skips_it():
    pact = Pact(title="A", starts_on=D(2026, 1, 1), ends_on=D(2020, 1, 1))
    condition = Q(ends_on__gte=F("starts_on"))
    assert check_in_python(Pact, pact, condition) is False
    assert check_in_python(Pact, pact, condition, exclude={"ends_on"}) is True


def test_the_model_s_validation_reports_a_breach_found_in_python(django_assert_num_queries):
    from django.core.exceptions import ValidationError

    pact = Pact(title="A", reference="x", starts_on=D(2026, 1, 1), ends_on=D(2025, 1, 1))
    with django_assert_num_queries(0), pytest.raises(ValidationError) as caught:
        pact.validate_constraints()
    assert caught.value.message_dict == {
        "ends_on": ["The end date must be the same as or after the start date"]
    }


#: Conditions the compiled form must answer as the walk does: those above, the ones Python
#: cannot answer, NOT and XOR, nested, empty, and fields named by attname or through a join.
EVERY_CONDITION = [
    *CONDITIONS,
    Q(title__gt=F("reference")),
    Q(title__icontains="b"),
    Q(Lower("title")),
    Q(starts_on__gt=Decimal("1")),
    ~(Q(title="A") | Q(ends_on__isnull=False)),
    Q(title="A") ^ Q(reference="x"),
    Q(),
    ~Q(),
    Q(Q(title="A") | Q(reference=""), ends_on__lte=F("starts_on")),
    Q(ends_on__isnull="yes"),
    Q(ends_on__gt=None),
    Q(reference__in=["x", None]),
    Q(reference__in=F("title")),
    Q(reference__in=[1, 2]),
    Q(starts_on__exact=F("ends_on")),
    Q(no_such_field=1),
    Q(title__lower="a"),
    Q(summary__exact=""),
    Q(id__gte=1),
    "not a Q",
]
#: Records with text, dates, NULLs and values of the wrong type (a number for a date).
EVERY_PACT: list[dict[str, Any]] = [
    *PACTS,
    {"title": "b", "reference": "A", "starts_on": D(2026, 1, 1), "ends_on": 5},
    {"title": "A", "reference": None, "starts_on": None, "ends_on": None},
    {"title": "", "reference": "x", "starts_on": D(2030, 1, 1), "ends_on": D(2030, 1, 1)},
]
EXCLUDES = [None, set(), {"ends_on"}, {"title"}, ["reference", "starts_on"], {"summary"}]


def test_the_compiled_condition_answers_as_walking_the_tree_does():
    for condition in EVERY_CONDITION:
        for values in EVERY_PACT:
            pact = Pact(**values)
            for exclude in EXCLUDES:
                slow = walk(Pact, pact, condition, exclude)
                fast = check_in_python(Pact, pact, condition, exclude)
                assert fast is slow or fast == slow, (condition, values, exclude)
                assert type(fast) is type(slow), (condition, values, exclude)


def test_a_condition_is_compiled_once():
    condition = CONDITIONS[0]
    assert compiled(Pact, condition) is compiled(Pact, condition)


def test_matches_finds_what_a_query_filtered_by_the_condition_finds():
    """A row whose condition is unknown (NULL) is not found: WHERE's rule, not a constraint's."""
    from core.tenancy.conditions import matches
    from core.tenancy.scoping import system_scope

    with system_scope("test data"):
        # Every pact but the one its own check constraint refuses.
        saved = [Pact.objects.create(**values) for values in PACTS if values["title"]]
        conditions = [
            condition
            for condition in CONDITIONS
            if "NOT" not in str(condition) and "None]" not in str(condition)
        ]
        conditions += [Q(pk__in=[saved[0].pk]), Q(pk__in=[]) | Q(title="B"), Q()]
        for condition in conditions:
            found = set(
                Pact.objects.unscoped("test").filter(condition).values_list("pk", flat=True)
            )
            for pact in saved:
                answer = matches(Pact, pact, condition)
                assert answer is not CANNOT_SAY, condition
                assert answer == (pact.pk in found), (condition, pact.title)
    assert matches(Pact, saved[0], Q(title__icontains="a")) is CANNOT_SAY
    assert matches(Pact, saved[0], Q(partner__code="wcc")) is CANNOT_SAY  # a join
    # A filter's negation finds the NULL rows (IS NOT NULL is written beside it), and None is
    # taken out of an in list: the database is asked.
    for condition in (~Q(ends_on__in=[D(2026, 1, 1)]), Q(ends_on__in=[D(2026, 1, 1), None])):
        assert matches(Pact, saved[0], condition) is CANNOT_SAY, condition
