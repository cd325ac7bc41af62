"""Health checks for load balancers, service managers and monitors.

- ``/healthz``, liveness: the process answers. Touches nothing else (no database, no cache,
  no session), so a database outage does not get every web process restarted.
- ``/readyz``, readiness: this process can serve requests. One trivial query on the database,
  a value written to the cache and read back, and the job queue reached (the job table of the
  database backend, or Redis when jobs are queued there). 200 with what was checked, or 503
  naming what failed.

Both are open to anyone, without signing in, and cheap. They say nothing an outsider could use:
no versions, no host names, no error messages (those go to the log, as a warning, for the
people running the service). A failed readiness check is an expected answer, not a fault of
Concord, so Django does not log it as a server error. Plain-HTTP requests to them are not
redirected to HTTPS (SECURE_REDIRECT_EXEMPT), since probes often talk to the server directly.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

logger = logging.getLogger("concord.health")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process is up and answering."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def check_database() -> None:
    """One trivial query on the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """A value written to the cache comes back (a shared cache: Redis, when REDIS_URL is set)."""
    key = f"concord:readyz:{os.getpid()}"
    value = secrets.token_hex(8)
    cache.set(key, value, timeout=30)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not give back the value just written to it")


def check_jobs() -> None:
    """The job queue can be reached: the database backend's table, or the Redis of RQ."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("pk").exists()
        return
    try:
        from django_tasks_rq import RQBackend
    except ImportError:  # the `redis` extra is not installed, so jobs cannot be on Redis
        return
    if isinstance(backend, RQBackend):
        import django_rq

        for name in sorted(backend.queues):
            django_rq.get_queue(name).connection.ping()
    # Otherwise jobs run at once, in the request (CONCORD_TASKS_IMMEDIATE): no queue to reach.


#: What /readyz checks, by the name it reports.
CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "jobs": check_jobs,
}


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database, the cache and the job queue answer."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:
            logger.warning("Readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = "failed"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    body: dict[str, object] = {"status": "unavailable" if failed else "ready", "checks": results}
    if failed:
        body["failed"] = failed
    response = JsonResponse(body, status=503 if failed else 200)
    # Django logs every 5xx answer as an error of the request; this one is logged above, as
    # the warning it is (django.utils.log.log_response reads this flag).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
