"""New rows inserted with a statement compiled once (core.tenancy.inserts): the rows Django's
``bulk_create`` would write, read back the same, with no statement built again; any call of
another shape is left to Django."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet, Value
from django.db.models.functions import Upper
from django.db.models.sql.compiler import SQLInsertCompiler
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from core.models import ChangeRecord, ChangeRecordPartner
from core.tenancy import inserts
from core.tenancy.models import Partner

pytestmark = pytest.mark.django_db

WRITTEN = "rows written for the test"


def record(cast: Any, n: int) -> ChangeRecord:
    return ChangeRecord(
        at=datetime(2026, 12, 6, 9, n, tzinfo=UTC),
        actor=cast.wcc_lead,
        actor_label=f"test {n}",
        request_id=f"r{n}",
        action="update",
        content_type=ContentType.objects.get_for_model(Partner),
        object_id=cast.wcc.pk,
        object_repr=f"“Westminster” {n}",
        before={"name": "Old", "n": n, "nested": [1, {"a": None}]},
        after={"name": "New", "n": n + 1},
        changed_fields=["n", "name"],
    )


def stored(pks: list[int]) -> list[tuple[Any, ...]]:
    names = [f.attname for f in ChangeRecord._meta.concrete_fields if not f.primary_key]
    rows = ChangeRecord.objects.unscoped(WRITTEN).filter(pk__in=pks).order_by("pk")
    return list(rows.values_list(*names))


def counted_compiles(monkeypatch: Any) -> list[int]:
    calls: list[int] = []
    original = SQLInsertCompiler.as_sql

    def counted(self: Any) -> Any:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", counted)
    return calls


@pytest.mark.parametrize("count", [1, 3])
def test_rows_are_those_django_writes_and_the_statement_is_built_once(cast, monkeypatch, count):
    changes = ChangeRecord.objects.unscoped(WRITTEN)
    ours = [record(cast, n) for n in range(count)]
    assert inserts.insert_new(ChangeRecord, ours, connection.alias)
    djangos = [record(cast, n) for n in range(count)]
    QuerySet.bulk_create(changes, djangos)  # Django's own
    assert all(r.pk is not None and not r._state.adding for r in ours)
    assert [r._state.db for r in ours] == [connection.alias] * count
    assert sorted(r.pk for r in ours) == [r.pk for r in ours]  # in the order given
    assert stored([r.pk for r in ours]) == stored([r.pk for r in djangos])

    calls = counted_compiles(monkeypatch)
    again = [record(cast, n) for n in range(count)]
    with CaptureQueriesContext(connection) as queries:
        changes.bulk_create(again)  # through the scoped queryset, as the change log writes
    assert calls == [] and len(queries) == 1
    assert stored([r.pk for r in again]) == stored([r.pk for r in ours])


def test_a_related_record_saved_after_it_was_named_gives_its_id(cast):
    change = record(cast, 1)
    link = ChangeRecordPartner(change=change, partner=cast.wcc)  # the change has no id yet
    ChangeRecord.objects.unscoped(WRITTEN).bulk_create([change])
    ChangeRecordPartner.objects.bulk_create([link])
    assert ChangeRecordPartner.objects.get(pk=link.pk).change_id == change.pk


def test_calls_of_another_shape_are_left_to_django(cast, monkeypatch):
    changes = ChangeRecord.objects.unscoped(WRITTEN)
    many = [record(cast, n % 60) for n in range(inserts.MOST_ROWS + 1)]
    given = record(cast, 2)
    given.pk = 10**9
    expression = record(cast, 3)
    expression.actor_label = Upper(Value("an expression"))
    assert not inserts.insert_new(ChangeRecord, many, connection.alias)
    assert not inserts.insert_new(ChangeRecord, [given], connection.alias)
    assert not inserts.insert_new(ChangeRecord, [expression], connection.alias)
    assert not inserts.insert_new(ChangeRecord, [], connection.alias)
    assert not changes.filter(actor_label="AN EXPRESSION").exists()

    calls = counted_compiles(monkeypatch)
    changes.bulk_create(many)
    changes.bulk_create([expression])
    changes.bulk_create([record(cast, 4)], batch_size=1)  # Django's arguments: Django's way
    assert len(calls) >= 3
    assert changes.filter(actor_label="AN EXPRESSION").count() == 1
    assert changes.filter(actor_label__startswith="test ").count() == inserts.MOST_ROWS + 2


def test_a_record_saved_is_inserted_as_django_would_with_a_statement_built_once(cast, monkeypatch):
    from core.tenancy import records
    from core.tenancy.scoping import system_scope

    differ = {"id", "code", "name", "created_at", "updated_at"}
    names = [f.attname for f in Partner._meta.concrete_fields if f.attname not in differ]

    def made(n: int) -> list[Any]:
        partner = Partner(code=f"cam{n}", name=f"Camden {n}", joined_on=date(2020, 4, 1))
        partner.save()
        assert partner.pk is not None and not partner._state.adding
        changes = ChangeRecord.objects.unscoped(WRITTEN).filter(object_id=partner.pk)
        assert changes.filter(action="create").exists()
        found = Partner.objects.unscoped(WRITTEN).filter(pk=partner.pk)
        assert found.values_list("code", "name").get() == (f"cam{n}", f"Camden {n}")
        return list(found.values_list(*names).get())

    with system_scope("test"):
        ours = made(1)  # the statement is built here, once for this connection
        calls = counted_compiles(monkeypatch)
        again = made(2)
        assert calls == []
        monkeypatch.setattr(records, "insert_saved", lambda *args: None)  # Django's own
        djangos = made(3)
        assert calls  # Django built its statement
    assert ours == again == djangos


def job(n: int) -> DBTaskResult:
    """A job's row, which brings its own id (a UUID) as django_tasks_db writes it."""
    return DBTaskResult(
        id=uuid.uuid4(),
        args_kwargs={"args": [n], "kwargs": {"reference": f"INC{n:07d}", "none": None}},
        priority=n,
        task_path="servicedesk.jobs.send",
        queue_name="default",
        run_after=datetime(2026, 12, 6, 9, n, tzinfo=UTC),
        backend_name="default",
    )


