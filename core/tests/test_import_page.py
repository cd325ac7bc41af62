"""The import page: upload, dry-run report, confirm; large files through the job (immediate)."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import ChangeRecord, ImportJob, JobStatus
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room, RoomType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]

URL = "/rooms/import/"
HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"


def upload(client, text, name="rooms.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def job_of(user):
    return ImportJob.objects.visible_to(user).get()


def test_permissions(cast, client_for):
    assert client_for(None).get(URL).status_code == 302
    assert client_for(cast.wcc_staff).get(URL).status_code == 403
    assert client_for(cast.agent).get(URL).status_code == 403  # agents may not import rooms
    page = client_for(cast.wcc_lead).get(URL)
    assert page.status_code == 200
    assert b"Import rooms" in page.content and b'name="file"' in page.content


def test_template_csv(cast, client_for):
    # Notes before the header (core/tests/test_import_help.py), then the header.
    response = client_for(cast.wcc_lead).get(URL + "?template=csv")
    assert response.content.decode("utf-8-sig").strip().splitlines()[-1] == HEADER.strip()


def test_check_then_confirm(cast, client_for):
    with system_scope("test data"):
        RoomType.objects.create(name="Office")
    client = client_for(cast.wcc_lead)
    response = upload(client, HEADER + "wcc,CH,City Hall,Office,,,,yes\nwcc,LIB,Library,,,,,no\n")
    assert response.status_code == 302
    job = job_of(cast.wcc_lead)
    assert response["Location"] == f"{URL}?job={job.token}"
    assert job.status == JobStatus.CHECKED and job.rows_total == 2
    assert default_storage.exists(job.file_name)  # kept until the import is confirmed
    page = client.get(response["Location"])
    assert b"2 rows ready to import" in page.content
    assert b"Confirm import" in page.content
    assert Room.objects.visible_to(cast.wcc_lead).count() == 0

    # Another person cannot see or confirm the job; shared-service staff may look at it.
    other = client_for(cast.rbkc_lead)
    assert other.get(response["Location"]).status_code == 404
    assert other.post(URL, {"action": "confirm", "job": str(job.token)}).status_code == 404
    looked = client_for(cast.manager).get(f"/rooms/import/?job={job.token}")
    assert looked.status_code == 200 and b"Confirm import" not in looked.content

    done = client.post(URL, {"action": "confirm", "job": str(job.token)})
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.file_name == ""
    assert Room.objects.visible_to(cast.wcc_lead).count() == 2
    page = client.get(done["Location"])
    assert b"Import complete" in page.content
    assert (
        ChangeRecord.objects.visible_to(cast.wcc_lead)
        .filter(actor_label="import:rooms.csv")
        .count()
        == 2
    )
    # Confirming again imports nothing twice.
    client.post(URL, {"action": "confirm", "job": str(job.token)})
    assert Room.objects.visible_to(cast.wcc_lead).count() == 2


def test_report_lists_every_bad_row(cast, client_for):
    client = client_for(cast.wcc_lead)
    response = upload(client, HEADER + "rbkc,A,A,,,,,true\nwcc,,B,,,,,true\n")
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "There are 2 problems in this file" in content
    assert "There is no council with code &#x27;rbkc&#x27; that you can use." in content
    assert "Royal Borough" not in content.split("</header>")[-1]
    assert "Confirm import" not in content
    assert job_of(cast.wcc_lead).file_name == ""  # nothing more to do with a bad file
    assert Room.objects.visible_to(cast.manager).count() == 0


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("rooms.csv", b"", "The file is empty."),
        ("rooms.pdf", b"%PDF-1.4", "must be a CSV file"),
        ("rooms.csv", b"\x00\x01binary", "not text"),
    ],
)
def test_bad_uploads_are_shown_on_the_form(cast, client_for, name, content, words):
    response = upload(client_for(cast.wcc_lead), content, name=name)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert b"govuk-error-summary" in response.content
    assert ImportJob.objects.visible_to(cast.wcc_lead).count() == 0


def test_missing_file(cast, client_for):
    response = client_for(cast.wcc_lead).post(URL, {})
    assert response.status_code == 400
    assert b"Select a CSV or Excel file" in response.content


def test_large_file_goes_through_the_job(cast, client_for, settings):
    """Over the inline limit the worker checks and imports (here, at once: immediate backend)."""
    settings.CONCORD_IMPORT_INLINE_ROWS = 5
    client = client_for(cast.wcc_lead)
    rows = "".join(f"wcc,S{i},Room {i},,,,,true\n" for i in range(150))
    response = upload(client, HEADER + rows)
    job = job_of(cast.wcc_lead)
    assert job.status == JobStatus.CHECKED and job.result["total_rows"] == 150
    assert job.rows_done == 150
    client.post(URL, {"action": "confirm", "job": str(job.token)})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Room.objects.visible_to(cast.wcc_lead).count() == 150
    assert job.result["created"] == 150
    assert client.get(response["Location"]).status_code == 200


def test_progress_while_running(cast, client_for):
    """A running job shows its progress; htmx polls a fragment of it."""
    from core.jobs import ImportProgress, import_progress

    client = client_for(cast.wcc_lead)
    job = ImportJob.objects.create(
        user=cast.wcc_lead,
        model_label="sample.Room",
        filename="big.csv",
        status=JobStatus.CHECKING,
        rows_total=1000,
    )
    ImportProgress(job)(0, 1000)
    ImportProgress(job)(1000, 1000)
    assert import_progress(job) == (1000, 1000)
    page = client.get(f"{URL}?job={job.token}")
    assert b"<progress" in page.content and b"Refresh" in page.content
    assert b'hx-trigger="every 2s"' in page.content
    # Screen readers hear a live region that stays outside the polled part of the page.
    text = page.content.decode()
    polled = text.split('<div id="import-progress"', 1)[1].split("</div>", 1)[0]
    assert 'role="status"' not in polled
    assert '<p id="import-progress-status" class="govuk-visually-hidden" role="status">' in text
    assert "Checking the file: about 100% done." in text
    fragment = client.get(f"{URL}?job={job.token}", HTTP_HX_REQUEST="true")
    assert fragment.content.lstrip().startswith(b'<div id="import-progress"')
    assert (
        b'<span id="import-progress-status" hx-swap-oob="innerHTML">'
        b"Checking the file: about 100% done.</span>"
    ) in fragment.content
    ImportJob.objects.visible_to(cast.wcc_lead).filter(pk=job.pk).update(status=JobStatus.DONE)
    finished = client.get(f"{URL}?job={job.token}", HTTP_HX_REQUEST="true")
    assert finished["HX-Redirect"] == f"{URL}?job={job.token}"


def test_bad_job_token(cast, client_for):
    client = client_for(cast.wcc_lead)
    assert client.get(URL + "?job=not-a-uuid").status_code == 404
    assert client.get(URL + "?job=00000000-0000-0000-0000-000000000000").status_code == 404


def test_former_partners_room_cannot_be_moved_by_the_page(cast, client_for):
    """As on its edit page (403), a former partner's room cannot be changed by an import."""
    with system_scope("test data"):
        room = Room.objects.create(partner=cast.lbhf, code="HFTH", name="Hammersmith Town Hall")
    client = client_for(cast.manager)
    assert client.get(f"/rooms/{room.pk}/edit/").status_code == 403
    response = upload(client, "id," + HEADER + f"{room.pk},wcc,HFTH,Moved,,,,,true\n")
    job = job_of(cast.manager)
    content = client.get(response["Location"]).content.decode()
    assert "There is a problem in this file" in content
    assert "belongs to a council that has left the partnership" in content
    assert "Confirm import" not in content
    assert job.file_name == ""
    # Even a hand-made confirm of the refused check imports nothing.
    client.post(URL, {"action": "confirm", "job": str(job.token)})
    with system_scope("test check"):
        room.refresh_from_db()
    assert (room.partner_id, room.name) == (cast.lbhf.pk, "Hammersmith Town Hall")


