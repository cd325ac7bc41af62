"""The Redis database the tests use, and may empty: one for each pytest-xdist worker.

``CONCORD_TEST_REDIS_URL`` names it (default ``redis://127.0.0.1:6379/15``). Under pytest-xdist
each worker takes a database of its own, counting down from that one (worker ``gw0`` 15,
``gw1`` 14, ...), so that a test emptying its database never empties another worker's under
its feet. A worker whose number would fall below database 0 is refused, saying so.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

DEFAULT = "redis://127.0.0.1:6379/15"


def redis_url_for_tests(base: str | None = None, worker: str | None = None) -> str:
    """The Redis URL of this process's tests: `base` (``CONCORD_TEST_REDIS_URL``) for a run
    without xdist, else its database number less the worker's (``PYTEST_XDIST_WORKER``)."""
    base = base or os.environ.get("CONCORD_TEST_REDIS_URL") or DEFAULT
    worker = os.environ.get("PYTEST_XDIST_WORKER", "") if worker is None else worker
    if not worker:
        return base
    parts = urlsplit(base)
    first = int(parts.path.strip("/") or 0)
    database = first - int(worker.removeprefix("gw"))
    if database < 0:
        raise RuntimeError(
            f"pytest-xdist worker {worker} has no Redis database of its own below {base}: run "
            "fewer workers, or name a higher-numbered database in CONCORD_TEST_REDIS_URL"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))
