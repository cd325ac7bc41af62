"""Partners pages: councils, people and roles, admin; the council page's records and the
catalogue and co-owned pages, on the test-only sample app."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from core.services import set_owner_shares
from core.tenancy.models import Membership, Partner, User
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Pact, Room, RoomType

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


# Councils ------------------------------------------------------------------------------------


def test_manager_adds_a_partner(cast, client_for):
    client = client_for(cast.manager)
    assert client.get("/partners/new/").status_code == 200
    response = client.post(
        "/partners/new/",
        {
            "code": "camden",
            "name": "London Borough of Camden",
            "gss_code": "E09000007",
            "nation": "ENG",
            "joined_on": "2024-04-01",
            "left_on": "",
        },
    )
    assert response.status_code == 302
    with system_scope("test"):
        camden = Partner.objects.get(code="camden")
    assert camden.joined_on == datetime.date(2024, 4, 1)
    assert response["Location"] == f"/partners/{camden.pk}/"


def test_partner_form_errors(cast, client_for):
    response = client_for(cast.manager).post(
        "/partners/new/",
        {"code": "wcc", "name": "", "gss_code": "X1", "nation": "ENG", "joined_on": "2024-04-01"},
    )
    text = page(response)
    assert response.status_code == 200
    assert 'href="#id_code"' in text and 'href="#id_name"' in text and 'href="#id_gss_code"' in text


def test_only_the_manager_adds_or_changes_partners(cast, client_for):
    lead = client_for(cast.wcc_lead)
    assert lead.get("/partners/new/").status_code == 403
    assert lead.get(f"/partners/{cast.wcc.pk}/edit/").status_code == 403
    assert lead.get(f"/partners/{cast.wcc.pk}/").status_code == 200
    assert lead.get(f"/partners/{cast.rbkc.pk}/").status_code == 404
    assert "Add council" not in page(lead.get("/partners/"))
    assert "Add council" in page(client_for(cast.manager).get("/partners/"))
    assert "/partner-exports/" in page(client_for(cast.manager).get(f"/partners/{cast.wcc.pk}/"))
    assert "/partner-exports/" not in page(lead.get(f"/partners/{cast.wcc.pk}/"))


def test_partner_page_shows_the_next_bank_holidays_of_its_nation(cast, client_for):
    import time_machine

    with system_scope("test"):
        rbkc = Partner.objects.get(pk=cast.rbkc.pk)
        rbkc.nation = "SCT"
        rbkc.save()
    with time_machine.travel(datetime.datetime(2027, 11, 1, 12, tzinfo=datetime.UTC)):
        client = client_for(cast.manager)
        wcc = page(client.get(f"/partners/{cast.wcc.pk}/"))
        scottish = page(client.get(f"/partners/{cast.rbkc.pk}/"))
        former = page(client.get(f"/partners/{cast.lbhf.pk}/"))
    assert "Next bank holidays" in wcc
    assert "<li>Saturday 25 December 2027: Christmas Day</li>" in wcc
    assert "Saint Andrew" not in wcc
    assert "<li>Tuesday 30 November 2027: Saint Andrew&#x27;s Day</li>" in scottish
    assert "Next bank holidays" not in former  # its clocks have stopped for good


def test_partner_list_and_detail_mark_former_partners(cast, client_for):
    client = client_for(cast.manager)
    text = page(client.get("/partners/"))
    assert "Former partner" in text
    text = page(client.get(f"/partners/{cast.lbhf.pk}/"))
    assert "Former partner" in text
    assert f"/partners/{cast.lbhf.pk}/edit/" not in text
    assert client.get(f"/partners/{cast.lbhf.pk}/edit/").status_code == 403
    assert "Former partner" not in page(client.get(f"/partners/{cast.wcc.pk}/"))


def test_partner_detail_lists_its_records(cast, client_for):
    with system_scope("test"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
        joint = Pact.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
    text = page(client_for(cast.wcc_lead).get(f"/partners/{cast.wcc.pk}/"))
    assert "City Hall" in text and "Town Hall" not in text
    assert "wcc.lead" in text and "rbkc.lead" not in text
    assert "Bi-borough ICT" in text


def test_partner_list_filter(cast, client_for):
    text = page(client_for(cast.manager).get("/partners/?former=true"))
    results = text.split('id="concord-results"', 1)[1]
    assert "Hammersmith" in results and "Westminster" not in results


# People --------------------------------------------------------------------------------------


def test_manager_adds_a_person(cast, client_for):
    client = client_for(cast.manager)
    text = page(client.get("/memberships/new/"))
    assert "Add person" in text and "Hammersmith" not in text.split('id="id_partner"')[1]
    response = client.post(
        "/memberships/new/",
        {
            "partner": cast.rbkc.pk,
            "username": "rbkc.newbie",
            "first_name": "Nia",
            "last_name": "Newbie",
            "email": "nia@example.org",
            "role": "requester",
            "password": "a-Long-enough-pass-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="rbkc.newbie")
    assert user.check_password("a-Long-enough-pass-9")
    with system_scope("test"):
        membership = Membership.objects.get(user=user)
    assert membership.partner == cast.rbkc and membership.role == "requester"
    assert response["Location"] == f"/memberships/{membership.pk}/"
    text = page(client.get(response["Location"]))
    assert "Nia Newbie" in text and "nia@example.org" in text


def test_add_person_errors(cast, client_for):
    response = client_for(cast.manager).post(
        "/memberships/new/",
        {"partner": cast.wcc.pk, "username": "wcc.lead", "role": "", "password": "123"},
    )
    text = page(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert 'href="#id_role_0"' in text and 'href="#id_password"' in text
    response = client_for(cast.manager).post(
        "/memberships/new/",
        {"partner": cast.wcc.pk, "username": "wcc.lead", "role": "lead"},
    )
    assert 'href="#id_username"' in page(response)


def test_only_the_manager_adds_people(cast, client_for):
    assert client_for(cast.wcc_lead).get("/memberships/new/").status_code == 403
    assert client_for(cast.agent).get("/memberships/new/").status_code == 403


def test_manager_changes_roles(cast, client_for):
    with system_scope("test"):
        membership = Membership.objects.get(user=cast.wcc_staff)
    client = client_for(cast.manager)
    text = page(client.get(f"/memberships/{membership.pk}/edit/"))
    assert 'type="checkbox"' in text and "IT lead" in text
    response = client.post(
        f"/memberships/{membership.pk}/edit/", {"roles": ["requester", "auditor"]}
    )
    assert response.status_code == 302
    with system_scope("test"):
        roles = set(Membership.objects.filter(user=cast.wcc_staff).values_list("role", flat=True))
    assert roles == {"requester", "auditor"}
    # Unticking every role removes the person from the council.
    response = client.post(f"/memberships/{membership.pk}/edit/", {})
    assert response.status_code == 302 and response["Location"] == "/memberships/"
    with system_scope("test"):
        assert not Membership.objects.filter(user=cast.wcc_staff).exists()


def test_people_are_scoped(cast, client_for):
    text = page(client_for(cast.wcc_lead).get("/memberships/"))
    assert "wcc.staff" in text and "rbkc.staff" not in text
    with system_scope("test"):
        other = Membership.objects.get(user=cast.rbkc_staff)
    assert client_for(cast.wcc_lead).get(f"/memberships/{other.pk}/").status_code == 404
    assert client_for(cast.wcc_lead).get(f"/memberships/{other.pk}/edit/").status_code == 404


# Pacts (co-owned) ----------------------------------------------------------------------------


def test_pacts_are_scoped(cast, client_for):
    with system_scope("test"):
        theirs = Pact.objects.create(
            reference="R-1", title="Kensington only", starts_on=datetime.date(2020, 1, 1)
        )
        set_owner_shares(theirs, {cast.rbkc: Decimal("100")})
    client = client_for(cast.wcc_lead)
    assert "Kensington only" not in page(client.get("/pacts/"))
    assert client.get(f"/pacts/{theirs.pk}/").status_code == 404


# Room types (a catalogue) --------------------------------------------------------------------


def test_room_types_read_by_all_edited_by_staff(cast, client_for):
    with system_scope("test"):
        office = RoomType.objects.create(name="Office")
    lead = client_for(cast.wcc_lead)
    assert "Office" in page(lead.get("/room-types/"))
    assert lead.get("/room-types/new/").status_code == 403
    assert lead.get(f"/room-types/{office.pk}/edit/").status_code == 403
    agent = client_for(cast.agent)
    response = agent.post("/room-types/new/", {"name": "Library", "description": ""})
    assert response.status_code == 302


# Admin ---------------------------------------------------------------------------------------


def test_admin_lists_only_the_people_one_may_see(cast):
    request = RequestFactory().get("/django-admin/")
    request.user = cast.wcc_lead
    user_admin = admin_site._registry[User]
    assert "rbkc.lead" not in {u.username for u in user_admin.get_queryset(request)}


@pytest.fixture
def superuser(cast):
    from core.testing.cast import make_user

    return make_user("root", is_superuser=True, is_staff=True)


def test_admin_offers_only_partners_the_person_may_give_roles_in(cast, superuser, client_for):
    client = client_for(superuser)
    text = page(client.get("/django-admin/tenancy/membership/add/"))
    options = text.split('name="partner"', 1)[1].split("</select>", 1)[0]
    assert f'value="{cast.lbhf.pk}"' not in options and f'value="{cast.wcc.pk}"' in options


def test_manager_gives_an_existing_person_a_role_in_another_council(cast, client_for):
    client = client_for(cast.manager)
    text = page(client.get("/memberships/new/"))
    assert "Is this person new to Concord?" in text
    response = client.post(
        "/memberships/new/",
        {"partner": cast.rbkc.pk, "who": "existing", "username": "wcc.lead", "role": "auditor"},
    )
    assert response.status_code == 302
    with system_scope("test"):
        held = set(
            Membership.objects.unscoped("test")
            .filter(user=cast.wcc_lead)
            .values_list("partner__code", "role")
        )
    assert held == {("wcc", "lead"), ("rbkc", "auditor")}
    cast.wcc_lead.refresh_from_db()
    assert cast.wcc_lead.has_usable_password()  # their account is untouched
    with system_scope("test"):
        rbkc_room = Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    assert client_for(cast.wcc_lead).get(f"/rooms/{rbkc_room.pk}/").status_code == 200


def test_giving_an_existing_person_a_role_explains_each_mistake(cast, client_for):
    client = client_for(cast.manager)

    def errors(data):
        response = client.post("/memberships/new/", data)
        assert response.status_code == 200
        return page(response)

    text = errors(
        {"partner": cast.rbkc.pk, "who": "existing", "username": "nobody", "role": "lead"}
    )
    assert "No one signs in as “nobody”" in text
    text = errors(
        {
            "partner": cast.rbkc.pk,
            "who": "existing",
            "username": "wcc.lead",
            "role": "lead",
            "password": "a-Long-enough-pass-9",
        }
    )
    assert "keeps their password" in text
    text = errors(
        {"partner": cast.wcc.pk, "who": "existing", "username": "wcc.lead", "role": "lead"}
    )
    assert "already holds the role “IT lead” in City of Westminster" in text
    assert 'href="#id_role_0"' in text
    text = errors({"partner": cast.rbkc.pk, "who": "new", "username": "wcc.lead", "role": "lead"})
    assert "Someone already signs in as “wcc.lead”" in text
    text = errors(
        {"partner": cast.lbhf.pk, "who": "existing", "username": "wcc.lead", "role": "lead"}
    )
    assert 'id="id_partner"' in text  # a former partner is not offered at all


def test_a_council_code_or_name_in_use_is_said_plainly_on_its_field(cast, client_for):
    from core.api.testing import api_client

    response = client_for(cast.manager).post(
        "/partners/new/",
        {
            "code": "wcc",
            "name": "City of Westminster",
            "gss_code": "",
            "nation": "ENG",
            "joined_on": "2024-04-01",
        },
    )
    text = page(response)
    assert '<a href="#id_code">A council with this code already exists</a>' in text
    assert '<a href="#id_name">A council with this name already exists</a>' in text
    response = api_client(cast.manager).post(
        "/api/v1/partners/",
        {"code": "wcc", "name": "Another", "nation": "ENG", "joined_on": "2024-04-01"},
        format="json",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["message"]) == ("code", "A council with this code already exists")
