"""Files the service keeps only for a while: unconfirmed import uploads and partner exports.

An import's upload waits in the storage for its owner to confirm it; one never confirmed would
stay for ever. A partner export is a zip of everything a council owns: it should not lie in the
storage longer than it takes to hand it over. `concord cleanup` (run it daily) removes both
once they are older than their keeping time; the rows stay, saying what was removed and why,
so the record of who imported or exported what is kept.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.utils import timezone

from core.jobs import discard_upload
from core.models import ImportJob, JobStatus, PartnerExport

IMPORT_HOURS = 24
EXPORT_DAYS = 7
REASON = "removing files kept past their time"


@dataclass
class Cleanup:
    """What a cleanup removed (or, in a dry run, would remove)."""

    uploads: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)


def clean_up(
    now: datetime.datetime | None = None,
    import_hours: int = IMPORT_HOURS,
    export_days: int = EXPORT_DAYS,
    dry_run: bool = False,
) -> Cleanup:
    """Remove import uploads not confirmed within `import_hours` and partner export files
    older than `export_days` (see the module docstring)."""
    now = now or timezone.now()
    done = Cleanup()
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
        job.file_name = ""
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
    return done
