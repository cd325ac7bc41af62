"""The import page's errors: where the error summary sits, and what each state says."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import ImportJob, JobStatus
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]

URL = "/rooms/import/"
HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"


def upload(client, text, name="rooms.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def before_h1(html: str) -> str:
    """The main content up to its heading."""
    main = html.split('id="main-content"', 1)[1]
    return main.split("<h1", 1)[0]


def test_an_upload_error_is_summarised_before_the_heading(cast, client_for):
    response = upload(client_for(cast.wcc_lead), "", name="rooms.csv")
    assert response.status_code == 400
    html = response.content.decode()
    top = before_h1(html)
    assert 'class="govuk-error-summary"' in top
    assert '<a href="#import-file">The file is empty.</a>' in top
    # Once: the form keeps the field's own error message, not a second summary.
    assert html.count('class="govuk-error-summary"') == 1
    assert 'id="import-file-error"' in html and 'id="import-file"' in html


def test_a_bad_file_and_a_failed_import_are_summarised_before_the_heading(cast, client_for):
    client = client_for(cast.wcc_lead)
    checked = upload(client, HEADER + "rbkc,A,A,,,,,true\n")
    html = client.get(checked["Location"]).content.decode()
    assert "There is a problem in this file" in before_h1(html)
    assert '<a href="#problems">' in before_h1(html)
    failed = ImportJob.objects.create(
        user=cast.wcc_lead,
        model_label="sample.Room",
        filename="rooms.csv",
        status=JobStatus.FAILED,
        message="The import stopped because of an error.",
    )
    html = client.get(f"{URL}?job={failed.token}").content.decode()
    assert "The import did not finish" in before_h1(html)
    assert html.count('class="govuk-error-summary"') == 1


def test_records_changed_since_the_check_are_said_to_have_changed_once(cast, client_for):
    client = client_for(cast.wcc_lead)
    checked = upload(client, HEADER + "wcc,CH,City Hall,,,,,true\n")
    job = ImportJob.objects.visible_to(cast.wcc_lead).get()
    assert "1 row ready to import" in client.get(checked["Location"]).content.decode()
    # Someone adds the same room before the import is confirmed: the file no longer fits.
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    done = client.post(URL, {"action": "confirm", "job": str(job.token)})
    html = client.get(done["Location"]).content.decode()
    top = before_h1(html)
    assert "Rooms changed after the file was checked" in top
    assert "Nothing was imported" in top
    assert "problem in this file" not in html
    assert "Nothing has been imported" not in html
    assert html.count("Nothing was imported") == 1
    assert html.split("<title>", 1)[1].startswith("Error: ")
    with system_scope("test check"):
        assert Room.objects.filter(code="CH").count() == 1
