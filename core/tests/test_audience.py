"""Records for every council or for chosen ones (core.tenancy.records.AudienceModel), on the
sample app's `Notice`: who sees them, who may say which councils they are for, and that the
councils a person cannot see are never named to them (pages, API, history, partner export).
The generic families (core/tests/test_sample_families.py, TestNotice) cover the rest."""

from __future__ import annotations

import json
import zipfile
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from core.models import ChangeRecord, ChangeRecordPartner
from core.partner_export import export_partner
from core.services import NO_AUDIENCE, OUT_OF_REACH, set_audience
from core.tenancy.records import AudienceCouncil
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Notice

pytestmark = pytest.mark.django_db


def changes_of(made: Notice) -> Any:
    return ChangeRecord.objects.unscoped("test").filter(
        content_type=ContentType.objects.get_for_model(Notice), object_id=made.pk
    )


def partners_of(change: ChangeRecord) -> set[int]:
    return set(
        ChangeRecordPartner.objects.filter(change=change).values_list("partner_id", flat=True)
    )


def errors_of(response) -> dict[str, list[str]]:
    """The API's errors by field."""
    found: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        found.setdefault(error["field"], []).append(error["message"])
    return found


def notice(title: str, councils=(), for_all: bool = False) -> Notice:
    with system_scope("test data"):
        made = Notice.objects.create(title=title, for_all_councils=for_all)
        if not for_all:
            set_audience(made, list(councils))
    return made


def test_a_record_is_seen_by_the_councils_it_is_for_and_by_the_shared_service(cast):
    wcc_only = notice("WCC printers", [cast.wcc])
    both = notice("Password day", [cast.wcc, cast.rbkc])
    everyone = notice("New phones", for_all=True)
    seen = {
        user: set(Notice.objects.visible_to(user).values_list("title", flat=True))
        for user in (cast.wcc_staff, cast.rbkc_staff, cast.rbkc_lead, cast.agent)
    }
    assert seen[cast.wcc_staff] == {"WCC printers", "Password day", "New phones"}
    assert seen[cast.rbkc_staff] == {"Password day", "New phones"}
    assert seen[cast.rbkc_lead] == {"Password day", "New phones"}
    assert seen[cast.agent] == {"WCC printers", "Password day", "New phones"}
    assert wcc_only.owning_partner_ids() == [cast.wcc.pk]
    assert both.owning_partner_ids() == sorted([cast.wcc.pk, cast.rbkc.pk])
    # A record for every council is every council's, a former one's too.
    assert set(everyone.owning_partner_ids()) == {cast.wcc.pk, cast.rbkc.pk, cast.lbhf.pk}


def test_a_record_for_no_council_is_refused(cast):
    with system_scope("test data"):
        made = Notice.objects.create(title="Nobody's")
        with pytest.raises(ValidationError) as raised:
            set_audience(made, [])
    assert raised.value.message_dict == {"councils": [NO_AUDIENCE]}


def test_the_change_of_councils_is_in_the_change_log_of_each(cast):
    made = notice("Printer move", [cast.wcc])
    with system_scope("test"):
        set_audience(made, [cast.wcc, cast.rbkc])
        change = changes_of(made).latest("pk")
    assert change.before == {"councils": [str(cast.wcc.pk)]}
    assert change.after == {"councils": sorted([str(cast.wcc.pk), str(cast.rbkc.pk)])}
    assert partners_of(change) == {cast.wcc.pk, cast.rbkc.pk}
    # Setting the same councils again writes nothing.
    count = ChangeRecord.objects.unscoped("test").count()
    with system_scope("test"):
        set_audience(made, [cast.rbkc, cast.wcc])
    assert ChangeRecord.objects.unscoped("test").count() == count


def test_the_create_of_a_record_for_chosen_councils_is_in_their_change_logs(cast):
    made = notice("Printer move", [cast.rbkc])
    with system_scope("test"):
        created = changes_of(made).get(action="create")
    assert partners_of(created) == {cast.rbkc.pk}


def test_deleting_a_record_lets_its_councils_go(cast):
    made = notice("Printer move", [cast.wcc, cast.rbkc])
    with system_scope("test"):
        made.delete()
    assert not AudienceCouncil.objects.filter(object_id=made.pk).exists()


# Pages ---------------------------------------------------------------------------------------


def test_a_lead_names_only_their_own_council_and_keeps_the_others(cast, client_for):
    both = notice("Password day", [cast.wcc, cast.rbkc])
    client = client_for(cast.wcc_lead)
    page = client.get(f"/notices/{both.pk}/edit/").content.decode()
    assert "City of Westminster" in page
    # rbkc's name is not wcc's to read, on the page or in the hint.
    assert "Kensington" not in page
    assert 'name="for_all_councils"' in page and "disabled" in page
    response = client.post(
        f"/notices/{both.pk}/edit/", {"title": "Password day (renamed)", "body": "", "councils": []}
    )
    # Unticking their own council would leave only rbkc's, which the lead could no longer
    # see: said, and not saved.
    assert response.status_code == 200
    assert OUT_OF_REACH in response.content.decode()
    assert both.owning_partner_ids() == sorted([cast.wcc.pk, cast.rbkc.pk])
    response = client.post(
        f"/notices/{both.pk}/edit/",
        {"title": "Password day (renamed)", "body": "", "councils": [cast.wcc.pk]},
    )
    assert response.status_code == 302
    # rbkc's place is kept though the lead never saw it.
    assert both.owning_partner_ids() == sorted([cast.wcc.pk, cast.rbkc.pk])


