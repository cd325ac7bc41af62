"""Files the service keeps only for a while: unconfirmed import uploads and partner exports,
and attachment files no record refers to.

An import's upload waits in the storage for its owner to confirm it; one never confirmed would
stay for ever. A partner export is a zip of everything a council owns: it should not lie in the
storage longer than it takes to hand it over. `concord cleanup` (run it daily) removes both
once they are older than their keeping time; the rows stay, saying what was removed and why,
so the record of who imported or exported what is kept.

An attachment's file is stored before its row is written; if the transaction around it rolls
back (a save refused after the upload), the file stays with no row. Such files, a day old
(so never one whose upload is still being saved), are removed too.

A job whose worker was stopped mid-run (a restart, a machine lost) would show "running" for
ever, and its page would poll for ever. A started job (an import being checked or imported, a
partner export being made) that has not finished `stalled_hours` after it started is marked
failed, saying so: an import runs in one transaction, so nothing of it was imported, and an
export's zip is only stored once whole. Jobs still waiting in the queue are left alone: they
run when a worker is back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.storage import Storage, default_storage, storages
from django.utils import timezone

from core.jobs import discard_upload
from core.models import Attachment, ImportJob, JobStatus, PartnerExport

IMPORT_HOURS = 24
EXPORT_DAYS = 7
STALLED_HOURS = 12
ORPHAN_HOURS = 24
ATTACHMENTS = "attachments"
REASON = "removing files kept past their time"


@dataclass
class Cleanup:
    """What a cleanup removed (or, in a dry run, would remove)."""

    uploads: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    stalled: list[str] = field(default_factory=list)


def clean_up(
    now: datetime.datetime | None = None,
    import_hours: int = IMPORT_HOURS,
    export_days: int = EXPORT_DAYS,
    dry_run: bool = False,
    stalled_hours: int = STALLED_HOURS,
) -> Cleanup:
    """Remove import uploads not confirmed within `import_hours` and partner export files
    older than `export_days`; mark failed the jobs started more than `stalled_hours` ago
    that never finished (see the module docstring)."""
    now = now or timezone.now()
    done = Cleanup()
    _fail_stalled_jobs(done, now - datetime.timedelta(hours=stalled_hours), dry_run)
    waiting = (
        ImportJob.objects.unscoped(REASON)
        .exclude(file_name="")
        .filter(
            status__in=[JobStatus.CHECKED, JobStatus.FAILED],
            committing=False,
            created_at__lt=now - datetime.timedelta(hours=import_hours),
        )
        .order_by("created_at")
    )
    for job in waiting:
        done.uploads.append(f"{job.filename} ({job.model_label}, {job.created_at:%Y-%m-%d %H:%M})")
        if dry_run:
            continue
        discard_upload(job)
        job.message = (
            f"Not confirmed within {import_hours} hours, so the uploaded file was removed. "
            "Upload it again to import it."
        )
        job.save(update_fields=["file_name", "message", "updated_at"])
    old = (
        PartnerExport.objects.unscoped(REASON)
        .exclude(file_name="")
        .filter(created_at__lt=now - datetime.timedelta(days=export_days))
        .select_related("partner")
        .order_by("created_at")
    )
    for export in old:
        done.exports.append(f"{export.partner.code} ({export.created_at:%Y-%m-%d %H:%M})")
        if dry_run:
            continue
        if default_storage.exists(export.file_name):
            default_storage.delete(export.file_name)
        export.file_name = ""
        export.message = f"Removed after {export_days} days. Make a new export if it is needed."
        export.save(update_fields=["file_name", "message"])
    for name in orphaned_attachment_files(now - datetime.timedelta(hours=ORPHAN_HOURS)):
        done.orphans.append(name)
        if not dry_run:
            default_storage.delete(name)
    return done


def _fail_stalled_jobs(done: Cleanup, started_before: datetime.datetime, dry_run: bool) -> None:
    stopped = "It stopped without finishing (its worker was probably restarted)."
    # An import's row is written when its check or commit starts (core.jobs.perform_import).
    imports = (
        ImportJob.objects.unscoped(REASON)
        .filter(
            status__in=[JobStatus.CHECKING, JobStatus.IMPORTING],
            updated_at__lt=started_before,
        )
        .order_by("created_at")
    )
    for job in imports:
        done.stalled.append(f"import of {job.filename} ({job.model_label}, {job.status})")
        if dry_run:
            continue
        discard_upload(job)
        job.status = JobStatus.FAILED
        job.committing = False
        job.message = f"{stopped} Nothing was imported. Upload the file again."
        job.finished_at = timezone.now()
        job.save(
            update_fields=[
                "file_name",
                "status",
                "committing",
                "message",
                "finished_at",
                "updated_at",
            ]
        )
    # An export records no start time: it cannot have started before it was asked for.
    exports = (
        PartnerExport.objects.unscoped(REASON)
        .filter(status=JobStatus.RUNNING, created_at__lt=started_before)
        .select_related("partner")
        .order_by("created_at")
    )
    for export in exports:
        done.stalled.append(f"partner export of {export.partner.code}")
        if dry_run:
            continue
        export.status = JobStatus.FAILED
        export.message = f"{stopped} Make a new export."
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "message", "finished_at"])


def _files_under(folder: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _files_under(f"{folder}/{sub}")


def orphaned_attachment_files(older_than: datetime.datetime) -> Iterator[str]:
    """Files under ``attachments/`` that no attachment refers to, last changed before
    `older_than`. Checked against the table in batches, so memory stays flat."""
    batch: list[str] = []

    def unreferenced(names: list[str]) -> list[str]:
        known = set(
            Attachment.objects.unscoped(REASON)
            .filter(file__in=names)
            .values_list("file", flat=True)
        )
        return [name for name in names if name not in known]

    for name in _files_under(ATTACHMENTS):
        batch.append(name)
        if len(batch) >= 500:
            yield from _old(unreferenced(batch), older_than)
            batch = []
    if batch:
        yield from _old(unreferenced(batch), older_than)


def _knows_file_times() -> bool:
    """Whether the storage can tell when a file was written (Django's base Storage cannot)."""
    storage = storages["default"]
    return type(storage).get_modified_time is not Storage.get_modified_time


def _old(names: list[str], older_than: datetime.datetime) -> Iterator[str]:
    if not _knows_file_times():
        return  # without a file's age, one still being saved could be taken for an orphan
    for name in names:
        try:
            changed = default_storage.get_modified_time(name)
        except OSError:
            continue  # gone meanwhile, or unreadable: leave it
        if changed < older_than:
            yield name
