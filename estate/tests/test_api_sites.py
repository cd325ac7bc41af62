"""The sites API: scoping (another council's site is a 404 everywhere), permissions, writes,
the re-check after save, filters and pinned query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.api.testing import api_client
from core.models import ChangeRecord
from core.tenancy.scoping import system_scope
from estate.models import Site, SiteType
from estate.tests.factories import make_sites

pytestmark = pytest.mark.django_db


def detail(site: Site) -> str:
    return reverse("api:site-detail", args=[site.pk])


LIST = "/api/v1/sites/"


@pytest.fixture
def sites(cast):
    with system_scope("test data"):
        office = SiteType.objects.create(name="Office")
    return make_sites(cast, per_partner=3, site_type=office)


def test_url_names_follow_the_contract():
    assert reverse("api:site-list") == LIST
    assert reverse("api:site-detail", args=[7]) == "/api/v1/sites/7/"
    assert reverse("api:site-import") == "/api/v1/sites/import/"
    assert reverse("api:partner-list") == "/api/v1/partners/"
    assert reverse("api:sitetype-list") == "/api/v1/site-types/"
    assert reverse("api:agreement-list") == "/api/v1/agreements/"
    assert reverse("api:membership-list") == "/api/v1/memberships/"
    assert reverse("api:change-list") == "/api/v1/changes/"
    assert reverse("api:token") == "/api/v1/auth/token/"


def test_anonymous_gets_401(cast, sites):
    client = api_client()
    for response in (
        client.get(LIST),
        client.get(detail(sites["wcc"][0])),
        client.post(LIST, {"name": "x"}),
        client.delete(detail(sites["wcc"][0])),
    ):
        assert response.status_code == 401
        assert response.json()["status"] == 401
        assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("auth", ["token", "session"])
def test_list_shows_only_own_council(cast, sites, auth):
    body = api_client(cast.wcc_lead, auth=auth).get(LIST).json()
    codes = {row["code"] for row in body["results"]}
    assert codes == {s.code for s in sites["wcc"]}
    assert {row["partner"] for row in body["results"]} == {"wcc"}
    assert body["next"] is None and body["previous"] is None


def test_service_staff_see_every_council(cast, sites):
    body = api_client(cast.agent).get(LIST, {"page_size": 100}).json()
    assert {row["partner"] for row in body["results"]} == {"wcc", "rbkc", "lbhf"}


def test_detail_of_own_site(cast, sites):
    site = sites["wcc"][0]
    response = api_client(cast.wcc_staff).get(detail(site))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == site.code
    assert body["partner"] == "wcc"
    assert body["site_type"] == "Office"
    assert body["version"] == 1


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_councils_site_is_404_for_every_method(cast, sites, method):
    theirs = sites["rbkc"][0]
    client = api_client(cast.wcc_lead)
    payload = {"partner": "wcc", "code": "X", "name": "Taken"}
    response = getattr(client, method)(detail(theirs), payload)
    assert response.status_code == 404
    body = response.json()
    assert body == {
        "status": 404,
        "errors": [{"field": None, "code": "not_found", "message": "Not found."}],
    }
    assert theirs.name not in response.content.decode()
    with system_scope("test check"):
        theirs.refresh_from_db()
    assert theirs.name.startswith("Royal Borough")
    assert theirs.version == 1


def test_nonexistent_and_non_numeric_ids_are_404(cast, sites):
    client = api_client(cast.manager)
    assert client.get("/api/v1/sites/999999/").status_code == 404
    assert client.get("/api/v1/sites/99999999999999999999999999/").status_code == 404
    response = client.get("/api/v1/sites/abc/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_visible_but_not_writable_is_403(cast, sites):
    mine = sites["wcc"][0]
    client = api_client(cast.wcc_staff)  # a requester reads sites but may not change them
    assert client.patch(detail(mine), {"name": "Nope"}).status_code == 403
    assert client.delete(detail(mine)).status_code == 403
    assert client.post(LIST, {"partner": "wcc", "code": "N", "name": "N"}).status_code == 403
    with system_scope("test check"):
        assert Site.objects.filter(pk=mine.pk, name=mine.name).exists()


def test_former_partners_sites_are_read_only_even_for_the_manager(cast, sites):
    old = sites["lbhf"][0]
    client = api_client(cast.manager)
    assert client.get(detail(old)).status_code == 200
    response = client.patch(detail(old), {"name": "Renamed"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


def test_lead_creates_a_site_in_their_council(cast, sites):
    client = api_client(cast.wcc_lead)
    response = client.post(
        LIST,
        {"partner": "wcc", "code": "NEW-1", "name": "New Office", "site_type": "Office"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["partner"] == "wcc" and body["site_type"] == "Office"
    assert response["Location"].endswith(f"/api/v1/sites/{body['id']}/")
    assert response["ETag"].startswith(f'"site-{body["id"]}-v1-')
    change = ChangeRecord.objects.visible_to(cast.manager).get(
        object_id=body["id"], content_type__model="site"
    )
    assert change.action == "create"
    assert change.actor == cast.wcc_lead


def test_cannot_create_in_another_council(cast, sites):
    client = api_client(cast.wcc_lead)
    response = client.post(LIST, {"partner": "rbkc", "code": "SNEAK", "name": "Sneaky"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "partner"
    assert "Royal Borough" not in error["message"]
    with system_scope("test check"):
        assert not Site.objects.filter(code="SNEAK").exists()


def test_cannot_move_own_site_to_another_council(cast, sites):
    mine = sites["wcc"][0]
    response = api_client(cast.wcc_lead).patch(detail(mine), {"partner": "rbkc"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "partner"
    with system_scope("test check"):
        mine.refresh_from_db()
    assert mine.partner_id == cast.wcc.pk


def test_cannot_name_a_former_partner(cast, sites):
    response = api_client(cast.manager).post(
        LIST, {"partner": "lbhf", "code": "OLD", "name": "Old"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "partner"


def test_recheck_after_save_rolls_back_and_names_the_field(cast, sites, monkeypatch):
    """If the rules let a save through that leaves the record out of its author's sight, the
    transaction is rolled back and the answer is 400 naming the owning field."""
    from core.api import viewsets

    mine = sites["wcc"][0]
    original_rule = Site.visibility_filter
    wrote: list[bool] = []

    def blind_after_write(cls, user, action="view"):
        # The rule as it would be if it let the save through but hid the result: nothing.
        return Q(pk__in=[]) if wrote else original_rule(user, action)

    original_update = viewsets.ScopedModelViewSet.perform_update

    def perform_update(self, serializer):
        original_update(self, serializer)
        wrote.append(True)

    monkeypatch.setattr(Site, "visibility_filter", classmethod(blind_after_write))
    monkeypatch.setattr(viewsets.ScopedModelViewSet, "perform_update", perform_update)
    before = ChangeRecord.objects.visible_to(cast.manager).count()
    response = api_client(cast.wcc_lead).patch(detail(mine), {"name": "Moved away"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "partner"
    assert error["code"] == "out_of_reach"
    with system_scope("test check"):
        mine.refresh_from_db()
    assert mine.name != "Moved away"
    assert ChangeRecord.objects.visible_to(cast.manager).count() == before


def test_update_and_delete(cast, sites):
    mine = sites["wcc"][0]
    client = api_client(cast.wcc_lead)
    response = client.patch(detail(mine), {"name": "Renamed"})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["version"] == 2
    put = {"partner": "wcc", "code": mine.code, "name": "Put", "site_type": None}
    response = client.put(detail(mine), put)
    assert response.status_code == 200, response.json()
    assert response.json()["site_type"] is None
    assert client.delete(detail(mine)).status_code == 204
    assert client.get(detail(mine)).status_code == 404
    actions = list(
        ChangeRecord.objects.visible_to(cast.manager)
        .filter(object_id=mine.pk, content_type__model="site")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "update", "delete"]


def test_duplicate_code_in_the_same_council_names_the_field(cast, sites):
    taken = sites["wcc"][0]
    response = api_client(cast.wcc_lead).post(
        LIST, {"partner": "wcc", "code": taken.code, "name": "Twin"}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "code"
    assert error["code"] == "unique"


def test_the_same_code_may_be_used_by_another_council(cast, sites):
    # rbkc already has RBKC-000; uniqueness is per council, and is checked across the table
    # without ever naming the other council's record.
    response = api_client(cast.wcc_lead).post(
        LIST, {"partner": "wcc", "code": "RBKC-000", "name": "Same code, other council"}
    )
    assert response.status_code == 201, response.json()


def test_site_type_from_the_catalogue_by_name(cast, sites):
    response = api_client(cast.wcc_lead).post(
        LIST, {"partner": "wcc", "code": "Z", "name": "Z", "site_type": "Castle"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "site_type"


def test_validation_errors_name_each_field(cast, sites):
    response = api_client(cast.wcc_lead).post(
        LIST, {"partner": "wcc", "code": "bad code!", "uprn": "12ab"}
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"code", "name", "uprn"}


# Filters --------------------------------------------------------------------------------------


def test_filters_are_the_pages_filters(cast, sites):
    client = api_client(cast.agent)
    wcc_only = client.get(LIST, {"partner": cast.wcc.pk, "page_size": 100}).json()["results"]
    assert {row["partner"] for row in wcc_only} == {"wcc"}
    hits = client.get(LIST, {"q": "RBKC-001"}).json()["results"]
    assert [row["code"] for row in hits] == ["RBKC-001"]
    assert client.get(LIST, {"is_active": "false"}).json()["results"] == []


def test_filter_results_never_include_another_council(cast, sites):
    client = api_client(cast.wcc_lead)
    assert client.get(LIST, {"q": "RBKC"}).json()["results"] == []
    assert client.get(LIST, {"q": "Royal Borough"}).json()["results"] == []


def test_filtering_by_another_council_is_a_400_that_reveals_nothing(cast, sites):
    client = api_client(cast.wcc_lead)
    theirs = client.get(LIST, {"partner": cast.rbkc.pk})
    nobody = client.get(LIST, {"partner": 987654})
    assert theirs.status_code == nobody.status_code == 400
    assert theirs.json()["errors"][0]["field"] == "partner"
    assert theirs.json()["errors"][0]["message"] == nobody.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"partner": "abc"}, "partner"),
        ({"is_active": "perhaps"}, "is_active"),
        ({"site_type": "x"}, "site_type"),
    ],
)
def test_invalid_filter_values_are_400_naming_the_field(cast, sites, params, field):
    response = api_client(cast.wcc_lead).get(LIST, params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


# Query counts -------------------------------------------------------------------------------


def _queries_for_list(client, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, params or {})
    assert response.status_code == 200
    return len(captured), response


def test_sites_list_query_count_is_pinned(cast, django_assert_num_queries):
    with system_scope("test data"):
        office = SiteType.objects.create(name="Office")
    make_sites(cast, per_partner=30, site_type=office)
    client = api_client(cast.wcc_lead)
    # The token with its person and their memberships and councils' leaving dates (1, which
    # also answers the council-left check), the page from its own table (1), then the page's
    # councils (1) and site types (1) by key (core.related), however many rows.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, {"page_size": 25})
    assert len(captured) == 4, "\n".join(q["sql"] for q in captured)
    assert len(response.json()["results"]) == 25
    page = [q["sql"] for q in captured if 'FROM "estate_site"' in q["sql"]]
    assert len(page) == 1 and "JOIN" not in page[0]
    with django_assert_num_queries(4):
        client.get(response.json()["next"])


def test_sites_list_query_count_with_a_session(cast, django_assert_num_queries):
    make_sites(cast, per_partner=10)
    client = api_client(cast.wcc_lead, auth="session")
    # Session (1); the person with their memberships and councils' leaving dates (1, read by
    # the backend's get_user and shared by AccessEndedMiddleware and scoping); the page (1)
    # and its councils (1); none of these sites has a type, so no site types are read.
    with django_assert_num_queries(4):
        response = client.get(LIST)
    assert len(response.json()["results"]) == 10


def test_sites_list_queries_do_not_grow_with_rows(cast):
    client = api_client(cast.agent)
    with system_scope("test data"):
        office = SiteType.objects.create(name="Office")
    make_sites(cast, per_partner=2, site_type=office)
    few, _ = _queries_for_list(client)
    make_sites_more(cast)
    many, response = _queries_for_list(client, {"page_size": 200})
    assert len(response.json()["results"]) > 40
    assert many == few


def make_sites_more(cast):
    with system_scope("test data"):
        kinds = [SiteType.objects.create(name=f"Kind {i}") for i in range(5)]
        for i in range(40):
            Site.objects.create(
                partner=cast.wcc, code=f"MORE-{i}", name=f"More {i}", site_type=kinds[i % 5]
            )


def test_sites_list_runs_no_count(cast, sites):
    with CaptureQueriesContext(connection) as captured:
        api_client(cast.agent).get(LIST)
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
