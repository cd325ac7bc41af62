"""The settings the test suite runs under (pyproject.toml's ``[tool.pytest.ini_options]``):
the project's own, plus the test-only sample app.

Core's tests must not lean on a domain app (core never imports an app, its tests included), so
they run on `core.testing.sample`, a small app with one record of each shape (partner-owned,
catalogue, co-owned). It is installed here only, never by concord/settings.py, so that no real
installation has its tables, pages or API.
"""

from concord.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "core.testing.sample"]  # noqa: F405

# The demo's year of service desk history, cut to a hundredth: tests load the demo often
# (servicedesk/tests/test_demo.py loads more where it checks the history itself).
CONCORD_DEMO_HISTORY_PERCENT = 1

# WhiteNoise finds a static file when it is asked for, instead of listing every file the
# finders have when its middleware starts. Each test client starts the middleware chain again,
# and that listing (every vendored and app file, stat'ed and headed) was most of the cost of a
# test client's first request: about a sixth of the suite's time. Files are served the same.
WHITENOISE_AUTOREFRESH = True

# A test database is thrown away: on PostgreSQL its commits (the migrations that build it, the
# transactional tests and the flush after each) need not wait for the write-ahead log to reach
# the disk. Nothing a test checks depends on that wait.
if DATABASES["default"]["ENGINE"] == "core.postgresql":  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"  # noqa: F405

# A SQLite test database lives in memory, as for Django's own backend: pytest-django tells that
# one by its engine's name and would otherwise give each worker a file named after the real one.
if DATABASES["default"]["ENGINE"] == "core.sqlite3":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"  # noqa: F405