def jobs_stored(ids: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    names = [f.attname for f in DBTaskResult._meta.concrete_fields]
    names = [n for n in names if n not in ("id", "enqueued_at")]
    rows = DBTaskResult.objects.filter(id__in=ids).order_by("priority")
    return list(rows.values_list(*names))


@pytest.mark.parametrize("count", [1, 3])
def test_rows_bringing_their_own_ids_are_those_django_writes_built_once(monkeypatch, count):
    ours = [job(n) for n in range(count)]
    assert inserts.insert_given(DBTaskResult, ours, connection.alias)
    assert all(not row._state.adding and row._state.db == connection.alias for row in ours)
    djangos = [job(n) for n in range(count)]
    DBTaskResult.objects.bulk_create(djangos)
    assert jobs_stored([r.id for r in ours]) == jobs_stored([r.id for r in djangos])
    assert DBTaskResult.objects.filter(id__in=[r.id for r in ours], enqueued_at__isnull=False)

    calls = counted_compiles(monkeypatch)
    again = [job(n) for n in range(count)]
    with CaptureQueriesContext(connection) as queries:
        assert inserts.insert_given(DBTaskResult, again, connection.alias)
    # On PostgreSQL the row waits for the transaction's next statement (core.postgresql).
    assert calls == [] and len(queries) == (0 if keeps_writes() else 1)
    assert jobs_stored([r.id for r in again]) == jobs_stored([r.id for r in ours])


def test_rows_without_ids_or_ids_the_database_gives_are_not_given(cast):
    idless = job(1)
    idless.id = None
    assert not inserts.insert_given(DBTaskResult, [idless], connection.alias)
    numbered = record(cast, 5)
    numbered.pk = 10**9
    assert not inserts.insert_given(ChangeRecord, [numbered], connection.alias)
    assert not inserts.insert_given(DBTaskResult, [], connection.alias)
    assert not DBTaskResult.objects.exists()
    assert not ChangeRecord.objects.unscoped(WRITTEN).filter(pk=10**9).exists()


def keeps_writes() -> bool:
    """Whether the connection keeps inserts for the transaction's next statement."""
    return getattr(connection, "write_later", None) is not None


def test_a_record_and_its_links_go_in_one_statement_on_postgresql(cast, monkeypatch):
    changes = ChangeRecord.objects.unscoped(WRITTEN)
    ours = record(cast, 6)
    councils = sorted([cast.wcc.pk, cast.rbkc.pk])
    with CaptureQueriesContext(connection) as queries:
        done = inserts.insert_with_links(
            ours, ChangeRecordPartner, "change", "partner", councils, connection.alias
        )
    if connection.vendor != "postgresql":
        # Elsewhere the caller writes the two itself (core.changelog): nothing was written.
        assert not done and queries.captured_queries == [] and ours.pk is None
        return
    # Kept for the transaction's next statement (core.postgresql), reading nothing back.
    assert done and queries.captured_queries == [] and ours.pk is None
    assert not ours._state.adding
    (waiting,) = connection.waiting
    assert waiting.startswith("WITH new AS (INSERT") and waiting.endswith(" AS other")
    written = changes.get(actor_label="test 6")  # sent before the read, which finds it
    assert connection.waiting == []
    djangos = record(cast, 6)
    QuerySet.bulk_create(changes, [djangos])
    assert stored([written.pk]) == stored([djangos.pk])
    links = ChangeRecordPartner.objects.filter(change_id=written.pk).order_by("partner_id")
    assert list(links.values_list("partner_id", flat=True)) == councils

    # Where nothing can wait (outside a transaction), one statement reads the id back.
    monkeypatch.setattr(connection, "write_later", lambda sql, params: False)
    ours = record(cast, 8)
    with CaptureQueriesContext(connection) as queries:
        assert inserts.insert_with_links(
            ours, ChangeRecordPartner, "change", "partner", councils, connection.alias
        )
    assert len(queries) == 1 and "RETURNING" in queries[0]["sql"]
    assert ours.pk is not None and not ours._state.adding
    links = ChangeRecordPartner.objects.filter(change_id=ours.pk).order_by("partner_id")
    assert list(links.values_list("partner_id", flat=True)) == councils
    # No councils, or a record with an id of its own: left to the caller.
    assert not inserts.insert_with_links(
        record(cast, 7), ChangeRecordPartner, "change", "partner", [], connection.alias
    )
    assert not inserts.insert_with_links(
        ours, ChangeRecordPartner, "change", "partner", councils, connection.alias
    )
    assert ChangeRecordPartner.objects.filter(change_id=ours.pk).count() == 2


def test_only_values_a_field_would_send_unchanged_are_taken_as_they_are():
    from django.db import models

    class Shouting(models.CharField):
        def get_prep_value(self, value: Any) -> Any:
            return None if value is None else str(value).upper()

    fields = {f.name: f for f in ChangeRecord._meta.concrete_fields}
    nothing = type(None)
    assert inserts.passed_as_is(fields["actor_label"], connection) == {str, nothing}
    assert inserts.passed_as_is(fields["actor"], connection) == {int, nothing}  # a key
    # PostgreSQL's backend gives each whole number of an integer field its type (psycopg's
    # Int8): prepared as Django prepares it there. Keys to ids go as they are on both.
    numbers: set[type] = {nothing} if connection.vendor == "postgresql" else {int, nothing}
    assert inserts.passed_as_is(fields["object_id"], connection) == numbers
    assert inserts.passed_as_is(fields["at"], connection) == {nothing}  # a moment is adapted
    assert inserts.passed_as_is(fields["after"], connection) == set()  # None is JSON's null
    shouting = Shouting(max_length=10)
    assert inserts.passed_as_is(shouting, connection) == {nothing}
    assert shouting.get_db_prep_save("quiet", connection) == "QUIET"
