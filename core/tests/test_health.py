"""The health checks: /healthz (liveness) and /readyz (database, cache, job queue)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import OperationalError
from django.test import override_settings

from core.testing.redis import redis_url_for_tests
from core.views import health

pytestmark = pytest.mark.django_db

REDIS_URL = redis_url_for_tests()  # a database of this xdist worker's own
NOBODY_LISTENS = "redis://127.0.0.1:9/0"  # the discard port: nothing answers there


def readiness(client: Any) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def test_liveness_answers_ok_without_the_database_or_a_session(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies, "a probe needs no session or CSRF cookie"


def test_liveness_answers_even_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "CHECKS", {})  # not that it would look: it must not touch them
    monkeypatch.setattr(
        health.connection, "cursor", lambda: (_ for _ in ()).throw(OperationalError("down"))
    )
    assert client.get("/healthz").status_code == 200


def test_readiness_checks_the_database_the_cache_and_the_job_queue(client):
    status, body = readiness(client)
    assert status == 200
    assert body == {"status": "ready", "checks": {"database": "ok", "cache": "ok", "jobs": "ok"}}


def test_readiness_reaches_the_job_table_of_the_database_backend(
    client, django_assert_max_num_queries
):
    on_database = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # SELECT 1, and one look at the job table.
    with override_settings(TASKS=on_database), django_assert_max_num_queries(2):
        status, body = readiness(client)
    assert status == 200 and body["checks"]["jobs"] == "ok"


def broken(message: str) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(message)

    return fail


def test_a_failing_cache_makes_the_server_unready_naming_only_the_cache(
    client, monkeypatch, caplog
):
    monkeypatch.setattr(health.cache, "set", broken("redis://:hunter2@cache.internal refused"))
    with caplog.at_level(logging.INFO):
        status, body = readiness(client)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "failed", "jobs": "ok"},
        "failed": ["cache"],
    }
    # The reason is for the people running the service (the log), never for the caller...
    assert "hunter2" not in json.dumps(body)
    warnings = [r for r in caplog.records if r.name == "concord.health"]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "cache" in warnings[0].getMessage()
    # ...and an unready server is an answer, not a fault of Concord: no error is logged.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_failing_database_makes_the_server_unready(client, monkeypatch, caplog):
    monkeypatch.setattr(health.connection, "cursor", broken("could not connect to server"))
    with caplog.at_level(logging.INFO):
        status, body = readiness(client)
    assert status == 503
    assert body["checks"]["database"] == "failed" and body["failed"] == ["database"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_job_queue_on_redis_that_does_not_answer_makes_the_server_unready(client):
    pytest.importorskip("django_tasks_rq")
    on_redis = {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        "RQ_QUEUES": {"default": {"URL": NOBODY_LISTENS, "SOCKET_CONNECT_TIMEOUT": 1}},
    }
    with override_settings(**on_redis):
        status, body = readiness(client)
    assert status == 503 and body["failed"] == ["jobs"]


def test_a_job_queue_on_redis_that_answers_is_ready(client):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); set CONCORD_TEST_REDIS_URL to name one")
    on_redis = {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        "RQ_QUEUES": {"default": {"URL": REDIS_URL}},
    }
    with override_settings(**on_redis):
        status, body = readiness(client)
    assert status == 200 and body["checks"]["jobs"] == "ok"


def test_the_checks_answer_plain_http_while_everything_else_is_sent_to_https(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/sign-in/").status_code == 301


def test_the_checks_only_answer_reading(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
