"""``POST /api/v1/<resource>/import/``: dry run, commit, every bad row, permissions."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.api.testing import api_client
from core.models import ChangeRecord
from core.tenancy.scoping import system_scope
from estate.models import Site, SiteType

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/sites/import/"
HEADER = "partner,code,name,site_type,address,postcode,uprn,is_active\n"
GOOD = HEADER + "wcc,CH,City Hall,Office,,SW1E 6QP,100023336956,yes\nwcc,LIB,Library,,,,,no\n"


@pytest.fixture
def office(cast):
    with system_scope("test data"):
        return SiteType.objects.create(name="Office")


def upload(text, name="sites.csv"):
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def post(client, text, name="sites.csv", **fields):
    return client.post(IMPORT, {"file": upload(text, name), **fields}, format="multipart")


def site_codes():
    with system_scope("test check"):
        return set(Site.objects.values_list("code", flat=True))


def test_dry_run_is_the_default_and_changes_nothing(cast, office):
    response = post(api_client(cast.wcc_lead), GOOD)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dry_run"] is True
    assert (body["total_rows"], body["created"], body["updated"]) == (2, 2, 0)
    assert body["errors"] == []
    assert site_codes() == set()


def test_commit_creates_the_rows_and_logs_them(cast, office):
    response = post(api_client(cast.wcc_lead), GOOD, dry_run="false")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    assert response.json()["dry_run"] is False
    assert site_codes() == {"CH", "LIB"}
    records = ChangeRecord.objects.visible_to(cast.manager).filter(content_type__model="site")
    assert {r.actor for r in records} == {cast.wcc_lead}
    assert {r.actor_label for r in records} == {"import:sites.csv"}


def test_every_bad_row_is_listed_and_nothing_is_committed(cast, office):
    text = (
        HEADER
        + "wcc,OK,Fine,,,,,yes\n"
        + "rbkc,THEIRS,Not mine,,,,,yes\n"
        + "wcc,,No code,Castle,,,12ab,maybe\n"
    )
    response = post(api_client(cast.wcc_lead), text, dry_run="false")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["created"] == 0
    rows = {(e["row"], e["field"]) for e in body["errors"]}
    assert (3, "partner") in rows
    assert {(4, "code"), (4, "site_type"), (4, "uprn"), (4, "is_active")} <= rows
    for error in body["errors"]:
        assert error["message"] and error["code"]
        assert "Royal Borough" not in error["message"]
    assert site_codes() == set()


def test_xlsx_upload(cast, office):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(","))
    sheet.append(["wcc", "X1", "From Excel", "Office", "", "", "", True])
    buffer = io.BytesIO()
    book.save(buffer)
    response = post(api_client(cast.wcc_lead), buffer.getvalue(), "sites.xlsx", dry_run="false")
    assert response.status_code == 200, response.json()["errors"]
    assert site_codes() == {"X1"}


def test_a_file_that_is_not_csv_or_xlsx(cast):
    response = post(api_client(cast.wcc_lead), "hello", "notes.txt")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["row"] == 0 and error["field"] is None


def test_missing_file_names_the_field(cast):
    response = api_client(cast.wcc_lead).post(IMPORT, {"dry_run": "true"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"


def test_bad_dry_run_value_names_the_field(cast):
    response = post(api_client(cast.wcc_lead), GOOD, dry_run="perhaps")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "dry_run"


def test_json_body_is_415(cast):
    response = api_client(cast.wcc_lead).post(IMPORT, {"file": "x"})
    assert response.status_code == 415


def test_people_without_the_import_permission_get_403(cast, office):
    assert post(api_client(cast.wcc_staff), GOOD).status_code == 403
    assert post(api_client(cast.wcc_auditor), GOOD).status_code == 403
    assert post(api_client(), GOOD).status_code == 401


def test_catalogue_import_is_for_service_staff(cast):
    text = "name,description\nDepot,Where the vans sleep\n"
    lead = api_client(cast.wcc_lead).post(
        "/api/v1/site-types/import/", {"file": upload(text)}, format="multipart"
    )
    assert lead.status_code == 403
    agent = api_client(cast.agent).post(
        "/api/v1/site-types/import/",
        {"file": upload(text), "dry_run": "false"},
        format="multipart",
    )
    assert agent.status_code == 200, agent.json()
    with system_scope("test check"):
        assert SiteType.objects.filter(name="Depot").exists()


def test_models_without_import_fields_have_no_import_endpoint(cast):
    response = api_client(cast.manager).post(
        "/api/v1/agreements/import/", {"file": upload("x")}, format="multipart"
    )
    assert response.status_code in (404, 405)


# Large files in the background ---------------------------------------------------------------


@pytest.fixture
def small_inline(settings, media_folder):
    settings.CONCORD_IMPORT_INLINE_ROWS = 1


def test_a_large_file_is_imported_by_the_worker_and_followed_by_its_job(cast, office, small_inline):
    client = api_client(cast.wcc_lead)
    response = post(client, GOOD, dry_run="false")
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    assert body["model"] == "estate.site" and body["dry_run"] is False
    assert body["rows_total"] == 2
    # The tests' job backend runs jobs at once: the job is done when it is looked at.
    job = client.get(body["url"])
    assert job.status_code == 200
    done = job.json()
    assert done["status"] == "done" and done["rows_done"] == 2
    assert done["result"]["created"] == 2 and done["result"]["errors"] == []
    assert site_codes() == {"CH", "LIB"}
    assert (
        ChangeRecord.objects.visible_to(cast.wcc_lead)
        .filter(actor_label="import:sites.csv")
        .count()
        == 2
    )
    # Nobody else's business: another council's lead gets a 404, as for any record.
    assert api_client(cast.rbkc_lead).get(body["url"]).status_code == 404
    assert (
        client.get("/api/v1/import-jobs/00000000-0000-0000-0000-000000000000/").status_code == 404
    )
    assert client.get("/api/v1/import-jobs/not-a-token/").status_code == 404


def test_a_background_check_lists_every_bad_row_and_changes_nothing(cast, office, small_inline):
    client = api_client(cast.wcc_lead)
    bad = HEADER + "wcc,CH,City Hall,Office,,,12345678901234,yes\nrbkc,TH,Town Hall,,,,,yes\n"
    response = post(client, bad)
    assert response.status_code == 202
    checked = client.get(response.json()["url"]).json()
    assert checked["dry_run"] is True and checked["status"] == "checked"
    result = checked["result"]
    assert result["status"] == 400
    assert {(e["row"], e["field"]) for e in result["errors"]} == {(2, "uprn"), (3, "partner")}
    assert site_codes() == set()


def test_background_can_be_asked_for_or_refused(cast, office, small_inline):
    client = api_client(cast.wcc_lead)
    assert post(client, GOOD, background="false").status_code == 200  # answered inline
    one_row = HEADER + "wcc,CH,City Hall,Office,,,,yes\n"
    assert post(client, one_row, background="true").status_code == 202
    # A file that is not an import at all is refused at once, whatever its size.
    refused = post(client, "just words", name="notes.txt", background="true")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["row"] == 0


def test_former_partners_site_cannot_be_moved_by_the_api(cast):
    """The API's own update of a former partner's site is a 403; its import refuses the row."""
    with system_scope("test data"):
        site = Site.objects.create(partner=cast.lbhf, code="HFTH", name="Hammersmith Town Hall")
    client = api_client(cast.manager)
    assert client.patch(f"/api/v1/sites/{site.pk}/", {"name": "X"}).status_code == 403
    text = "id," + HEADER + f"{site.pk},wcc,HFTH,Moved,,,,,yes\n"
    response = post(client, text, dry_run="false")
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["updated"]) == (0, 0)
    [error] = body["errors"]
    assert (error["row"], error["field"]) == (2, "id")
    assert "read-only" in error["message"]
    with system_scope("test check"):
        site.refresh_from_db()
    assert (site.partner_id, site.name) == (cast.lbhf.pk, "Hammersmith Town Hall")


def test_result_says_how_a_csv_file_was_read(cast, office):
    windows = (HEADER + "wcc,CAFE,Caf\xe9 \xa35,Office,,,,yes\n").encode("latin-1")
    response = post(api_client(cast.wcc_lead), windows, dry_run="false")
    assert response.status_code == 200, response.json()
    assert response.json()["encoding"] == "windows-1252"
    with system_scope("test check"):
        assert Site.objects.get(code="CAFE").name == "Caf\xe9 \xa35"
    assert post(api_client(cast.wcc_lead), GOOD).json()["encoding"] == "utf-8"
    book = Workbook()
    book.worksheets[0].append(HEADER.strip().split(","))
    book.worksheets[0].append(["wcc", "X1", "From Excel", "", "", "", "", True])
    buffer = io.BytesIO()
    book.save(buffer)
    assert post(api_client(cast.wcc_lead), buffer.getvalue(), "s.xlsx").json()["encoding"] is None
    unreadable = post(api_client(cast.wcc_lead), windows + b"wcc,B,\x81,,,,,yes\n")
    assert unreadable.status_code == 400
    assert unreadable.json()["encoding"] is None
    assert unreadable.json()["errors"][0]["row"] == 3


def test_formula_without_a_saved_value_names_its_row_and_column(cast, office):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(","))
    sheet.append(["wcc", "X1", "From Excel", "Office", "=B2", "", "", True])
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl saves the formula and no value for it
    response = post(api_client(cast.wcc_lead), buffer.getvalue(), "sites.xlsx", dry_run="false")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (2, "address")
    assert error["message"].startswith("This cell is a formula (=B2) with no saved value")
    assert site_codes() == set()


def test_related_records_are_found_whatever_the_capitals(cast, office):
    text = HEADER + "WCC,CH,City Hall,office,,,,yes\nRBKC,TH,Town Hall,OFFICE,,,,yes\n"
    response = post(api_client(cast.wcc_lead), text, dry_run="false")
    assert response.status_code == 400
    # Westminster's and the site type are found; Kensington and Chelsea stays out of reach.
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "partner")]
    response = post(api_client(cast.wcc_lead), text.splitlines()[0] + "\n" + text.splitlines()[1])
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
