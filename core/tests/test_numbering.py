"""Running numbers (core.numbering): counted on in the caller's transaction, one series a key,
given back when the transaction rolls back, never below a number already used.
(That they are asked for inside a transaction is checked by every test here running in one.)"""

from __future__ import annotations

import pytest
from django.db import transaction

from core.models import Counter
from core.numbering import counter_value, next_number, next_number_reading, set_at_least

pytestmark = pytest.mark.django_db


def test_a_new_key_starts_at_one_and_counts_on():
    with transaction.atomic():
        assert [next_number("test.thing:a") for _ in range(3)] == [1, 2, 3]
        assert next_number("test.thing:b") == 1
    assert Counter.objects.get(key="test.thing:a").value == 3


def test_a_rolled_back_transaction_gives_its_numbers_back():
    with transaction.atomic():
        assert next_number("test.thing:a") == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number("test.thing:a") == 2
        raise RuntimeError("the save failed")
    with transaction.atomic():
        assert next_number("test.thing:a") == 2
    # The first number of a key made in a transaction that rolled back is given back too.
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number("test.thing:c") == 1
        raise RuntimeError("the save failed")
    with transaction.atomic():
        assert next_number("test.thing:c") == 1


def test_set_at_least_never_goes_back():
    with transaction.atomic():
        set_at_least("test.thing:a", 10)
        assert next_number("test.thing:a") == 11
        set_at_least("test.thing:a", 3)
        assert next_number("test.thing:a") == 12


def test_a_counter_is_read_as_it_is():
    assert counter_value("test.thing:a") is None
    with transaction.atomic():
        next_number("test.thing:a")
        next_number("test.thing:a")
    assert counter_value("test.thing:a") == 2


def test_a_number_is_taken_with_another_counter_read_in_the_same_statement():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        # A new key is made as next_number makes it; a counter that does not exist reads None.
        assert next_number_reading("test.thing:a", "test.stamp") == (1, None)
        next_number("test.stamp")
        with CaptureQueriesContext(connection) as queries:
            assert next_number_reading("test.thing:a", "test.stamp") == (2, 1)
        assert len(queries) == 1
    assert counter_value("test.thing:a") == 2 and counter_value("test.stamp") == 1
