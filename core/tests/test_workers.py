"""Job workers' heartbeats: a page whose job waits with no worker alive says so and how to
start one; a job left running by a worker that died is marked failed, its record too."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import uuid

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import workers
from core.jobs import run_import_job, run_partner_export
from core.models import ImportJob, JobStatus, PartnerExport, WorkerHeartbeat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]

NO_WORKER = b"No job worker is running"
EXPORTS = "/partner-exports/"


@pytest.fixture
def jobs_wait_for_a_worker(monkeypatch):
    """As outside the tests: jobs are queued for `concord worker`, not run in the request."""
    monkeypatch.setattr(workers, "jobs_need_a_worker", lambda: True)


def ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def heartbeat(seconds_ago: float, pid: int | None = None, worker_id: str = "w1") -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=socket.gethostname(),
        pid=os.getpid() if pid is None else pid,
        beat_at=ago(seconds_ago),
    )


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def queued_export(cast, seconds_ago: float) -> PartnerExport:
    export = PartnerExport.objects.create(partner=cast.wcc, requested_by=cast.manager)
    PartnerExport.objects.unscoped("test").filter(pk=export.pk).update(created_at=ago(seconds_ago))
    return export


# Pages ---------------------------------------------------------------------------------------


def test_a_job_waiting_with_no_worker_says_so_and_how_to_start_one(
    cast, client_for, jobs_wait_for_a_worker
):
    queued_export(cast, seconds_ago=workers.WAIT_SECONDS + 5)
    page = client_for(cast.manager).get(EXPORTS)
    assert NO_WORKER in page.content
    assert b"<code>concord worker</code>" in page.content
    # htmx's poll of the list says it too.
    polled = client_for(cast.manager).get(EXPORTS, headers={"HX-Request": "true"})
    assert NO_WORKER in polled.content


def test_a_stale_heartbeat_is_no_worker(cast, client_for, jobs_wait_for_a_worker):
    heartbeat(seconds_ago=workers.STALE_SECONDS + 5)
    queued_export(cast, seconds_ago=workers.WAIT_SECONDS + 5)
    assert NO_WORKER in client_for(cast.manager).get(EXPORTS).content


def test_with_a_live_heartbeat_the_page_only_waits(cast, client_for, jobs_wait_for_a_worker):
    heartbeat(seconds_ago=1)
    queued_export(cast, seconds_ago=workers.WAIT_SECONDS + 5)
    page = client_for(cast.manager).get(EXPORTS)
    assert b"Waiting to start" in page.content
    assert NO_WORKER not in page.content


def test_a_job_just_queued_is_given_the_time_a_worker_takes(
    cast, client_for, jobs_wait_for_a_worker
):
    queued_export(cast, seconds_ago=1)
    assert NO_WORKER not in client_for(cast.manager).get(EXPORTS).content


def test_jobs_run_in_the_request_need_no_worker(cast, client_for):
    queued_export(cast, seconds_ago=workers.WAIT_SECONDS + 5)  # the tests' immediate backend
    assert NO_WORKER not in client_for(cast.manager).get(EXPORTS).content


def import_job(user, status: str, seconds_ago: float) -> ImportJob:
    job = ImportJob.objects.create(
        user=user, model_label="sample.Room", filename="rooms.csv", status=status, rows_total=9
    )
    ImportJob.objects.unscoped("test").filter(pk=job.pk).update(updated_at=ago(seconds_ago))
    return job


@pytest.mark.parametrize("live", [False, True])
def test_the_import_page_of_a_waiting_file(cast, client_for, jobs_wait_for_a_worker, live):
    if live:
        heartbeat(seconds_ago=1)
    job = import_job(cast.wcc_lead, JobStatus.QUEUED, seconds_ago=workers.WAIT_SECONDS + 5)
    client = client_for(cast.wcc_lead)
    url = f"/rooms/import/?job={job.token}"
    page = client.get(url)
    polled = client.get(url, headers={"HX-Request": "true"})
    assert page.status_code == polled.status_code == 200
    assert (NO_WORKER in page.content) is not live
    assert (NO_WORKER in polled.content) is not live


def test_a_file_being_checked_has_a_worker(cast, client_for, jobs_wait_for_a_worker):
    job = import_job(cast.wcc_lead, JobStatus.CHECKING, seconds_ago=workers.WAIT_SECONDS + 5)
    page = client_for(cast.wcc_lead).get(f"/rooms/import/?job={job.token}")
    assert NO_WORKER not in page.content


# Jobs left running by a dead worker ----------------------------------------------------------


def running_task(task, *args: int, worker_id: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now(),
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=task.module_path,
        worker_ids=[worker_id],
        backend_name="default",
        run_after=timezone.now(),
    )


def test_a_job_of_a_worker_whose_process_is_gone_is_marked_failed(cast):
    heartbeat(seconds_ago=1, pid=dead_pid(), worker_id="gone")
    job = import_job(cast.wcc_lead, JobStatus.IMPORTING, seconds_ago=3)
    ImportJob.objects.unscoped("test").filter(pk=job.pk).update(committing=True)
    export = PartnerExport.objects.create(
        partner=cast.wcc, requested_by=cast.manager, status=JobStatus.RUNNING
    )
    task = running_task(run_import_job, job.pk, worker_id="gone")
    export_task = running_task(run_partner_export, export.pk, worker_id="gone")

    marked = workers.recover_abandoned("new-worker")

    assert len(marked) == 2
    task.refresh_from_db()
    export_task.refresh_from_db()
    assert task.status == export_task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "core.workers.WorkerLost"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.committing
    assert "stopped before it finished" in job.message and "Nothing was imported" in job.message
    export.refresh_from_db()
    assert export.status == JobStatus.FAILED and "Make a new export" in export.message
    assert not WorkerHeartbeat.objects.filter(worker_id="gone").exists()


def test_a_job_of_a_worker_whose_heartbeat_went_stale_is_marked_failed(cast):
    heartbeat(seconds_ago=workers.STALE_SECONDS + 5, worker_id="elsewhere")
    job = import_job(cast.wcc_lead, JobStatus.CHECKING, seconds_ago=3)
    running_task(run_import_job, job.pk, worker_id="elsewhere")
    assert workers.recover_abandoned("new-worker")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_the_jobs_of_live_workers_and_its_own_are_left_alone(cast):
    heartbeat(seconds_ago=1, worker_id="alive")  # this very process: alive
    job = import_job(cast.wcc_lead, JobStatus.CHECKING, seconds_ago=3)
    mine = import_job(cast.wcc_lead, JobStatus.CHECKING, seconds_ago=3)
    running_task(run_import_job, job.pk, worker_id="alive")
    running_task(run_import_job, mine.pk, worker_id="me")
    assert workers.recover_abandoned("me") == []
    for each in (job, mine):
        each.refresh_from_db()
        assert each.status == JobStatus.CHECKING


def test_a_heartbeat_is_written_and_removed():
    beat = workers.Heartbeat("w-test", recover=False)
    beat.start()
    try:
        row = WorkerHeartbeat.objects.get(worker_id="w-test")
        assert row.pid == os.getpid() and row.hostname == socket.gethostname()
    finally:
        beat.stop()
    assert not WorkerHeartbeat.objects.filter(worker_id="w-test").exists()