def test_a_lead_cannot_say_a_record_is_for_every_council(cast, client_for):
    client = client_for(cast.wcc_lead)
    response = client.post(
        "/notices/new/", {"title": "Everyone", "body": "", "for_all_councils": "on"}
    )
    # The box is disabled for them: ignored, and a record for no council is refused.
    assert response.status_code == 200
    assert NO_AUDIENCE in response.content.decode()
    with system_scope("test"):
        assert not Notice.objects.filter(title="Everyone").exists()


def test_the_shared_service_puts_up_a_record_for_every_council(cast, client_for):
    response = client_for(cast.manager).post(
        "/notices/new/", {"title": "Everyone", "body": "", "for_all_councils": "on"}
    )
    assert response.status_code == 302
    with system_scope("test"):
        made = Notice.objects.get(title="Everyone")
    assert made.for_all_councils
    assert client_for(cast.rbkc_staff).get(f"/notices/{made.pk}/").status_code == 200
    assert (
        "Every council" in client_for(cast.rbkc_staff).get(f"/notices/{made.pk}/").content.decode()
    )


def test_the_detail_page_names_only_the_councils_the_reader_can_see(cast, client_for):
    both = notice("Password day", [cast.wcc, cast.rbkc])
    page = client_for(cast.wcc_staff).get(f"/notices/{both.pk}/").content.decode()
    assert "City of Westminster" in page
    assert "Kensington" not in page
    page = client_for(cast.manager).get(f"/notices/{both.pk}/").content.decode()
    assert "City of Westminster" in page and "Kensington" in page


def test_history_names_only_the_councils_the_reader_can_see(cast, client_for):
    made = notice("Printer move", [cast.wcc])
    with system_scope("test"):
        set_audience(made, [cast.wcc, cast.rbkc])
    page = client_for(cast.wcc_lead).get(f"/notices/{made.pk}/history/").content.decode()
    assert "Councils" in page
    assert "City of Westminster" in page
    assert "Kensington" not in page


# API -----------------------------------------------------------------------------------------


def test_api_reads_councils_the_reader_can_see(cast, api_client_for):
    both = notice("Password day", [cast.wcc, cast.rbkc])
    data = api_client_for(cast.wcc_lead).get(f"/api/v1/notices/{both.pk}/").json()
    assert data["councils"] == ["wcc"]
    assert data["for_all_councils"] is False
    data = api_client_for(cast.manager).get(f"/api/v1/notices/{both.pk}/").json()
    assert sorted(data["councils"]) == ["rbkc", "wcc"]
    listed = api_client_for(cast.rbkc_staff).get("/api/v1/notices/").json()["results"]
    assert [row["councils"] for row in listed] == [["rbkc"]]


def test_api_patch_keeps_the_councils_a_person_may_not_change(cast, api_client_for):
    both = notice("Password day", [cast.wcc, cast.rbkc])
    client = api_client_for(cast.rbkc_lead)
    response = client.patch(f"/api/v1/notices/{both.pk}/", {"councils": ["rbkc"]}, format="json")
    assert response.status_code == 200, response.json()
    assert both.owning_partner_ids() == sorted([cast.wcc.pk, cast.rbkc.pk])
    # Naming a council one cannot see is the same refusal as naming one that does not exist.
    response = client.patch(f"/api/v1/notices/{both.pk}/", {"councils": ["lbhf"]}, format="json")
    assert response.status_code == 400
    assert "no council with code “lbhf”" in errors_of(response)["councils[0]"][0]
    response = client.patch(
        f"/api/v1/notices/{both.pk}/", {"councils": ["rbkc", "rbkc"]}, format="json"
    )
    assert response.status_code == 400


def test_api_refuses_a_record_for_no_council_and_every_council_from_a_lead(cast, api_client_for):
    client = api_client_for(cast.wcc_lead)
    response = client.post("/api/v1/notices/", {"title": "Nobody's"}, format="json")
    assert response.status_code == 400
    assert errors_of(response)["councils"] == [NO_AUDIENCE]
    response = client.post(
        "/api/v1/notices/", {"title": "All", "for_all_councils": True}, format="json"
    )
    assert response.status_code == 400
    assert "every council" in errors_of(response)["for_all_councils"][0]
    with system_scope("test"):
        assert not Notice.objects.exists()


def test_api_shared_service_switches_a_record_to_every_council_and_back(cast, api_client_for):
    made = notice("Printer move", [cast.wcc])
    client = api_client_for(cast.manager)
    response = client.patch(
        f"/api/v1/notices/{made.pk}/", {"for_all_councils": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["councils"] == []
    assert api_client_for(cast.rbkc_staff).get(f"/api/v1/notices/{made.pk}/").status_code == 200
    response = client.patch(
        f"/api/v1/notices/{made.pk}/", {"for_all_councils": False}, format="json"
    )
    assert response.status_code == 400
    assert errors_of(response)["councils"] == [NO_AUDIENCE]
    response = client.patch(
        f"/api/v1/notices/{made.pk}/",
        {"for_all_councils": False, "councils": ["rbkc"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert api_client_for(cast.wcc_staff).get(f"/api/v1/notices/{made.pk}/").status_code == 404


# Partner export ------------------------------------------------------------------------------


def test_the_partner_export_says_which_records_name_the_council_and_no_other(cast, tmp_path):
    notice("Password day", [cast.wcc, cast.rbkc])
    notice("RBKC only", [cast.rbkc])
    notice("New phones", for_all=True)
    path = tmp_path / "wcc.zip"
    export_partner(cast.wcc, path)
    with zipfile.ZipFile(path) as archive:
        notices = [json.loads(x) for x in archive.read("sample/notice.jsonl").splitlines()]
        rows = [json.loads(x) for x in archive.read("core/audiencecouncil.jsonl").splitlines()]
    assert {n["title"] for n in notices} == {"Password day", "New phones"}
    assert [(r["record"], r["partner"]) for r in rows] == [(rows[0]["record"], "wcc")]
