"""Partners, room types, pacts (co-owned) and memberships over the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.api.testing import api_client
from core.models import ChangeRecord
from core.services import set_owner_shares
from core.tenancy.models import Membership, Partner
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Pact, RoomType

pytestmark = pytest.mark.django_db


def codes(response):
    assert response.status_code == 200, response.json()
    rows = response.json()["results"]
    return {row.get("code") or row.get("reference") or row.get("name") for row in rows}


# Partners -----------------------------------------------------------------------------------


def test_council_people_see_only_their_own_council(cast):
    assert codes(api_client(cast.wcc_staff).get("/api/v1/partners/")) == {"wcc"}
    assert codes(api_client(cast.rbkc_lead).get("/api/v1/partners/")) == {"rbkc"}
    assert codes(api_client(cast.agent).get("/api/v1/partners/")) == {"wcc", "rbkc", "lbhf"}
    theirs = reverse("api:partner-detail", args=[cast.rbkc.pk])
    assert api_client(cast.wcc_lead).get(theirs).status_code == 404


def test_partner_shows_if_it_has_left(cast):
    client = api_client(cast.manager)
    body = client.get(reverse("api:partner-detail", args=[cast.lbhf.pk])).json()
    assert body["is_former"] is True and body["left_on"] == "2018-03-31"
    former = client.get("/api/v1/partners/", {"former": "true"})
    assert codes(former) == {"lbhf"}


def test_manager_adds_and_changes_a_partner(cast):
    client = api_client(cast.manager)
    response = client.post(
        "/api/v1/partners/",
        {
            "code": "lbb",
            "name": "London Borough of Barnet",
            "gss_code": "E09000003",
            "nation": "ENG",
            "joined_on": "2025-04-01",
        },
    )
    assert response.status_code == 201, response.json()
    url = response["Location"]
    response = client.patch(url, {"left_on": "2024-01-01"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "left_on"
    assert client.patch(url, {"left_on": "2030-03-31"}).status_code == 200


def test_partner_codes_and_names_are_unique(cast):
    response = api_client(cast.manager).post(
        "/api/v1/partners/",
        {"code": "wcc", "name": "City of Westminster", "joined_on": "2025-04-01"},
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"code", "name"}


def test_council_lead_cannot_change_their_council(cast):
    url = reverse("api:partner-detail", args=[cast.wcc.pk])
    client = api_client(cast.wcc_lead)
    assert client.patch(url, {"name": "Westminster"}).status_code == 403
    assert client.post("/api/v1/partners/", {"code": "x", "name": "x"}).status_code == 403


def test_bad_partner_values_name_the_fields(cast):
    response = api_client(cast.manager).post(
        "/api/v1/partners/",
        {"code": "Bad Code", "name": "X", "gss_code": "123", "nation": "XX", "joined_on": "soon"},
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"code", "gss_code", "nation", "joined_on"}


# Room types (catalogue) ---------------------------------------------------------------------


def test_catalogue_is_read_by_everyone_and_edited_by_service_staff(cast):
    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
    url = reverse("api:roomtype-detail", args=[office.pk])
    for user in (cast.wcc_staff, cast.rbkc_lead, cast.agent):
        assert codes(api_client(user).get("/api/v1/room-types/")) == {"Office"}
    assert api_client(cast.wcc_lead).patch(url, {"description": "x"}).status_code == 403
    assert api_client(cast.wcc_lead).post("/api/v1/room-types/", {"name": "D"}).status_code == 403
    response = api_client(cast.agent).patch(url, {"description": "Where people work"})
    assert response.status_code == 200
    assert api_client(cast.agent).post("/api/v1/room-types/", {"name": "Depot"}).status_code == 201
    duplicate = api_client(cast.agent).post("/api/v1/room-types/", {"name": "Depot"})
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"][0]["field"] == "name"


def test_room_type_in_use_cannot_be_deleted(cast):
    from core.testing.sample.factories import make_rooms

    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
    make_rooms(cast, per_partner=1, room_type=office)
    response = api_client(cast.manager).delete(reverse("api:roomtype-detail", args=[office.pk]))
    assert response.status_code == 409
    assert "Office" not in response.json()["errors"][0]["message"]


# Pacts (co-owned) ---------------------------------------------------------------------------


@pytest.fixture
def pacts(cast):
    with system_scope("test data"):
        joint = Pact.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("40")})
        solo = Pact.objects.create(
            reference="RB-1", title="Kensington only", starts_on=datetime.date(2015, 4, 1)
        )
        set_owner_shares(solo, {cast.rbkc: Decimal("100")})
    return joint, solo


def test_co_owned_pact_is_visible_to_each_owner(cast, pacts):
    joint, solo = pacts
    assert codes(api_client(cast.wcc_lead).get("/api/v1/pacts/")) == {"IAA-1"}
    assert codes(api_client(cast.rbkc_lead).get("/api/v1/pacts/")) == {"IAA-1", "RB-1"}
    body = api_client(cast.wcc_staff).get(reverse("api:pact-detail", args=[joint.pk])).json()
    assert body["owner_shares"] == [
        {"partner": "wcc", "percentage": "60.00"},
        {"partner": "rbkc", "percentage": "40.00"},
    ]
    solo_url = reverse("api:pact-detail", args=[solo.pk])
    assert api_client(cast.wcc_lead).get(solo_url).status_code == 404


def test_manager_creates_a_co_owned_pact(cast):
    response = api_client(cast.manager).post(
        "/api/v1/pacts/",
        {
            "reference": "TRI-1",
            "title": "Tri-borough",
            "starts_on": "2012-04-01",
            "owner_shares": [
                {"partner": "wcc", "percentage": "50"},
                {"partner": "rbkc", "percentage": "50"},
            ],
        },
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["owner_shares"]) == 2
    assert "TRI-1" in codes(api_client(cast.rbkc_lead).get("/api/v1/pacts/"))
    assert "TRI-1" in codes(api_client(cast.wcc_auditor).get("/api/v1/pacts/"))


@pytest.mark.parametrize(
    "shares,message",
    [
        ([{"partner": "wcc", "percentage": "60"}], "100"),
        (
            [{"partner": "wcc", "percentage": "50"}, {"partner": "wcc", "percentage": "50"}],
            "once",
        ),
        ([], ""),
        ([{"partner": "wcc", "percentage": "0"}, {"partner": "rbkc", "percentage": "100"}], ""),
    ],
)
def test_owner_shares_are_checked(cast, shares, message):
    response = api_client(cast.manager).post(
        "/api/v1/pacts/",
        {"reference": "X", "title": "X", "starts_on": "2012-04-01", "owner_shares": shares},
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert all(e["field"].startswith("owner_shares") for e in errors)
    assert message in " ".join(e["message"] for e in errors)
    with system_scope("test check"):
        assert not Pact.objects.filter(reference="X").exists()


def shares_of(pact):
    with system_scope("test check"):
        pact.refresh_from_db()
        return {s.partner.code: s.percentage for s in pact.owner_shares()}


@pytest.mark.parametrize(
    "share,missing",
    [
        ({"partner": "wcc"}, "percentage"),
        ({"percentage": "100"}, "partner"),
        ({}, "partner"),
    ],
)
def test_an_incomplete_share_is_named_in_a_patch_as_in_a_post(cast, pacts, share, missing):
    """A PATCH replaces every share at once, so each share needs its council and percentage."""
    joint, _ = pacts
    client = api_client(cast.manager)
    post = client.post(
        "/api/v1/pacts/",
        {"reference": "X", "title": "X", "starts_on": "2012-04-01", "owner_shares": [share]},
    )
    url = reverse("api:pact-detail", args=[joint.pk])
    patch = client.patch(url, {"title": "Changed", "owner_shares": [share]})
    for response in (post, patch):
        assert response.status_code == 400
        fields = {e["field"] for e in response.json()["errors"]}
        assert f"owner_shares[0].{missing}" in fields
        assert all(e["code"] == "required" for e in response.json()["errors"])
    assert patch.json()["errors"] == post.json()["errors"]
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}
    with system_scope("test check"):
        assert Pact.objects.get(pk=joint.pk).title == "Bi-borough ICT"
        assert not Pact.objects.filter(reference="X").exists()


def test_a_patch_without_owner_shares_keeps_them(cast, pacts):
    joint, _ = pacts
    url = reverse("api:pact-detail", args=[joint.pk])
    response = api_client(cast.manager).patch(url, {"title": "Renamed"})
    assert response.status_code == 200, response.json()
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}


def test_owner_shares_are_required_on_create(cast):
    response = api_client(cast.manager).post(
        "/api/v1/pacts/", {"reference": "X", "title": "X", "starts_on": "2012-04-01"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "owner_shares"


def test_council_lead_creates_a_pact_of_their_own_only(cast):
    client = api_client(cast.wcc_lead)
    payload = {"reference": "W-1", "title": "Mine", "starts_on": "2020-01-01"}
    theirs = client.post(
        "/api/v1/pacts/",
        {**payload, "owner_shares": [{"partner": "rbkc", "percentage": "100"}]},
    )
    assert theirs.status_code == 400
    assert theirs.json()["errors"][0]["field"] == "owner_shares[0].partner"
    mine = client.post(
        "/api/v1/pacts/",
        {**payload, "owner_shares": [{"partner": "wcc", "percentage": "100"}]},
    )
    assert mine.status_code == 201, mine.json()


def test_co_owner_may_resubmit_shares_naming_the_other_council(cast, pacts):
    joint, _ = pacts
    url = reverse("api:pact-detail", args=[joint.pk])
    client = api_client(cast.wcc_lead)
    shares = client.get(url).json()["owner_shares"]
    response = client.patch(url, {"title": "Bi-borough ICT (renewed)", "owner_shares": shares})
    assert response.status_code == 200, response.json()
    assert response.json()["owner_shares"] == shares
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}


# Co-owners set only their own council's share (the audit's tenancy finding) ---------------


def test_a_co_owner_cannot_remove_another_council(cast, pacts):
    """wcc may not write rbkc's pacts, so rbkc's 40% is kept and 100% for wcc is 140%."""
    joint, _ = pacts
    url = reverse("api:pact-detail", args=[joint.pk])
    response = api_client(cast.wcc_lead).patch(
        url, {"owner_shares": [{"partner": "wcc", "percentage": "100"}]}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "owner_shares",
            "code": "total",
            "message": "Owner shares must add up to 100%, not 140%, counting the shares you may "
            "not change (Royal Borough of Kensington and Chelsea 40%).",
        }
    ]
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}
    assert api_client(cast.rbkc_lead).get(url).status_code == 200


@pytest.mark.parametrize(
    "shares,position",
    [
        # Changing the other council's percentage, with the total still 100%.
        ([{"partner": "wcc", "percentage": "55"}, {"partner": "rbkc", "percentage": "45"}], 1),
        ([{"partner": "rbkc", "percentage": "30"}, {"partner": "wcc", "percentage": "70"}], 0),
        # Handing the whole record to the other council.
        ([{"partner": "rbkc", "percentage": "100"}], 0),
    ],
)
def test_a_co_owner_cannot_change_another_councils_share(cast, pacts, shares, position):
    joint, _ = pacts
    url = reverse("api:pact-detail", args=[joint.pk])
    response = api_client(cast.wcc_lead).patch(url, {"title": "Changed", "owner_shares": shares})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": f"owner_shares[{position}].percentage",
            "code": "not_writable",
            "message": "You may not change Royal Borough of Kensington and Chelsea's share: "
            "leave it out or send it unchanged (40%).",
        }
    ]
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}
    with system_scope("test check"):
        assert Pact.objects.get(pk=joint.pk).title == "Bi-borough ICT"


def test_a_co_owner_may_leave_the_other_councils_share_out(cast, pacts):
    joint, _ = pacts
    url = reverse("api:pact-detail", args=[joint.pk])
    response = api_client(cast.wcc_lead).put(
        url,
        {
            "reference": "IAA-1",
            "title": "Bi-borough ICT (renewed)",
            "starts_on": "2011-04-01",
            "owner_shares": [{"partner": "wcc", "percentage": "60"}],
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["owner_shares"] == [
        {"partner": "wcc", "percentage": "60.00"},
        {"partner": "rbkc", "percentage": "40.00"},
    ]
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}


def test_shared_service_staff_set_every_current_councils_share(cast, pacts):
    joint, _ = pacts
    url = reverse("api:pact-detail", args=[joint.pk])
    client = api_client(cast.manager)
    even = [{"partner": "wcc", "percentage": "50"}, {"partner": "rbkc", "percentage": "50"}]
    assert client.patch(url, {"owner_shares": even}).status_code == 200
    assert shares_of(joint) == {"wcc": Decimal("50"), "rbkc": Decimal("50")}
    response = client.patch(url, {"owner_shares": [{"partner": "wcc", "percentage": "100"}]})
    assert response.status_code == 200, response.json()
    assert shares_of(joint) == {"wcc": Decimal("100")}
    assert api_client(cast.rbkc_lead).get(url).status_code == 404


def test_a_former_partners_share_is_kept_even_for_staff(cast):
    """A council that has left is read-only to everyone: its share stays, as on the page."""
    with system_scope("test data"):
        old = Pact.objects.create(
            reference="OLD-1", title="Old accord", starts_on=datetime.date(2012, 4, 1)
        )
        set_owner_shares(old, {cast.wcc: Decimal("60"), cast.lbhf: Decimal("40")})
    url = reverse("api:pact-detail", args=[old.pk])
    client = api_client(cast.manager)
    taken = client.patch(url, {"owner_shares": [{"partner": "wcc", "percentage": "100"}]})
    assert taken.status_code == 400
    assert "not 140%" in taken.json()["errors"][0]["message"]
    changed = client.patch(
        url,
        {
            "owner_shares": [
                {"partner": "wcc", "percentage": "50"},
                {"partner": "lbhf", "percentage": "50"},
            ]
        },
    )
    assert changed.status_code == 400
    assert changed.json()["errors"][0]["field"] == "owner_shares[1].percentage"
    assert shares_of(old) == {"wcc": Decimal("60"), "lbhf": Decimal("40")}
    renamed = client.patch(url, {"title": "Old accord (renamed)"})
    assert renamed.status_code == 200, renamed.json()


def test_the_page_and_the_api_keep_other_councils_shares_alike(cast, pacts, client_for):
    """The same edits through the pact's page and the API end the same way."""
    joint, _ = pacts
    url = reverse("api:pact-detail", args=[joint.pk])
    edit = f"/pacts/{joint.pk}/edit/"
    form = {"reference": "IAA-1", "title": "Bi-borough ICT", "starts_on": "2011-04-01"}
    wcc_share, rbkc_share = f"share_{cast.wcc.pk}", f"share_{cast.rbkc.pk}"
    lead_page, lead_api = client_for(cast.wcc_lead), api_client(cast.wcc_lead)

    # All of it for wcc: refused by both, the other council's 40% counted.
    response = lead_page.post(edit, {**form, wcc_share: "100"})
    assert response.status_code == 200
    assert "must add up to 100%, not 140%" in response.content.decode()
    response = lead_api.patch(url, {"owner_shares": [{"partner": "wcc", "percentage": "100"}]})
    assert response.status_code == 400
    assert "must add up to 100%, not 140%" in response.json()["errors"][0]["message"]
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}

    # wcc's own share only: both keep rbkc's.
    assert lead_page.post(edit, {**form, wcc_share: "60"}).status_code == 302
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}
    response = lead_api.patch(url, {"owner_shares": [{"partner": "wcc", "percentage": "60"}]})
    assert response.status_code == 200, response.json()
    assert shares_of(joint) == {"wcc": Decimal("60"), "rbkc": Decimal("40")}

    # Shared-service staff set both councils' shares, on the page as in the API.
    manager_page = client_for(cast.manager)
    assert manager_page.post(edit, {**form, wcc_share: "100", rbkc_share: ""}).status_code == 302
    assert shares_of(joint) == {"wcc": Decimal("100")}
    both = [{"partner": "wcc", "percentage": "70"}, {"partner": "rbkc", "percentage": "30"}]
    response = api_client(cast.manager).patch(url, {"owner_shares": both})
    assert response.status_code == 200, response.json()
    assert shares_of(joint) == {"wcc": Decimal("70"), "rbkc": Decimal("30")}


