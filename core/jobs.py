"""Background jobs of the data pages: large imports and partner exports (django-tasks).

The page stores the upload in the default storage and creates an `ImportJob`; small files are
checked and imported there and then (`run_import_job` called inline), large ones go to the
worker (`concord worker`). A partner export always runs as a job and leaves its zip in the
default storage under ``partner-exports/``.

Progress is kept in the storage (`StoredProgress`), not in the job's row: an import runs in one
database transaction (whole or not at all), so rows it writes are invisible to the page polling
for progress until the end, and on SQLite the database is locked for writing by that
transaction anyway; a partner export reads one read-only snapshot on PostgreSQL, in which
nothing may be written at all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from typing import Any

from django.apps import apps
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import task

from core.importing import ImportResult, RowError, import_records
from core.models import ImportJob, JobStatus, PartnerExport
from core.partner_export import default_filename, export_partner, storage_prefix
from core.workers import on_abandoned

logger = logging.getLogger(__name__)

#: Seconds between two progress writes: often enough for a page polling every 2 s.
PROGRESS_SECONDS = 1.0


def _safe_filename(filename: str) -> str:
    base = os.path.basename(filename or "upload")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.")
    return (cleaned or "upload")[:100]


def import_folder(job: ImportJob) -> str:
    """The storage folder of one import job: its uploaded file and its progress."""
    return f"imports/{job.user_id}/{job.token}"


def store_upload(job: ImportJob, upload: Any) -> str:
    """Keep the uploaded file in the default storage until the import is confirmed."""
    name = f"{import_folder(job)}/{_safe_filename(job.filename)}"
    upload.seek(0)
    return default_storage.save(name, File(upload, name=os.path.basename(name)))


def keep_upload(
    model: Any, upload: Any, filename: str, user: Any, rows: int, *, committing: bool = False
) -> ImportJob:
    """A new import job for `upload` (checked and counted already), its file kept in the
    storage until the import runs. The page and the API both start imports here."""
    job = ImportJob(
        user=user,
        model_label=model._meta.label,
        filename=os.path.basename(filename or "upload")[:255],
        file_size=upload.size or 0,
        rows_total=rows,
        committing=committing,
    )
    job.file_name = store_upload(job, upload)
    job.save()
    return job


def discard_upload(job: ImportJob) -> None:
    """Remove the job's file and progress from the storage and forget the file's name (the
    caller saves the job's row, which stays)."""
    for name in (job.file_name, _progress_name(job)):
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete %s", name)
    job.file_name = ""


def _progress_name(job: ImportJob) -> str:
    return f"{import_folder(job)}/progress.json"


class StoredProgress:
    """A progress callback that writes (rows done, total) to a file in the default storage, at
    most once a second.

    Not to the job's row: the work runs inside one database transaction (an import, whole or
    not at all; a partner export, one read-only snapshot), so a row written from inside it is
    invisible to the page polling for progress until the end, and a read-only snapshot may
    not write at all. `extra` is stored beside the counts.
    """

    def __init__(self, name: str, **extra: Any) -> None:
        self.name = name
        self.extra = extra
        self._last = 0.0
        #: The latest (done, total) reported, written or not.
        self.latest = (0, 0)

    def __call__(self, done: int, total: int) -> None:
        self.latest = (done, total)
        now = time.monotonic()
        if done not in (0, total) and now - self._last < PROGRESS_SECONDS:
            return
        self._last = now
        body = json.dumps({"done": done, "total": total, **self.extra})
        try:
            default_storage.delete(self.name)
            default_storage.save(self.name, ContentFile(body.encode()))
        except OSError:
            logger.warning("Could not write progress to %s", self.name)

    def discard(self) -> None:
        try:
            default_storage.delete(self.name)
        except OSError:
            logger.warning("Could not delete %s", self.name)


def read_progress(name: str) -> dict[str, Any] | None:
    """What a `StoredProgress` last wrote to `name` (None before it first wrote)."""
    try:
        with default_storage.open(name, "rb") as f:
            data = json.loads(f.read() or b"{}")
    except (OSError, ValueError):
        return None  # not written yet, or being rewritten this instant
    return data if isinstance(data, dict) else None


class ImportProgress(StoredProgress):
    """The progress of an import job's check or commit, beside its uploaded file."""

    def __init__(self, job: ImportJob) -> None:
        super().__init__(_progress_name(job), committing=job.committing)
        self.job = job


def import_progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows in the file) of a job: from its progress file while it runs."""
    if job.status in (JobStatus.CHECKING, JobStatus.IMPORTING, JobStatus.QUEUED):
        data = read_progress(_progress_name(job))
        if data is not None and bool(data.get("committing")) == job.committing:
            return int(data.get("done", 0)), int(data.get("total", job.rows_total))
        return 0, job.rows_total
    return job.rows_done, job.rows_total


def perform_import(job_id: int) -> None:
    """Check (dry run) or import (once confirmed) the file of one ImportJob."""
    job = (
        ImportJob.objects.unscoped("a job runs for the person who started it")
        .select_related("user")
        .get(pk=job_id)
    )
    dry_run = not job.committing
    running = JobStatus.CHECKING if dry_run else JobStatus.IMPORTING
    ImportJob.objects.unscoped("job bookkeeping").filter(pk=job.pk).update(
        status=running, rows_done=0, updated_at=timezone.now()
    )
    job.status = running
    try:
        model = apps.get_model(job.model_label)
        # Work from a local, seekable copy: storages such as S3 stream and cannot seek.
        with default_storage.open(job.file_name, "rb") as stored, tempfile.TemporaryFile() as local:
            for chunk in stored.chunks():
                local.write(chunk)
            result = import_records(
                model, local, job.filename, job.user, dry_run=dry_run, progress=ImportProgress(job)
            )
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        result = ImportResult(
            0, 0, 0, [RowError(0, "", "Something went wrong while reading the file.")], dry_run
        )
        _finish(job, JobStatus.FAILED, result, "The import stopped because of an error.")
        return
    except BaseException:
        # The worker told to stop at once (a second Ctrl-C, or the server it runs beside
        # stopping): the import's transaction is rolled back; say so before the worker goes.
        result = ImportResult(0, 0, 0, [RowError(0, "", "The import was stopped.")], dry_run)
        _finish(job, JobStatus.FAILED, result, "The worker was stopped before the import finished.")
        raise
    if result.ok and not dry_run:
        _finish(job, JobStatus.DONE, result, "")
    elif result.ok:
        _finish(job, JobStatus.CHECKED, result, "")
    else:
        # A commit that found problems (the data changed since the check) imported nothing.
        _finish(job, JobStatus.CHECKED, result, "" if dry_run else "Nothing was imported.")


def _finish(job: ImportJob, status: str, result: ImportResult, message: str) -> None:
    job.status = status
    job.result = result.as_dict()
    job.rows_total = result.total_rows
    job.rows_done = result.total_rows
    job.message = message
    job.finished_at = timezone.now()
    if status == JobStatus.DONE or not result.ok:
        # Nothing more will be done with the file: an import with problems is uploaded anew.
        discard_upload(job)
    job.committing = job.committing and status != JobStatus.CHECKED
    job.save()


@task()
def run_import_job(job_id: int) -> None:
    """The worker's side of an import: see `perform_import`."""
    perform_import(job_id)


