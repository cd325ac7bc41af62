"""`concord serve --production`: gunicorn with the project's server settings, after the checks
that would otherwise make every request fail (development mode, a database behind the code,
static files never collected). The last test starts the real server and asks it for pages."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core import gunicorn_conf
from core.management.commands import serve
from core.testing.migrated import fresh_env

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "x7#Qm2!vR9pL4zT8wK1nB6yH3sD5fG0jC2eA7uI9oP4lM8qW1rE6tY3"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def production(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Production mode, with gunicorn and collectstatic replaced by recorders."""
    settings.PRODUCTION = True
    started: dict[str, Any] = {}

    def fake_run(self: Any) -> None:
        # Gunicorn has taken every option as one of its settings by now (load_config).
        started.update(self.options)

    collected: list[str] = []
    monkeypatch.setattr(serve.ProductionServer, "run", fake_run)
    monkeypatch.setattr(serve, "call_command", lambda name, *a, **k: collected.append(name))
    return {"gunicorn": started, "collected": collected}


def test_the_production_server_refuses_to_run_in_development_mode():
    with pytest.raises(CommandError, match="CONCORD_ENV is development"):
        run("serve", "--production")


def test_production_options_are_refused_by_the_development_server():
    with pytest.raises(CommandError, match="production server only"):
        run("serve", "--workers", "3")


@pytest.mark.django_db
def test_the_production_server_runs_gunicorn_with_the_projects_settings(production):
    out = run("serve", "--production")
    options = production["gunicorn"]
    assert options["bind"] == ["127.0.0.1:8000"]
    assert options["workers"] == gunicorn_conf.workers_for(gunicorn_conf.available_cores())
    assert options["worker_class"] == "gthread" and options["threads"] == 2
    assert options["preload_app"] is True
    assert options["accesslog"] == "-"  # the access log on standard output
    assert options["timeout"] > 0 and options["graceful_timeout"] > 0
    # Gunicorn believes no header about HTTPS: Concord decides, when told (settings).
    assert options["secure_scheme_headers"] == {} and options["forwarded_allow_ips"] == ""
    assert production["collected"] == ["collectstatic"]
    assert "concord worker" in out, "it says the job worker must run beside it"


@pytest.mark.django_db
def test_the_address_and_the_number_of_workers_and_threads_can_be_chosen(production):
    run(
        "serve", "--production", "--bind", "0.0.0.0:9000", "--bind", "unix:/tmp/concord.sock",
        "--workers", "3", "--threads", "4",
    )  # fmt: skip
    options = production["gunicorn"]
    assert options["bind"] == ["0.0.0.0:9000", "unix:/tmp/concord.sock"]
    assert (options["workers"], options["threads"]) == (3, 4)
    with pytest.raises(CommandError, match="at least 1"):
        run("serve", "--production", "--workers", "0")
    with pytest.raises(CommandError, match=r"--bind 127\.0\.0\.1:9000"):
        run("serve", "--production", "127.0.0.1:9000")


@pytest.mark.parametrize(("cores", "workers"), [(1, 3), (2, 5), (3, 7), (4, 8), (64, 8)])
def test_workers_are_two_per_core_and_one_more_at_most_eight(cores, workers):
    assert gunicorn_conf.workers_for(cores) == workers


@pytest.mark.django_db
def test_a_database_behind_the_code_is_refused(production, monkeypatch):
    monkeypatch.setattr(serve, "unapplied_migrations", lambda: ["estate.0009_new_things"])
    with pytest.raises(CommandError, match="Run `concord migrate` first"):
        run("serve", "--production")
    assert production["gunicorn"] == {}


@pytest.mark.django_db
def test_without_collecting_static_files_their_manifest_must_be_there(
    production, settings, tmp_path
):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with pytest.raises(CommandError, match="have not been collected"):
        run("serve", "--production", "--no-collectstatic")
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    run("serve", "--production", "--no-collectstatic")
    assert production["collected"] == [] and production["gunicorn"]


def test_gunicorn_run_by_hand_gets_the_same_settings():
    # `gunicorn -c python:core.gunicorn_conf APP` (docs/deployment.md) reads the same module.
    env = {**os.environ, "CONCORD_ENV": "development"}
    command = ["-m", "gunicorn", "-c", "python:core.gunicorn_conf", "--print-config", "app:app"]
    result = subprocess.run(
        [sys.executable, *command],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    lines = [line.split("=", 1) for line in result.stdout.splitlines() if "=" in line]
    printed = {name.strip(): value.strip() for name, value in lines}
    assert printed["worker_class"] == "gthread", result.stderr
    assert printed["secure_scheme_headers"] == "{}"


# The real thing ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_production_server_serves_pages_static_files_and_health_checks(
    tmp_path, migrated_sqlite
):
    env = fresh_env()
    env.update(
        CONCORD_SECRET_KEY=SECRET,
        CONCORD_ALLOWED_HOSTS="127.0.0.1",
        CONCORD_VAR_DIR=str(tmp_path),
        CONCORD_PROXY_HTTPS_HEADER="X-Forwarded-Proto",
        DATABASE_URL=f"sqlite:///{tmp_path / 'concord.sqlite3'}",
    )  # no CONCORD_ENV: production
    concord = [sys.executable, str(BASE_DIR / "manage.py")]
    migrated_sqlite(tmp_path / "concord.sqlite3")
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [*concord, "serve", "--production", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # collectstatic and start-up, on a busy machine
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if fetch(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.5)

        status, _, body = fetch(f"{base}/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "ok", "cache": "ok", "jobs": "ok"}

        # Plain HTTP is sent to HTTPS; the proxy's header, named, says it came over HTTPS.
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"{base}/sign-in/", timeout=10)
        assert redirect.value.code == 301
        status, headers, page = fetch(f"{base}/sign-in/", **{"X-Forwarded-Proto": "https"})
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")

        # Static files by WhiteNoise, under their hashed names (the manifest storage).
        stylesheet = next(
            part.split('"', 1)[0]
            for part in page.decode().split('href="')[1:]
            if part.startswith("/static/") and ".css" in part.split('"', 1)[0]
        )
        assert stylesheet.count(".") >= 2, f"not a hashed name: {stylesheet}"
        status, headers, _ = fetch(f"{base}{stylesheet}", **{"X-Forwarded-Proto": "https"})
        assert status == 200 and "immutable" in headers["Cache-Control"]
        # The page's script imports its modules by their plain names: those are served too.
        script = next(
            part.split('"', 1)[0]
            for part in page.decode().split('src="')[1:]
            if part.startswith("/static/concord/app.")
        )
        status, _, source = fetch(f"{base}{script}", **{"X-Forwarded-Proto": "https"})
        assert status == 200
        imported = [part.split('"', 1)[0] for part in source.decode().split('from "')[1:]]
        assert imported, "app.js imports GOV.UK Frontend and MOJ Frontend"
        for module in imported:
            url = urllib.parse.urljoin(f"{base}{script}", module)
            assert fetch(url, **{"X-Forwarded-Proto": "https"})[0] == 200, url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
        finally:
            if server.poll() is None:
                server.kill()
            log.close()
    output = (tmp_path / "server.log").read_text()
    assert code == 0, output
    # Compressed copies for browsers, but none of source maps (developer tools only).
    collected = tmp_path / "staticfiles"
    assert any(collected.rglob("*.css.br")) and any(collected.rglob("*.js.gz"))
    assert any(collected.rglob("*.map")) and not any(collected.rglob("*.map.br"))
    assert "Booting worker" in output and "Shutting down" in output
    assert '"GET /healthz HTTP/1.1" 200' in output, "the access log is on standard output"
