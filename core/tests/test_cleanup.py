"""`concord cleanup`: unconfirmed import uploads and old partner exports are removed; the
records stay and say why."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.models import ImportJob, JobStatus, PartnerExport
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]

HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"


def age(model, obj, **delta):
    with system_scope("test"):
        model.objects.unscoped("test").filter(pk=obj.pk).update(
            created_at=timezone.now() - datetime.timedelta(**delta)
        )


def checked_upload(client):
    client.post(
        "/rooms/import/",
        {"file": SimpleUploadedFile("rooms.csv", (HEADER + "wcc,CH,City Hall,,,,,yes\n").encode())},
    )
    with system_scope("test"):
        return ImportJob.objects.unscoped("test").latest("created_at")


def run(*args):
    out = io.StringIO()
    call_command("cleanup", *args, stdout=out)
    return out.getvalue()


def test_an_unconfirmed_upload_is_removed_after_a_day_and_the_page_says_so(cast, client_for):
    client = client_for(cast.wcc_lead)
    fresh = checked_upload(client)
    stale = checked_upload(client)
    age(ImportJob, stale, hours=25)
    assert stale.status == JobStatus.CHECKED and default_storage.exists(stale.file_name)

    listed = run("--dry-run")
    assert "Would remove 1 unconfirmed import upload(s)" in listed
    assert default_storage.exists(stale.file_name)

    text = run()
    assert "Removed 1 unconfirmed import upload(s) older than 24 hours" in text
    stored = stale.file_name
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.file_name == "" and not default_storage.exists(stored)
    assert default_storage.exists(fresh.file_name)  # a day has not passed for this one

    page = client.get(f"/rooms/import/?job={stale.token}").content.decode()
    assert "Not confirmed within 24 hours" in page and "Confirm import" not in page
    assert "Upload the file again" in page
    # Confirming it now imports nothing.
    client.post("/rooms/import/", {"action": "confirm", "job": str(stale.token)})
    assert Room.objects.visible_to(cast.wcc_lead).count() == 0


def test_a_confirmed_import_in_progress_is_left_alone(cast, client_for):
    job = checked_upload(client_for(cast.wcc_lead))
    with system_scope("test"):
        ImportJob.objects.unscoped("test").filter(pk=job.pk).update(
            committing=True, status=JobStatus.QUEUED
        )
    age(ImportJob, job, hours=48)
    assert "Removed 0 unconfirmed" in run()
    job.refresh_from_db()
    assert job.file_name and default_storage.exists(job.file_name)


def test_a_partner_export_is_removed_after_a_week(cast, client_for):
    client = client_for(cast.manager)
    client.post("/partner-exports/", {"partner": "wcc"})
    client.post("/partner-exports/", {"partner": "rbkc"})
    old, new = PartnerExport.objects.visible_to(cast.manager).order_by("created_at")
    age(PartnerExport, old, days=8)
    assert "1 partner export file(s) older than 7 days" in run()
    stored = old.file_name
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.file_name == "" and not default_storage.exists(stored)
    assert old.status == JobStatus.DONE  # the record of the export stays
    assert new.file_name and default_storage.exists(new.file_name)
    page = client.get("/partner-exports/").content.decode()
    assert "Removed after 7 days" in page
    assert client.get(f"/partner-exports/{old.token}/download/").status_code == 404


def test_keeping_times_must_be_positive():
    with pytest.raises(CommandError):
        run("--export-days", "0")


def test_attachment_files_no_record_refers_to_are_removed_once_a_day_old(cast, client_for):
    import os
    import time

    from django.core.files.base import ContentFile

    from core.attachments import attach_file

    with system_scope("test data"):
        room = Room.objects.create(partner=cast.wcc, code="AT", name="Attached")
        kept = attach_file(room, SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan"), cast.wcc_lead)
    stray = default_storage.save("attachments/sample/room/abc123/left.pdf", ContentFile(b"x"))
    young = default_storage.save("attachments/sample/room/def456/new.pdf", ContentFile(b"y"))
    day_ago = time.time() - 25 * 3600
    for name in (stray, kept.file.name):
        os.utime(default_storage.path(name), (day_ago, day_ago))

    assert "attachment file with no record: " + stray in run("--dry-run")
    assert default_storage.exists(stray)
    text = run()
    assert "1 attachment file(s) no record refers to" in text
    assert not default_storage.exists(stray)
    assert default_storage.exists(young)  # it may be an upload still being saved
    assert default_storage.exists(kept.file.name)  # its record refers to it


def test_a_job_that_never_finished_is_marked_failed_and_queued_ones_are_left(cast, client_for):
    client = client_for(cast.wcc_lead)
    stuck = checked_upload(client)
    running = checked_upload(client)
    queued = checked_upload(client)
    long_ago = timezone.now() - datetime.timedelta(hours=13)
    with system_scope("test"):
        jobs = ImportJob.objects.unscoped("test")
        jobs.filter(pk=stuck.pk).update(status=JobStatus.IMPORTING, committing=True)
        jobs.filter(pk=running.pk).update(status=JobStatus.CHECKING)
        jobs.filter(pk=queued.pk).update(status=JobStatus.QUEUED)
        # updated_at is set by the database update above; age the stuck and queued ones.
        jobs.filter(pk__in=[stuck.pk, queued.pk]).update(updated_at=long_ago)
        export = PartnerExport.objects.create(
            partner=cast.wcc, requested_by=cast.manager, status=JobStatus.RUNNING
        )
        age(PartnerExport, export, hours=13)

    listed = run("--dry-run")
    assert "would mark 2 job(s) that never finished as failed" in listed
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.IMPORTING

    text = run()
    assert "job that never finished, marked failed: import of rooms.csv" in text
    assert "job that never finished, marked failed: partner export of wcc" in text
    for job in (stuck, running, queued):
        job.refresh_from_db()
    export.refresh_from_db()
    assert stuck.status == JobStatus.FAILED and not stuck.committing
    assert "stopped without finishing" in stuck.message and "Nothing was imported" in stuck.message
    assert stuck.file_name == "" and stuck.finished_at is not None
    assert running.status == JobStatus.CHECKING  # started less than 12 hours ago
    assert queued.status == JobStatus.QUEUED  # waits for a worker
    assert export.status == JobStatus.FAILED and "Make a new export" in export.message
    # The import page stops polling and says what happened.
    page = client.get(f"/rooms/import/?job={stuck.token}").content.decode()
    assert 'hx-trigger="every 2s"' not in page and "stopped without finishing" in page


def test_stalled_hours_must_be_at_least_one(cast):
    with pytest.raises(CommandError, match="--stalled-hours"):
        run("--stalled-hours", "0")
