"""Partners pages: councils, people and roles, admin; the council page's records, and the
co-owned and catalogue pages (owner shares), on the test-only sample app."""

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
    assert "Left the partnership" in text
    text = page(client.get(f"/partners/{cast.lbhf.pk}/"))
    assert "Left the partnership" in text
    assert f"/partners/{cast.lbhf.pk}/edit/" not in text
    assert client.get(f"/partners/{cast.lbhf.pk}/edit/").status_code == 403
    assert "Left the partnership" not in page(client.get(f"/partners/{cast.wcc.pk}/"))


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


# Pacts


def test_manager_creates_a_pact_with_shares(cast, client_for):
    client = client_for(cast.manager)
    text = page(client.get("/pacts/new/"))
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
    response = client.post("/pacts/new/", data)
    assert response.status_code == 200
    assert "must add up to 100%, not 90%" in page(response)
    data[f"share_{cast.rbkc.pk}"] = "40"
    response = client.post("/pacts/new/", data)
    assert response.status_code == 302
    with system_scope("test"):
        pact = Pact.objects.get(reference="IAA-9")
    shares = {s.partner.code: s.percentage for s in pact.owner_shares()}
    assert shares == {"wcc": Decimal("60.00"), "rbkc": Decimal("40.00")}
    text = page(client.get(f"/pacts/{pact.pk}/"))
    assert "60.00%" in text and "Royal Borough of Kensington and Chelsea" in text


def test_a_lead_keeps_the_other_councils_share(cast, client_for):
    with system_scope("test"):
        joint = Pact.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("40")})
    client = client_for(cast.wcc_lead)
    text = page(client.get(f"/pacts/{joint.pk}/edit/"))
    assert f'name="share_{cast.rbkc.pk}"' not in text
    assert "you cannot change this council\u2019s share" in text and "40.00%" in text
    base = {"reference": "IAA-1", "title": "Bi-borough ICT (renamed)", "starts_on": "2011-04-01"}
    response = client.post(f"/pacts/{joint.pk}/edit/", {**base, f"share_{cast.wcc.pk}": "60"})
    assert response.status_code == 302
    shares = {s.partner.code: s.percentage for s in joint.owner_shares()}
    assert shares == {"wcc": Decimal("60.00"), "rbkc": Decimal("40.00")}
    # Giving up wcc's share would leave the lead unable to see the pact.
    response = client.post(f"/pacts/{joint.pk}/edit/", {**base, f"share_{cast.wcc.pk}": ""})
    assert "must add up to 100%" in page(response)


PACT = {
    "reference": "IAA-7",
    "title": "Shared print",
    "starts_on": "2020-04-01",
    "ends_on": "",
    "summary": "",
}


def owners_fieldset(text: str) -> str:
    """The form group around the "Owners" fieldset, up to the fieldset's end."""
    start = text.rindex('<div class="govuk-form-group', 0, text.index("Owners</legend>"))
    return text[start : text.index("</fieldset>", start)]


def test_shares_that_do_not_add_up_are_the_owners_fieldsets_error(cast, client_for):
    response = client_for(cast.manager).post("/pacts/new/", {**PACT, f"share_{cast.wcc.pk}": "50"})
    assert response.status_code == 200
    text = page(response)
    assert "<title>Error:" in text
    message = "Owner shares must add up to 100%, not 50%."
    # The error summary links to the first share (the councils are in name order).
    summary = text.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    assert f'<a href="#id_share_{cast.wcc.pk}">{message}</a>' in summary
    assert f'id="id_share_{cast.wcc.pk}"' in text.split("<form", 1)[1]
    # The fieldset shows the error, in the GOV.UK pattern, once.
    fieldset = owners_fieldset(text)
    assert fieldset.startswith('<div class="govuk-form-group govuk-form-group--error">')
    assert '<fieldset class="govuk-fieldset" aria-describedby="owners-hint owners-error">' in (
        fieldset
    )
    assert (
        '<p id="owners-error" class="govuk-error-message">'
        f'<span class="govuk-visually-hidden">Error:</span> {message}</p>'
    ) in fieldset
    assert text.count(message) == 2  # the summary and the fieldset
    # Every share input is marked, as GOV.UK marks a date that is wrong as a whole.
    for partner in (cast.wcc, cast.rbkc):
        share_input = fieldset.split(f'id="id_share_{partner.pk}"', 1)[0].rsplit("<input", 1)[1]
        assert "govuk-input--error" in share_input
    with system_scope("test"):
        assert not Pact.objects.filter(reference="IAA-7").exists()


def test_no_share_at_all_is_the_owners_fieldsets_error_too(cast, client_for):
    text = page(client_for(cast.manager).post("/pacts/new/", PACT))
    message = "Give at least one council a share."
    assert f'<a href="#id_share_{cast.wcc.pk}">{message}</a>' in text
    assert message in owners_fieldset(text)


def test_a_share_that_is_not_a_percentage_is_its_own_error_only(cast, client_for):
    text = page(
        client_for(cast.manager).post(
            "/pacts/new/",
            {**PACT, f"share_{cast.wcc.pk}": "150", f"share_{cast.rbkc.pk}": "10"},
        )
    )
    assert f'href="#id_share_{cast.wcc.pk}"' in text
    assert f'id="id_share_{cast.wcc.pk}-error"' in text
    assert "City of Westminster\u2019s share must be 100% or less" in text
    assert "add up to 100%" not in text
    assert 'id="owners-error"' not in text
    assert "govuk-form-group--error" not in owners_fieldset(text).split(">", 1)[0]


def test_shares_are_text_inputs_with_a_decimal_keypad(cast, client_for):
    """GOV.UK: not type=number, whose value arrow keys and the mouse wheel change unnoticed."""
    client = client_for(cast.manager)
    text = page(client.get("/pacts/new/"))
    share_input = text.split(f'id="id_share_{cast.wcc.pk}"', 1)[0].rsplit("<input", 1)[1]
    assert 'type="text"' in share_input and 'inputmode="decimal"' in share_input
    assert 'type="number"' not in text
    text = page(client.post("/pacts/new/", {**PACT, f"share_{cast.wcc.pk}": "half"}))
    assert "Enter City of Westminster\u2019s share as a number, like 25 or 12.5" in text
    text = page(client.post("/pacts/new/", {**PACT, f"share_{cast.wcc.pk}": "33.333"}))
    assert "City of Westminster\u2019s share can have up to 2 decimal places" in text
    # One mistake, one message (in the summary and by the field).
    text = page(client.post("/pacts/new/", {**PACT, f"share_{cast.wcc.pk}": "1000"}))
    assert text.count("City of Westminster\u2019s share must be 100% or less") == 2


def test_a_services_error_on_owner_shares_goes_to_the_fieldset(cast):
    from django.core.exceptions import ValidationError

    from core.forms import add_validation_error
    from core.templatetags.concord import error_summary
    from core.testing.sample.forms import PactForm

    data = {**PACT, f"share_{cast.wcc.pk}": "100"}
    form = PactForm(data=data, user=cast.manager)
    assert form.is_valid()
    add_validation_error(
        form,
        ValidationError({"owner_shares": "x's share must be more than 0%", "title": "Too long"}),
    )
    assert form.group_errors == {"owner_shares": ["x's share must be more than 0%"]}
    assert form.errors["title"] == ["Too long"]
    assert error_summary(form)["errors"] == [
        ("#id_title", "Too long"),
        (f"#id_share_{cast.wcc.pk}", "x's share must be more than 0%"),
    ]


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