def test_pact_etag_follows_its_shares(cast, pacts):
    joint, _ = pacts
    url = reverse("api:pact-detail", args=[joint.pk])
    client = api_client(cast.manager)
    before = client.get(url)["ETag"]
    with system_scope("test data"):
        set_owner_shares(joint, {cast.wcc: Decimal("70"), cast.rbkc: Decimal("30")})
    assert client.get(url)["ETag"] != before
    stale = client.patch(url, {"title": "x"}, HTTP_IF_MATCH=before)
    assert stale.status_code == 412


def test_pact_dates_are_checked(cast):
    response = api_client(cast.manager).post(
        "/api/v1/pacts/",
        {
            "reference": "D",
            "title": "D",
            "starts_on": "2020-01-01",
            "ends_on": "2019-12-31",
            "owner_shares": [{"partner": "wcc", "percentage": "100"}],
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "ends_on"


def test_pact_list_loads_shares_in_one_query(cast, django_assert_max_num_queries):
    with system_scope("test data"):
        for i in range(15):
            a = Pact.objects.create(
                reference=f"A{i}", title=f"A{i}", starts_on=datetime.date(2020, 1, 1)
            )
            set_owner_shares(a, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
    client = api_client(cast.wcc_lead)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/pacts/").json()
    assert len(body["results"]) == 15
    assert all(len(r["owner_shares"]) == 2 for r in body["results"])


# Memberships --------------------------------------------------------------------------------


def test_memberships_are_scoped(cast):
    rows = api_client(cast.wcc_lead).get("/api/v1/memberships/").json()["results"]
    assert {r["user"] for r in rows} == {"wcc.staff", "wcc.colleague", "wcc.lead", "wcc.auditor"}
    assert {r["partner"] for r in rows} == {"wcc"}


def test_manager_adds_a_person_to_a_council(cast):
    client = api_client(cast.manager)
    response = client.post(
        "/api/v1/memberships/", {"user": "wcc.staff", "partner": "rbkc", "role": "requester"}
    )
    assert response.status_code == 201, response.json()
    again = client.post(
        "/api/v1/memberships/", {"user": "wcc.staff", "partner": "rbkc", "role": "requester"}
    )
    assert again.status_code == 400
    assert again.json()["errors"][0]["field"] == "role"
    assert again.json()["errors"][0]["code"] == "unique"


def test_lead_cannot_manage_memberships(cast):
    response = api_client(cast.wcc_lead).post(
        "/api/v1/memberships/", {"user": "wcc.staff", "partner": "wcc", "role": "lead"}
    )
    assert response.status_code == 403


def test_unknown_people_and_roles_are_named(cast):
    response = api_client(cast.manager).post(
        "/api/v1/memberships/", {"user": "nobody", "partner": "wcc", "role": "king"}
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"user", "role"}


def test_membership_changes_are_logged(cast):
    membership = Membership.objects.visible_to(cast.manager).get(user=cast.wcc_staff)
    url = reverse("api:membership-detail", args=[membership.pk])
    assert api_client(cast.manager).patch(url, {"role": "auditor"}).status_code == 200
    change = ChangeRecord.objects.visible_to(cast.manager).filter(object_id=membership.pk).first()
    assert change is not None
    assert change.changed_fields == ["role"]


def test_partner_model_is_unchanged_by_reads(cast):
    with system_scope("test check"):
        before = Partner.objects.get(pk=cast.wcc.pk).version
    api_client(cast.manager).get(reverse("api:partner-detail", args=[cast.wcc.pk]))
    with system_scope("test check"):
        assert Partner.objects.get(pk=cast.wcc.pk).version == before
