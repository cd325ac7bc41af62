"""A site's postcode and UPRN are checked where they come in (page, API, import), with
messages showing a good one, and a postcode is stored the Royal Mail's way."""

from __future__ import annotations

import pytest

from core.api.testing import api_client
from core.importing import import_records
from core.tenancy.scoping import system_scope
from estate.models import Site

pytestmark = pytest.mark.django_db


def stored(code: str) -> Site:
    with system_scope("test"):
        return Site.objects.get(code=code)


def test_the_page_writes_a_postcode_the_royal_mails_way_and_refuses_bad_values(cast, client_for):
    client = client_for(cast.wcc_lead)
    response = client.post(
        "/sites/new/",
        {"partner": cast.wcc.pk, "code": "CH", "name": "City Hall", "postcode": "sw1e6qp"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored("CH").postcode == "SW1E 6QP"
    response = client.post(
        "/sites/new/",
        {
            "partner": cast.wcc.pk,
            "code": "BAD",
            "name": "Bad",
            "postcode": "SW1",
            "uprn": "1234567890123",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_postcode"' in text and "like SW1A 1AA" in text
    assert 'href="#id_uprn"' in text and "up to 12 digits" in text


def test_the_api_does_the_same(cast):
    client = api_client(cast.wcc_lead)
    response = client.post(
        "/api/v1/sites/",
        {"partner": "wcc", "code": "CH", "name": "City Hall", "postcode": "sw1e  6qp"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["postcode"] == "SW1E 6QP"
    response = client.post(
        "/api/v1/sites/",
        {"partner": "wcc", "code": "B", "name": "B", "postcode": "NOPE", "uprn": "12a"},
        format="json",
    )
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "postcode": "Enter a real UK postcode, like SW1A 1AA",
        "uprn": "Enter a UPRN of up to 12 digits and nothing else, like 100023336956",
    }


def test_an_import_names_the_row_and_column(cast, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(
        "partner,code,name,postcode,uprn\n"
        "wcc,CH,City Hall,sw1e 6qp,100023336956\n"
        "wcc,LIB,Library,SW1E 6Q,\n",
        encoding="utf-8",
    )
    with open(path, "rb") as f:
        result = import_records(Site, f, path.name, cast.wcc_lead, dry_run=False)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "postcode", "Enter a real UK postcode, like SW1A 1AA")
    ]
    with system_scope("test"):
        assert not Site.objects.exists()
