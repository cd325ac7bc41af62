"""Background jobs on Redis (CONCORD_TASKS_REDIS): queued through django-tasks-rq and run by
`concord worker`, against the machine's real Redis (skipped, saying why, where there is none)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks import task

from core.testing.redis import redis_url_for_tests
from core.tests.test_security import SECRET, production_env, run_python

REDIS_URL = redis_url_for_tests()  # a database of this xdist worker's own


def _redis() -> Any:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); set CONCORD_TEST_REDIS_URL to name one")
    return client


@pytest.fixture
def redis_jobs() -> Any:
    """Jobs queued on a Redis database of their own, emptied before and after."""
    client = _redis()
    client.flushdb()
    on_redis = {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        "RQ_QUEUES": {"default": {"URL": REDIS_URL}},
    }
    with override_settings(**on_redis):
        yield client
    client.flushdb()


@task()
def write_note(path: str, text: str) -> None:
    """A job with an effect another process can see: the worker runs jobs in a child process."""
    Path(path).write_text(text)


def run_worker(*args: str) -> str:
    out = io.StringIO()
    call_command("worker", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_a_job_is_queued_on_redis_and_the_worker_runs_it(redis_jobs: Any, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    result = write_note.enqueue(str(note), "ran on Redis")
    assert redis_jobs.exists(f"rq:job:{result.id}"), "the job should be kept in Redis"
    assert not note.exists(), "queued, not run at once"

    run_worker("--batch")  # RQ's burst mode: run what is queued, then stop

    assert note.read_text() == "ran on Redis"
    assert write_note.get_result(result.id).status == "SUCCESSFUL"


def test_the_worker_refuses_a_queue_that_is_not_configured(redis_jobs: Any) -> None:
    with pytest.raises(CommandError, match="Queue reports is not one of"):
        run_worker("--batch", "--queue-name", "reports")


def test_jobs_on_redis_need_a_redis_url() -> None:
    env = production_env(
        CONCORD_SECRET_KEY=SECRET,
        CONCORD_ALLOWED_HOSTS="concord.example.gov.uk",
        CONCORD_TASKS_REDIS="true",
    )
    result = run_python(["-c", "import django; django.setup(); print('started')"], env)
    assert result.returncode != 0
    assert "CONCORD_TASKS_REDIS needs REDIS_URL" in result.stderr


def test_with_a_redis_url_the_settings_queue_jobs_on_redis() -> None:
    env = production_env(
        CONCORD_SECRET_KEY=SECRET,
        CONCORD_ALLOWED_HOSTS="concord.example.gov.uk",
        CONCORD_TASKS_REDIS="true",
        REDIS_URL=REDIS_URL,
    )
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.core.management import call_command; call_command('check'); "
        "from django_tasks import task_backends; b = task_backends['default']; "
        "print(type(b).__name__, 'django_tasks_rq' in settings.INSTALLED_APPS, "
        "settings.RQ_QUEUES['default']['URL'])"
    )
    result = run_python(["-c", script], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["RQBackend", "True", REDIS_URL]


def test_each_xdist_worker_has_a_redis_database_of_its_own() -> None:
    base = "redis://127.0.0.1:6379/15"
    assert redis_url_for_tests(base, worker="") == base  # no xdist
    assert redis_url_for_tests(base, worker="gw0") == base
    assert redis_url_for_tests(base, worker="gw3") == "redis://127.0.0.1:6379/12"
    assert (
        redis_url_for_tests("redis://:pw@cache:6380/2", worker="gw1") == "redis://:pw@cache:6380/1"
    )
    with pytest.raises(RuntimeError, match="worker gw16 has no Redis database of its own"):
        redis_url_for_tests(base, worker="gw16")
