"""The partner export page: service managers make a partner's zip and download it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from core.models import JobStatus, PartnerExport
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]

URL = "/partner-exports/"


def test_only_service_managers(cast, client_for):
    assert client_for(None).get(URL).status_code == 302
    for user in (cast.wcc_lead, cast.agent, cast.finance, cast.wcc_auditor):
        assert client_for(user).get(URL).status_code == 403
        assert client_for(user).post(URL, {"partner": "wcc"}).status_code == 403
    page = client_for(cast.manager).get(URL)
    assert page.status_code == 200
    assert b"City of Westminster" in page.content


def test_make_and_download(cast, client_for):
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    client = client_for(cast.manager)
    response = client.post(URL, {"partner": "wcc"})
    assert response.status_code == 302
    export = PartnerExport.objects.visible_to(cast.manager).get()
    # The immediate backend ran the job at once.
    assert export.status == JobStatus.DONE
    assert export.file_name.startswith("partner-exports/")
    assert export.rows_done == export.rows_total > 0
    assert export.manifest["partner"]["code"] == "wcc"
    page = client.get(URL)
    download_url = f"/partner-exports/{export.token}/download/"
    assert download_url.encode() in page.content

    download = client.get(download_url)
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        rooms = [json.loads(line) for line in archive.read("sample/room.jsonl").splitlines()]
        assert [s["code"] for s in rooms] == ["CH"]
        assert json.loads(archive.read("manifest.json"))["format_version"] == "1"

    # Nobody else may download it, and an unknown token is a 404.
    assert client_for(cast.wcc_lead).get(download_url).status_code == 403
    assert client_for(cast.agent).get(download_url).status_code == 403
    assert (
        client.get("/partner-exports/00000000-0000-0000-0000-000000000000/download/").status_code
        == 404
    )


def test_unknown_partner(cast, client_for):
    response = client_for(cast.manager).post(URL, {"partner": "nowhere"})
    assert response.status_code == 400
    assert b"Select the council to export" in response.content
    assert PartnerExport.objects.visible_to(cast.manager).count() == 0


def test_running_export_polls(cast, client_for):
    from core.jobs import StoredProgress, partner_export_progress_name

    export = PartnerExport.objects.create(partner=cast.wcc, requested_by=cast.manager)
    StoredProgress(partner_export_progress_name(export))(3, 10)
    client = client_for(cast.manager)
    page = client.get(URL)
    assert b'hx-trigger="every 2s"' in page.content and b"<progress" in page.content
    fragment = client.get(URL, HTTP_HX_REQUEST="true")
    assert fragment.content.lstrip().startswith(b'<div id="partner-exports"')


@pytest.mark.django_db(transaction=True)
def test_an_export_run_outside_a_transaction_finishes_on_every_database(client_for):
    """As the worker runs it: on PostgreSQL the export reads one read-only snapshot, so its
    progress cannot go to its row (it did, and every export from this page failed there)."""
    from core.testing.cast import make_cast

    cast = make_cast()
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    client = client_for(cast.manager)
    assert client.post(URL, {"partner": "wcc"}).status_code == 302
    export = PartnerExport.objects.visible_to(cast.manager).get()
    assert export.status == JobStatus.DONE, export.message
    assert export.rows_done == export.rows_total > 0
    assert f"/partner-exports/{export.token}/download/".encode() in client.get(URL).content


def test_a_running_exports_progress_is_read_from_the_storage(cast, client_for):
    from core.jobs import StoredProgress, partner_export_progress, partner_export_progress_name

    export = PartnerExport.objects.unscoped("test").create(
        partner=cast.wcc, requested_by=cast.manager, status=JobStatus.RUNNING
    )
    assert partner_export_progress(export) == (0, 0)
    progress = StoredProgress(partner_export_progress_name(export))
    progress(0, 400)
    progress(400, 400)
    assert partner_export_progress(export) == (400, 400)
    page = client_for(cast.manager).get(URL).content.decode()
    assert 'max="400" value="400"' in page
    progress.discard()
    assert partner_export_progress(export) == (0, 0)
