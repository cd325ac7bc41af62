"""Jobs queued by a change (core.queueing): on the database queue, written in the change's own
transaction (landing or going with it); on any other queue, handed over after the commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test import override_settings
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from core.queueing import queue_after_commit, queued_in_transaction

pytestmark = pytest.mark.django_db

ON_DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RAN: list[str] = []


@task()
def remember(value: str) -> None:
    RAN.append(value)


def _queued(value: str) -> int:
    return DBTaskResult.objects.filter(
        task_path=remember.module_path, args_kwargs__kwargs__value=value
    ).count()


@override_settings(TASKS=ON_DATABASE)
def test_on_the_database_queue_the_job_is_written_with_the_change():
    assert queued_in_transaction(remember)
    with transaction.atomic():
        queue_after_commit(remember, value="kept")
        # In the transaction already: a worker sees it when (and only if) it commits.
        assert _queued("kept") == 1
    assert _queued("kept") == 1


@override_settings(TASKS=ON_DATABASE)
def test_on_the_database_queue_a_change_rolled_back_takes_its_job_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_after_commit(remember, value="gone")
        raise RuntimeError("the change failed")
    assert _queued("gone") == 0


def test_on_another_queue_the_job_is_handed_over_after_the_commit(
    django_capture_on_commit_callbacks,
):
    RAN.clear()
    assert not queued_in_transaction(remember)  # the tests' immediate queue
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_after_commit(remember, value="after")
        assert RAN == []
    assert len(callbacks) == 1
    assert RAN == ["after"]


@override_settings(TASKS={"default": {"BACKEND": "core.queueing.DatabaseQueue"}})
def test_concords_database_queue_writes_the_row_django_tasks_db_writes(
    django_assert_num_queries,
):
    with transaction.atomic():
        ours = remember.enqueue(value="ours")
    with override_settings(TASKS=ON_DATABASE):
        theirs = remember.enqueue(value="theirs")
    names = [f.attname for f in DBTaskResult._meta.concrete_fields]
    names = [n for n in names if n not in ("id", "enqueued_at", "args_kwargs")]
    row = DBTaskResult.objects.values(*names, "args_kwargs", "enqueued_at")
    mine, other = row.get(id=ours.id), row.get(id=theirs.id)
    assert {n: mine[n] for n in names} == {n: other[n] for n in names}
    assert mine["args_kwargs"] == {"args": [], "kwargs": {"value": "ours"}}
    assert mine["enqueued_at"] is not None
    # What the enqueue answers is the stored job's, as django_tasks_db's own answers.
    assert ours.status == theirs.status and ours.args == [] and ours.kwargs == {"value": "ours"}
    assert DBTaskResult.objects.get(id=ours.id).task_result.kwargs == {"value": "ours"}
    # One statement; on PostgreSQL it waits for the transaction's next (core.postgresql).
    kept = getattr(connection, "write_later", None) is not None
    with django_assert_num_queries(0 if kept else 1), transaction.atomic(savepoint=False):
        remember.enqueue(value="one statement")
    assert _queued("one statement") == 1


@override_settings(TASKS={"default": {"BACKEND": "core.queueing.DatabaseQueue"}})
def test_a_job_the_compiled_insert_does_not_cover_is_written_by_django(monkeypatch):
    import core.queueing

    heard: list[str] = []

    def hear(signal: str) -> Any:
        def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
            heard.append(signal)

        return receiver

    pre, post = hear("pre_save"), hear("post_save")
    pre_save.connect(pre, sender=DBTaskResult)
    post_save.connect(post, sender=DBTaskResult)
    monkeypatch.setattr(core.queueing, "insert_given", lambda *args: False)
    try:
        with transaction.atomic():
            queued = remember.enqueue(value="by django")
    finally:
        pre_save.disconnect(pre, sender=DBTaskResult)
        post_save.disconnect(post, sender=DBTaskResult)
    assert heard == ["pre_save", "post_save"]  # once each, as save() sends them
    assert DBTaskResult.objects.get(id=queued.id).run_after is not None
    assert _queued("by django") == 1
