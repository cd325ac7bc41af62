"""A council's GSS code and a person's email address are checked wherever they come in, with
messages showing a good one; a person's names keep to the text rule."""

from __future__ import annotations

import pytest

from core.api.testing import api_client
from core.tenancy.models import Partner, User
from core.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def council(gss: str) -> dict[str, str]:
    return {
        "code": "lbb",
        "name": "London Borough of Barnet",
        "gss_code": gss,
        "nation": "ENG",
        "joined_on": "2025-04-01",
    }


def test_the_api_writes_a_gss_code_in_capitals_and_refuses_a_bad_one(cast):
    client = api_client(cast.manager)
    response = client.post("/api/v1/partners/", council("E0900003"), format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "gss_code" and "like E09000033" in error["message"]
    response = client.post("/api/v1/partners/", council("e09000003"), format="json")
    assert response.status_code == 201, response.content
    with system_scope("test"):
        assert Partner.objects.get(code="lbb").gss_code == "E09000003"


def test_the_page_refuses_a_bad_gss_code_on_the_field(cast, client_for):
    response = client_for(cast.manager).post("/partners/new/", council("W123"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'href="#id_gss_code"' in text and "like E09000033" in text
    with system_scope("test"):
        assert not Partner.objects.filter(code="lbb").exists()


def person(**changes: str) -> dict[str, object]:
    return {
        "username": "rbkc.newbie",
        "first_name": "Nia",
        "last_name": "Newbie",
        "email": "nia@example.org",
        "role": "requester",
        **changes,
    }


def test_adding_a_person_checks_the_email_address_and_names(cast, client_for):
    client = client_for(cast.manager)
    response = client.post("/memberships/new/", {"partner": cast.rbkc.pk, **person(email="nia@")})
    text = response.content.decode()
    assert response.status_code == 200 and 'href="#id_email"' in text
    assert "like name@example.gov.uk" in text
    response = client.post(
        "/memberships/new/", {"partner": cast.rbkc.pk, **person(last_name="New\u202ebie")}
    )
    text = response.content.decode()
    assert response.status_code == 200 and 'href="#id_last_name"' in text
    assert "Last name must not contain control characters" in text
    assert not User.objects.filter(username="rbkc.newbie").exists()