#: What a job's record says when the worker running it died (core.workers.recover_abandoned).
WORKER_LOST = (
    "The worker running it stopped before it finished (it was killed or its machine lost)."
)


@on_abandoned(run_import_job)
def import_abandoned(job_id: int) -> None:
    """An import whose worker died mid-way: its transaction died with the worker's database
    connection, so nothing of it is in the database. Say so; the file is removed, as after any
    failure, and uploading it again checks and imports it whole."""
    job = ImportJob.objects.unscoped("job bookkeeping").filter(pk=job_id).first()
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.IMPORTING):
        return
    job.status = JobStatus.FAILED
    job.message = f"{WORKER_LOST} Nothing was imported. Upload the file again to import it."
    job.committing = False
    job.finished_at = timezone.now()
    discard_upload(job)
    job.save()


def perform_partner_export(export_id: int) -> None:
    """Write a partner's zip to the default storage, updating the record's progress."""
    export = (
        PartnerExport.objects.unscoped("a job runs for the manager who asked")
        .select_related("partner")
        .get(pk=export_id)
    )
    records = PartnerExport.objects.unscoped("job bookkeeping").filter(pk=export.pk)
    records.update(status=JobStatus.RUNNING)
    # The export reads one read-only snapshot on PostgreSQL (core.partner_export): its
    # progress cannot be written to the export's row from inside it.
    progress = StoredProgress(partner_export_progress_name(export))
    try:
        with tempfile.TemporaryFile(suffix=".zip") as out:
            manifest = export_partner(export.partner, out, progress=progress)
            size = out.tell()
            out.seek(0)
            name = f"{storage_prefix()}/{export.token}/{default_filename(export.partner)}"
            stored = default_storage.save(name, File(out, name=os.path.basename(name)))
    except Exception:
        logger.exception("Partner export %s failed", export.pk)
        records.update(
            status=JobStatus.FAILED,
            message="The export stopped because of an error.",
            finished_at=timezone.now(),
        )
        progress.discard()
        return
    done, total = progress.latest
    records.update(
        status=JobStatus.DONE,
        file_name=stored,
        file_size=size,
        manifest=manifest,
        rows_done=done,
        rows_total=total,
        finished_at=timezone.now(),
    )
    progress.discard()


def partner_export_progress_name(export: PartnerExport) -> str:
    return f"{storage_prefix()}/{export.token}/progress.json"


def partner_export_progress(export: PartnerExport) -> tuple[int, int]:
    """(rows done, rows in all) of a partner export: from its progress file while it runs."""
    if export.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        data = read_progress(partner_export_progress_name(export))
        if data is not None:
            return int(data.get("done", 0)), int(data.get("total", 0))
        return 0, 0
    return export.rows_done, export.rows_total


@task()
def run_partner_export(export_id: int) -> None:
    """The worker's side of a partner export: see `perform_partner_export`."""
    perform_partner_export(export_id)


@on_abandoned(run_partner_export)
def partner_export_abandoned(export_id: int) -> None:
    """A partner export whose worker died: its zip is only stored once whole, so there is none."""
    export = PartnerExport.objects.unscoped("job bookkeeping").filter(pk=export_id).first()
    if export is None or export.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return
    PartnerExport.objects.unscoped("job bookkeeping").filter(pk=export.pk).update(
        status=JobStatus.FAILED,
        message=f"{WORKER_LOST} Make a new export.",
        finished_at=timezone.now(),
    )
    StoredProgress(partner_export_progress_name(export)).discard()
