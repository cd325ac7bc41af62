"""The agreement form: owner shares, entered per council and adding up to 100, with their
errors on the "Owners" fieldset (estate.forms.AgreementForm, templates/estate/agreement_form.html).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from estate.models import Agreement

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


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


AGREEMENT = {
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
    response = client_for(cast.manager).post(
        "/agreements/new/", {**AGREEMENT, f"share_{cast.wcc.pk}": "50"}
    )
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
        assert not Agreement.objects.filter(reference="IAA-7").exists()


def test_no_share_at_all_is_the_owners_fieldsets_error_too(cast, client_for):
    text = page(client_for(cast.manager).post("/agreements/new/", AGREEMENT))
    message = "Give at least one council a share."
    assert f'<a href="#id_share_{cast.wcc.pk}">{message}</a>' in text
    assert message in owners_fieldset(text)


def test_a_share_that_is_not_a_percentage_is_its_own_error_only(cast, client_for):
    text = page(
        client_for(cast.manager).post(
            "/agreements/new/",
            {**AGREEMENT, f"share_{cast.wcc.pk}": "150", f"share_{cast.rbkc.pk}": "10"},
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
    text = page(client.get("/agreements/new/"))
    share_input = text.split(f'id="id_share_{cast.wcc.pk}"', 1)[0].rsplit("<input", 1)[1]
    assert 'type="text"' in share_input and 'inputmode="decimal"' in share_input
    assert 'type="number"' not in text
    text = page(client.post("/agreements/new/", {**AGREEMENT, f"share_{cast.wcc.pk}": "half"}))
    assert "Enter City of Westminster\u2019s share as a number, like 25 or 12.5" in text
    text = page(client.post("/agreements/new/", {**AGREEMENT, f"share_{cast.wcc.pk}": "33.333"}))
    assert "City of Westminster\u2019s share can have up to 2 decimal places" in text
    # One mistake, one message (in the summary and by the field).
    text = page(client.post("/agreements/new/", {**AGREEMENT, f"share_{cast.wcc.pk}": "1000"}))
    assert text.count("City of Westminster\u2019s share must be 100% or less") == 2


def test_a_services_error_on_owner_shares_goes_to_the_fieldset(cast):
    from django.core.exceptions import ValidationError

    from core.forms import add_validation_error
    from core.templatetags.concord import error_summary
    from estate.forms import AgreementForm

    data = {**AGREEMENT, f"share_{cast.wcc.pk}": "100"}
    form = AgreementForm(data=data, user=cast.manager)
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