def test_check_says_how_a_csv_file_was_read(cast, client_for):
    client = client_for(cast.wcc_lead)
    windows = (HEADER + "wcc,CAFE,Caf\xe9 \xa35,,,,,yes\n").encode("cp1252")
    page = client.get(upload(client, windows)["Location"]).content.decode()
    assert "1 row ready to import" in page
    assert "The file was read as Windows-1252 text" in page
    job = job_of(cast.wcc_lead)
    assert job.result["encoding"] == "windows-1252"
    client.post(URL, {"action": "confirm", "job": str(job.token)})
    assert Room.objects.visible_to(cast.wcc_lead).get(code="CAFE").name == "Caf\xe9 \xa35"

    utf8 = upload(client, HEADER + "wcc,UTF,Caf\xe9,,,,,yes\nrbkc,X,X,,,,,yes\n")
    page = client.get(utf8["Location"]).content.decode()
    assert "There is a problem in this file" in page
    assert "The file was read as UTF-8 text." in page


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (HEADER + 'wcc,A,"Open,,,,,true\nwcc,B,B,,,,,true\n', "Row 2 opens a quote"),
        (
            (HEADER + "wcc,A,A,,,,,true\n").encode() + b"wcc,B,\x81,,,,,true\n",
            "Row 3 has a character that cannot be read",
        ),
    ],
)
def test_file_problems_in_one_row_name_it_on_the_form(cast, client_for, content, words):
    response = upload(client_for(cast.wcc_lead), content)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert Room.objects.visible_to(cast.wcc_lead).count() == 0


@pytest.mark.parametrize(
    ("committing", "done", "total", "words"),
    [
        (False, 0, 0, "Checking the file: starting."),
        (False, 0, 1000, "Checking the file: about 0% done."),
        (False, 99, 1000, "Checking the file: about 0% done."),
        (False, 100, 1000, "Checking the file: about 10% done."),
        (True, 999, 1000, "Importing: about 90% done."),
        (True, 1000, 1000, "Importing: about 100% done."),
    ],
)
def test_progress_is_announced_a_tenth_at_a_time(committing, done, total, words):
    from core.views.data import progress_announcement

    job = ImportJob(committing=committing)
    assert progress_announcement(job, done, total) == words
