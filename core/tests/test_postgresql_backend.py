"""Concord's PostgreSQL backend (core.postgresql): inserts no one reads back wait for the
transaction's next statement or its COMMIT, and go with it in one round trip; a rollback, of the
transaction or to a savepoint, drops them as it would have; outside a transaction nothing waits;
a kept insert that fails fails the transaction that kept it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db import connection as default_connection
from django.test.utils import CaptureQueriesContext

from core.models import Counter

#: The default connection, as Concord's PostgreSQL backend (core.postgresql) makes it.
connection: Any = default_connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the backend is PostgreSQL's"
)

INSERT = "INSERT INTO core_counter (key, value) VALUES (%s, %s)"


def counters() -> dict[str, int]:
    return dict(Counter.objects.filter(key__startswith="later.").values_list("key", "value"))


@pytest.mark.django_db
def test_kept_inserts_go_with_the_next_statement_in_one_round_trip() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert connection.write_later(INSERT, ["later.a", 1])
        assert connection.write_later(INSERT, ["later.b's", 2])  # values written in, quoted
        assert queries.captured_queries == []
        assert len(connection.waiting) == 2
        found = counters()
    assert found == {"later.a": 1, "later.b's": 2}
    assert len(queries) == 2 and queries[0]["sql"].count("INSERT INTO core_counter") == 2
    assert connection.waiting == []


@pytest.mark.django_db
def test_a_rollback_to_a_savepoint_undoes_what_was_kept_inside_it() -> None:
    assert connection.write_later(INSERT, ["later.kept", 1])
    with pytest.raises(ValueError), transaction.atomic():
        assert connection.write_later(INSERT, ["later.undone", 2])
        raise ValueError
    assert counters() == {"later.kept": 1}


@pytest.mark.django_db(transaction=True)
def test_kept_inserts_go_with_the_commit() -> None:
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert connection.write_later(INSERT, ["later.c", 3])
    assert connection.waiting == []
    (sent,) = [q["sql"] for q in queries.captured_queries if "core_counter" in q["sql"]]
    assert sent.startswith("INSERT INTO core_counter") and sent.endswith(";\nCOMMIT")
    assert counters() == {"later.c": 3}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_nothing_waits_and_a_rollback_drops_what_did() -> None:
    assert not connection.write_later(INSERT, ["later.now", 1])
    assert connection.waiting == []
    with pytest.raises(ValueError), transaction.atomic():
        assert connection.write_later(INSERT, ["later.dropped", 2])
        raise ValueError
    assert connection.waiting == []
    assert counters() == {}


@pytest.mark.django_db(transaction=True)
def test_a_kept_insert_that_fails_fails_its_transaction() -> None:
    Counter.objects.create(key="later.taken", value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Counter.objects.create(key="later.written", value=2)
        assert connection.write_later(INSERT, ["later.taken", 3])  # the key is unique
    assert connection.waiting == []
    assert counters() == {"later.taken": 1}
    # The connection is usable afterwards.
    with transaction.atomic():
        assert connection.write_later(INSERT, ["later.after", 4])
    assert counters() == {"later.taken": 1, "later.after": 4}
