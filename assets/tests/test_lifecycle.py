"""Lifecycle moves: who and when, illegal moves refused in words naming the field, disposal
needing its record; by the service, the asset's page and the API."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from assets import services
from assets.models import Asset, AssetMove, Disposal
from assets.tests.factories import asset
from core.testing.cast import Cast
from core.testing.families import content_of, unscoped

pytestmark = pytest.mark.django_db


def errors_of(response: Any) -> dict[str, str]:
    """An API error answer's messages, by field."""
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@time_machine.travel(datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_a_move_records_who_and_when(cast: Cast) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-1")
    record = services.move(laptop, "deployed", cast.wcc_lead, note="Given to finance")
    assert laptop.state == "deployed"
    assert unscoped(Asset).get(pk=laptop.pk).state == "deployed"
    assert (record.from_state, record.to_state) == ("in_stock", "deployed")
    assert record.moved_by == cast.wcc_lead
    assert record.moved_at == datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC)
    assert list(services.moves_of(laptop, cast.wcc_lead)) == [record]


def test_an_illegal_move_is_refused_with_what_is_allowed(cast: Cast) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-2")
    with pytest.raises(ValidationError) as refused:
        services.move(laptop, "disposed", cast.wcc_lead)
    message = refused.value.message_dict["to_state"][0]
    assert message == (
        "An asset that is in stock cannot move to disposed: it can move to deployed, "
        "in repair, retired"
    )
    assert unscoped(Asset).get(pk=laptop.pk).state == "in_stock"
    assert not unscoped(AssetMove).filter(asset=laptop).exists()


def test_disposal_needs_method_and_certificate(cast: Cast) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-3")
    services.move(laptop, "retired", cast.wcc_lead)
    with pytest.raises(ValidationError) as refused:
        services.move(laptop, "disposed", cast.wcc_lead, disposal_method="recycled")
    assert "certificate" in refused.value.message_dict["certificate_reference"][0]
    services.move(
        laptop,
        "disposed",
        cast.wcc_lead,
        disposal_method="destroyed",
        certificate_reference="WEEE-2026-0042",
    )
    disposal = unscoped(Disposal).get(asset=laptop)
    assert (disposal.method, disposal.certificate_reference) == ("destroyed", "WEEE-2026-0042")
    with pytest.raises(ValidationError) as refused:
        services.move(laptop, "in_stock", cast.wcc_lead)
    assert "cannot move any more" in refused.value.message_dict["to_state"][0]


def test_the_page_moves_an_asset_and_shows_the_move(cast: Cast, client_for: Any) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-4")
    client = client_for(cast.wcc_lead)
    response = client.post(f"/assets/{laptop.pk}/move/", {"to_state": "deployed"})
    assert response.status_code == 302
    page = content_of(client.get(f"/assets/{laptop.pk}/"))
    assert ("Deployed" in page and "wcc.lead" in page) or "Deployed" in page


def test_the_page_refuses_an_illegal_move_on_the_field(cast: Cast, client_for: Any) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-5")
    client = client_for(cast.wcc_lead)
    response = client.post(f"/assets/{laptop.pk}/move/", {"to_state": "disposed"})
    assert response.status_code == 400
    text = content_of(response)
    assert "cannot move to disposed" in text
    assert "Error:" in text


def test_an_auditor_cannot_move_and_another_council_gets_404(cast: Cast, client_for: Any) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-6")
    assert (
        client_for(cast.wcc_auditor)
        .post(f"/assets/{laptop.pk}/move/", {"to_state": "deployed"})
        .status_code
        == 403
    )
    assert (
        client_for(cast.rbkc_lead)
        .post(f"/assets/{laptop.pk}/move/", {"to_state": "deployed"})
        .status_code
        == 404
    )
    assert unscoped(Asset).get(pk=laptop.pk).state == "in_stock"


def test_the_api_moves_and_lists_the_moves(cast: Cast, api_client_for: Any) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-7")
    client = api_client_for(cast.wcc_lead)
    response = client.post(f"/api/v1/assets/{laptop.pk}/move/", {"to_state": "deployed"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "deployed"
    assert [(m["from_state"], m["to_state"], m["moved_by"]) for m in body["moves"]] == [
        ("in_stock", "deployed", cast.wcc_lead.username)
    ]
    refused = client.post(f"/api/v1/assets/{laptop.pk}/move/", {"to_state": "ordered"})
    assert refused.status_code == 400
    assert errors_of(refused) == {
        "to_state": "An asset that is deployed cannot move to ordered: it can move to in stock, "
        "in repair, retired"
    }
    retired = client.post(f"/api/v1/assets/{laptop.pk}/move/", {"to_state": "retired"})
    assert retired.status_code == 200
    no_certificate = client.post(f"/api/v1/assets/{laptop.pk}/move/", {"to_state": "disposed"})
    assert no_certificate.status_code == 400
    assert set(errors_of(no_certificate)) == {"disposal_method", "certificate_reference"}
    other = api_client_for(cast.rbkc_lead)
    assert (
        other.post(f"/api/v1/assets/{laptop.pk}/move/", {"to_state": "in_stock"}).status_code == 404
    )


def test_state_is_not_written_by_an_edit(cast: Cast, api_client_for: Any) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-8", serial_number="S8")
    client = api_client_for(cast.wcc_lead)
    response = client.patch(f"/api/v1/assets/{laptop.pk}/", {"state": "disposed"}, format="json")
    assert response.status_code == 200
    assert unscoped(Asset).get(pk=laptop.pk).state == "in_stock"
