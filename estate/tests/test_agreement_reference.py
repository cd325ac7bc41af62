"""An agreement's reference is unique among the agreements a person can see: another council's
reference is never refused (which would tell them that agreement exists)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from core.api.testing import api_client
from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from estate.models import Agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def wcc_agreement(cast: Any) -> Agreement:
    with system_scope("test data"):
        agreement = Agreement.objects.create(
            reference="WCC-7", title="Westminster only", starts_on=datetime.date(2020, 1, 1)
        )
        set_owner_shares(agreement, {cast.wcc: Decimal("100")})
    return agreement


def page_data(cast: Any, partner: Any, reference: str) -> dict[str, str]:
    return {
        "reference": reference,
        "title": "New",
        "starts_on": "2021-04-01",
        f"share_{partner.pk}": "100",
    }


def test_another_councils_reference_is_not_refused_nor_revealed(cast, client_for, wcc_agreement):
    response = client_for(cast.rbkc_lead).post(
        "/agreements/new/", page_data(cast, cast.rbkc, "wcc-7")
    )
    assert response.status_code == 302


def test_the_api_does_not_refuse_another_councils_reference_either(cast, wcc_agreement):
    created = api_client(cast.rbkc_lead).post(
        "/api/v1/agreements/",
        {
            "reference": "WCC-7",
            "title": "Also new",
            "starts_on": "2021-04-01",
            "owner_shares": [{"partner": "rbkc", "percentage": "100"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content


def test_a_reference_the_person_can_see_is_refused_on_the_field(cast, client_for, wcc_agreement):
    response = client_for(cast.wcc_lead).post(
        "/agreements/new/", page_data(cast, cast.wcc, "wcc-7")
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'href="#id_reference"' in text
    assert "Agreement reference wcc-7 is already used: choose another reference" in text
    # The service manager sees every council's agreements: refused too, in the API as well.
    response = api_client(cast.manager).post(
        "/api/v1/agreements/",
        {
            "reference": "WCC-7",
            "title": "Again",
            "starts_on": "2021-04-01",
            "owner_shares": [{"partner": "rbkc", "percentage": "100"}],
        },
        format="json",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "reference" and error["code"] == "unique"
    # Editing the agreement itself keeps its own reference.
    edit = client_for(cast.wcc_lead).post(
        f"/agreements/{wcc_agreement.pk}/edit/",
        {
            "reference": "WCC-7",
            "title": "Renamed",
            "starts_on": "2020-01-01",
            f"share_{cast.wcc.pk}": "100",
        },
    )
    assert edit.status_code == 302
