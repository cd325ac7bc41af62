"""Partners pages: councils, people and roles, agreements' shares, site types, admin."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from core.scoping import system_scope
from core.services import set_owner_shares
from partners.models import Agreement, Membership, Partner, Site, SiteType, User

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
        Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Site.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
        joint = Agreement.objects.create(
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


# Agreements ----------------------------------------------------------------------------------


def test_manager_creates_an_agreement_with_shares(cast, client_for):
    client = client_for(cast.manager)
    text = page(client.get("/agreements/new/"))
    assert f'name="share_{cast.wcc.pk}"' in text and f'name="share_{cast.lbhf.pk}"' not in text
    data = {
        "reference": "IAA-9",
        "title": "Tri-borough",
        "starts_on": "2020-04-01",
        "ends_on": "",
        "summary": "",
        f"share_{cast.wcc.pk}": "60",
        f"share_{cast.rbkc.pk}": "30",
    }
    response = client.post("/agreements/new/", data)
    assert response.status_code == 200
    assert "must add up to 100%, not 90%" in page(response)
    data[f"share_{cast.rbkc.pk}"] = "40"
    response = client.post("/agreements/new/", data)
    assert response.status_code == 302
    with system_scope("test"):
        agreement = Agreement.objects.get(reference="IAA-9")
    shares = {s.partner.code: s.percentage for s in agreement.owner_shares()}
    assert shares == {"wcc": Decimal("60.00"), "rbkc": Decimal("40.00")}
    text = page(client.get(f"/agreements/{agreement.pk}/"))
    assert "60.00%" in text and "Royal Borough of Kensington and Chelsea" in text


def test_a_lead_keeps_the_other_councils_share(cast, client_for):
    with system_scope("test"):
        joint = Agreement.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("40")})
    client = client_for(cast.wcc_lead)
    text = page(client.get(f"/agreements/{joint.pk}/edit/"))
    assert f'name="share_{cast.rbkc.pk}"' not in text
    assert "you cannot change this council\u2019s share" in text and "40.00%" in text
    base = {"reference": "IAA-1", "title": "Bi-borough ICT (renamed)", "starts_on": "2011-04-01"}
    response = client.post(f"/agreements/{joint.pk}/edit/", {**base, f"share_{cast.wcc.pk}": "60"})
    assert response.status_code == 302
    shares = {s.partner.code: s.percentage for s in joint.owner_shares()}
    assert shares == {"wcc": Decimal("60.00"), "rbkc": Decimal("40.00")}
    # Giving up wcc's share would leave the lead unable to see the agreement.
    response = client.post(f"/agreements/{joint.pk}/edit/", {**base, f"share_{cast.wcc.pk}": ""})
    assert "must add up to 100%" in page(response)


def test_agreements_are_scoped(cast, client_for):
    with system_scope("test"):
        theirs = Agreement.objects.create(
            reference="R-1", title="Kensington only", starts_on=datetime.date(2020, 1, 1)
        )
        set_owner_shares(theirs, {cast.rbkc: Decimal("100")})
    client = client_for(cast.wcc_lead)
    assert "Kensington only" not in page(client.get("/agreements/"))
    assert client.get(f"/agreements/{theirs.pk}/").status_code == 404


# Site types (a catalogue) --------------------------------------------------------------------


def test_site_types_read_by_all_edited_by_staff(cast, client_for):
    with system_scope("test"):
        office = SiteType.objects.create(name="Office")
    lead = client_for(cast.wcc_lead)
    assert "Office" in page(lead.get("/site-types/"))
    assert lead.get("/site-types/new/").status_code == 403
    assert lead.get(f"/site-types/{office.pk}/edit/").status_code == 403
    agent = client_for(cast.agent)
    response = agent.post("/site-types/new/", {"name": "Library", "description": ""})
    assert response.status_code == 302


# Admin ---------------------------------------------------------------------------------------


def test_admin_querysets_and_dropdowns_are_scoped(cast):
    with system_scope("test"):
        Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Site.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    request = RequestFactory().get("/django-admin/")
    request.user = cast.wcc_lead
    site_admin = admin_site._registry[Site]
    assert [s.name for s in site_admin.get_queryset(request)] == ["City Hall"]
    partner_field: Any = Site._meta.get_field("partner")
    field: Any = site_admin.formfield_for_foreignkey(partner_field, request)
    assert list(field.queryset) == [cast.wcc]
    user_admin = admin_site._registry[User]
    assert "rbkc.lead" not in {u.username for u in user_admin.get_queryset(request)}
    request.user = cast.manager
    assert len(site_admin.get_queryset(request)) == 2


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
        rbkc_site = Site.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    assert client_for(cast.wcc_lead).get(f"/sites/{rbkc_site.pk}/").status_code == 200


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
