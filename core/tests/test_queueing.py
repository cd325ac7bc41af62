"""Jobs queued by a change (core.queueing): on the database queue, written in the change's own
transaction (landing or going with it); on any other queue, handed over after the commit."""

from __future__ import annotations

import pytest
from django.db import transaction
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
