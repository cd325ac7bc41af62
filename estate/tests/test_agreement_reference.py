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


def edit_title_by_page(client: Any, agreement: Agreement, shares: dict[Any, str]) -> Any:
    return client.post(
        f"/agreements/{agreement.pk}/edit/",
        {
            "reference": agreement.reference,
            "title": "Edited by page",
            "starts_on": agreement.starts_on.isoformat(),
            **{f"share_{partner.pk}": value for partner, value in shares.items()},
        },
    )


def edit_title_by_api(user: Any, agreement: Agreement) -> Any:
    return api_client(user).patch(
        f"/api/v1/agreements/{agreement.pk}/", {"title": "Edited by API"}, format="json"
    )


def test_two_agreements_sharing_a_reference_can_both_still_be_edited(
    cast, client_for, wcc_agreement
):
    """Each council chose WCC-7 without seeing the other's: the service manager, who sees
    both, edits either (the reference is checked only when it changes), pages and API."""
    created = api_client(cast.rbkc_lead).post(
        "/api/v1/agreements/",
        {
            "reference": "WCC-7",
            "title": "Kensington's own",
            "starts_on": "2021-04-01",
            "owner_shares": [{"partner": "rbkc", "percentage": "100"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    with system_scope("test"):
        rbkc_agreement = Agreement.objects.get(pk=created.json()["id"])
    manager = client_for(cast.manager)
    for agreement, shares in (
        (wcc_agreement, {cast.wcc: "100"}),
        (rbkc_agreement, {cast.rbkc: "100"}),
    ):
        response = edit_title_by_page(manager, agreement, shares)
        assert response.status_code == 302, response.content.decode()[:3000]
        response = edit_title_by_api(cast.manager, agreement)
        assert response.status_code == 200, response.content
    # The reference is still checked when it changes: to one the manager sees is refused.
    response = api_client(cast.manager).patch(
        f"/api/v1/agreements/{rbkc_agreement.pk}/", {"reference": "wcc-7"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reference"


def test_no_council_can_stop_another_editing_its_own_agreements(cast, client_for):
    """Westminster gives the agreement it co-owns with Kensington and Chelsea the reference of
    an agreement only Kensington and Chelsea can see: it is not refused (that would reveal
    the other agreement), and Kensington and Chelsea still edits both, pages and API."""
    with system_scope("test data"):
        joint = Agreement.objects.create(
            reference="BI-1", title="Bi-borough", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("40")})
        solo = Agreement.objects.create(
            reference="RB-1", title="Kensington only", starts_on=datetime.date(2015, 4, 1)
        )
        set_owner_shares(solo, {cast.rbkc: Decimal("100")})
    chosen = api_client(cast.wcc_lead).patch(
        f"/api/v1/agreements/{joint.pk}/", {"reference": "RB-1"}, format="json"
    )
    assert chosen.status_code == 200, chosen.content
    joint.refresh_from_db()
    assert joint.reference == "RB-1"
    rbkc = client_for(cast.rbkc_lead)
    response = edit_title_by_page(rbkc, solo, {cast.rbkc: "100"})
    assert response.status_code == 302, response.content.decode()[:3000]
    response = edit_title_by_page(rbkc, joint, {cast.rbkc: "40"})
    assert response.status_code == 302, response.content.decode()[:3000]
    for agreement in (solo, joint):
        response = edit_title_by_api(cast.rbkc_lead, agreement)
        assert response.status_code == 200, response.content
    with system_scope("test"):
        titles = dict(Agreement.objects.values_list("pk", "title"))
    assert titles[solo.pk] == titles[joint.pk] == "Edited by API"
