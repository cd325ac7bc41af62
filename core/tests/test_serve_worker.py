"""`concord serve` in development runs the jobs too: it starts a job worker beside the server
and stops it with the server. The real thing, on loopback, in subprocesses on a database of
their own (SQLite, as `make demo` runs)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.periodic import periodic_jobs
from core.testing.migrated import development_env
from core.tests.test_serve_production import BASE_DIR, fetch, free_port

SETUP = """
import os; os.environ["DJANGO_SETTINGS_MODULE"] = "concord.settings"
import django; django.setup()
from django.core.management import call_command
from core.jobs import run_partner_export
from core.models import PartnerExport
from core.tenancy.models import Partner
call_command("partner", "add", "wcc", "--name", "City of Westminster", verbosity=0)
partner = Partner.objects.unscoped("test set-up").get(code="wcc")
export = PartnerExport.objects.create(partner=partner)
run_partner_export.enqueue(export.pk)
"""


def query(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
        return db.execute(sql).fetchall()


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_development_server_runs_a_job_worker_beside_it(tmp_path, migrated_sqlite):
    env = development_env(tmp_path)
    database = migrated_sqlite(tmp_path / "concord.sqlite3")
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    done = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert query(database, "SELECT status FROM core_partnerexport") == [("queued",)]

    port = free_port()
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [*manage, "serve", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300  # start-up, on a busy machine
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                if fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        # The export queued before the server started is run by the worker beside it.
        while query(database, "SELECT status FROM core_partnerexport") != [("done",)]:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        assert query(database, "SELECT count(*) FROM core_workerheartbeat") == [(1,)]
        # The ticker queued the apps' periodic jobs at once, and the worker ran them.
        periodic = {job.name for job in periodic_jobs()}
        while not periodic <= {
            path
            for (path,) in query(
                database,
                "SELECT task_path FROM django_tasks_database_dbtaskresult "
                "WHERE status = 'SUCCESSFUL'",
            )
        }:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        (name,) = query(database, "SELECT file_name FROM core_partnerexport")[0]
        assert (tmp_path / "media" / name).is_file() or any(tmp_path.rglob(Path(name).name))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
        finally:
            if server.poll() is None:
                server.kill()
            log.close()
    output = log_path.read_text()
    assert code == 0, output
    found = re.search(r"job worker runs beside the server \(pid (\d+)\)", output)
    assert found, output
    ticker = re.search(r"Periodic jobs .* are queued every 5 minutes \(pid (\d+)\)", output)
    assert ticker, output
    # Stopped with the server, cleanly: its heartbeat removed.
    assert not process_exists(int(found[1]))
    assert not process_exists(int(ticker[1]))
    assert query(database, "SELECT count(*) FROM core_workerheartbeat") == [(0,)]


def test_the_production_server_starts_no_worker(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--no-worker apply to the development server only"):
        call_command("serve", "--production", "--no-worker")
