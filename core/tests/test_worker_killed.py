"""A worker killed (SIGKILL) in the middle of an import leaves nothing of it in the database;
the next worker to start marks the job failed, saying why; the file uploaded again lands
whole. Real `concord worker` processes on the test database (PostgreSQL: SQLite's in-memory
test database cannot be opened by another process)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from core.jobs import WORKER_LOST, import_folder, keep_upload, run_import_job
from core.models import ImportJob, JobStatus, WorkerHeartbeat
from core.tenancy.scoping import system_scope
from core.testing.cast import make_cast
from core.testing.migrated import fresh_env
from core.testing.sample.models import Room

BASE_DIR = Path(__file__).resolve().parents[2]
#: Rows enough for an import to take seconds, so that it can be cut off in the middle.
ROWS = 3_000


def worker_env(media: Path) -> dict[str, str]:
    settings = connection.settings_dict
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    at = f"{user}{password}@" if user else ""
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    env = fresh_env()  # DATABASE_URL is set below
    env.update(
        CONCORD_ENV="development",
        DJANGO_SETTINGS_MODULE="concord.test_settings",  # the sample app's rooms
        CONCORD_VAR_DIR=str(media.parent),
        CONCORD_MEDIA_ROOT=str(media),
        DATABASE_URL=f"postgres://{at}{host}{port}/{settings['NAME']}",
    )
    return env


def worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "worker", "--no-reload",
         "--no-startup-delay", "--interval", "0.2", *args],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def queue_import(user, body: bytes) -> ImportJob:
    upload = SimpleUploadedFile("rooms.csv", body, content_type="text/csv")
    job = keep_upload(Room, upload, "rooms.csv", user, ROWS, committing=True)
    DatabaseBackend("default", {}).enqueue(run_import_job, [job.pk], {})
    return job


def imported_rooms() -> int:
    with system_scope("test check"):
        return Room.objects.filter(code__startswith="KILL-").count()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_nothing_and_its_job_is_marked_failed(media_folder):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: a `concord worker` process cannot open SQLite's in-memory test "
            "database (set DATABASE_URL to a PostgreSQL database)."
        )
    cast = make_cast()
    lines = ["partner,code,name"] + [f"wcc,KILL-{i:05d},Room {i}" for i in range(ROWS)]
    body = ("\n".join(lines) + "\n").encode()
    env = worker_env(media_folder)

    job = queue_import(cast.wcc_lead, body)
    progress = media_folder / import_folder(job) / "progress.json"
    first = worker(env)
    try:
        deadline = time.monotonic() + 600
        while True:  # until the import is under way: rows written in its transaction
            assert first.poll() is None, first.communicate()[0]
            assert time.monotonic() < deadline, "the import never got under way"
            try:
                done = json.loads(progress.read_text()).get("done", 0)
            except (OSError, ValueError):
                done = 0
            if 0 < done < ROWS:
                break
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
    finally:
        if first.poll() is None:
            first.kill()
        first.wait()  # reaped: its process is gone, as a service manager's would be
    job.refresh_from_db()
    assert job.status == JobStatus.IMPORTING, "killed in the middle, not after"
    assert imported_rooms() == 0, "its transaction died with it"
    task = DBTaskResult.objects.get(args_kwargs__args=[job.pk])
    assert task.status == TaskResultStatus.RUNNING  # nobody has said otherwise yet

    # The next worker to start marks it failed.
    second = worker(env, "--batch")
    output = second.communicate(timeout=300)[0]
    assert second.returncode == 0, output
    job.refresh_from_db()
    task.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert WORKER_LOST in job.message and "Nothing was imported" in job.message
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "core.workers.WorkerLost"
    assert imported_rooms() == 0
    assert not WorkerHeartbeat.objects.exists(), "the dead worker's heartbeat is gone too"

    # The file again: it lands whole.
    again = queue_import(cast.wcc_lead, body)
    third = worker(env, "--batch")
    output = third.communicate(timeout=600)[0]
    assert third.returncode == 0, output
    again.refresh_from_db()
    assert again.status == JobStatus.DONE, (again.message, output)
    assert imported_rooms() == ROWS
