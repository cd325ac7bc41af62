"""Stock-take: an asset recorded as seen (who, when, where), per-council intervals by kind,
and the overdue list."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from assets import services
from assets.models import Sighting, StocktakePolicy
from assets.tests.factories import asset
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import content_of, unscoped

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC)


def seen(record: Any, user: Any, when: datetime.datetime) -> None:
    services.record_sighting(record, user, location="Desk 4", at=when)


@time_machine.travel(NOW, tick=False)
def test_a_sighting_records_who_when_where(cast: Cast) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-1")
    sighting = services.record_sighting(laptop, cast.wcc_lead, location="Room 3.14")
    assert (sighting.seen_by, sighting.seen_at, sighting.location) == (
        cast.wcc_lead,
        NOW,
        "Room 3.14",
    )
    assert laptop.last_seen_at == NOW


@time_machine.travel(NOW, tick=False)
def test_overdue_by_the_councils_interval_for_the_kind(cast: Cast) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-L", kind="laptop")
    server = asset(cast.wcc, asset_tag="WCC-S", kind="server")
    never = asset(cast.wcc, asset_tag="WCC-N", kind="laptop")
    seven_months = NOW - datetime.timedelta(days=213)
    seen(laptop, cast.wcc_lead, seven_months)
    seen(server, cast.wcc_lead, seven_months)
    # Default 12 months: only the never-seen laptop is overdue.
    assert set(services.overdue_for_check(cast.wcc_lead)) == {never}
    with system_scope("test data"):
        StocktakePolicy.objects.create(partner=cast.wcc, kind="server", check_every_months=6)
    assert set(services.overdue_for_check(cast.wcc_lead)) == {never, server}
    with system_scope("test data"):
        StocktakePolicy.objects.create(partner=cast.wcc, kind="", check_every_months=3)
    assert set(services.overdue_for_check(cast.wcc_lead)) == {never, server, laptop}


@time_machine.travel(NOW, tick=False)
def test_overdue_list_is_scoped_and_leaves_out_disposed(cast: Cast, client_for: Any) -> None:
    mine = asset(cast.wcc, asset_tag="WCC-OVERDUE")
    theirs = asset(cast.rbkc, asset_tag="RBKC-OVERDUE")
    gone = asset(cast.wcc, asset_tag="WCC-GONE")
    services.move(gone, "retired", cast.wcc_lead)
    services.move(
        gone, "disposed", cast.wcc_lead, disposal_method="recycled", certificate_reference="C1"
    )
    assert set(services.overdue_for_check(cast.wcc_lead)) == {mine}
    text = content_of(client_for(cast.wcc_lead).get("/assets/stock-take-due/"))
    assert "WCC-OVERDUE" in text and "RBKC-OVERDUE" not in text and "WCC-GONE" not in text
    api = client_for(cast.rbkc_lead).get("/api/v1/assets/stock-take-due/")
    assert [row["asset_tag"] for row in api.json()["results"]] == [theirs.asset_tag]


def test_a_disposed_asset_cannot_be_seen(cast: Cast) -> None:
    gone = asset(cast.wcc, asset_tag="WCC-X")
    services.move(gone, "retired", cast.wcc_lead)
    services.move(
        gone, "disposed", cast.wcc_lead, disposal_method="recycled", certificate_reference="C2"
    )
    with pytest.raises(ValidationError):
        services.record_sighting(gone, cast.wcc_lead)


def test_page_and_api_record_a_sighting(cast: Cast, client_for: Any, api_client_for: Any) -> None:
    laptop = asset(cast.wcc, asset_tag="WCC-SEEN")
    response = client_for(cast.wcc_lead).post(f"/assets/{laptop.pk}/seen/", {"location": "Rack 2"})
    assert response.status_code == 302
    response = api_client_for(cast.agent).post(f"/api/v1/assets/{laptop.pk}/seen/", {})
    assert response.status_code == 200 and response.json()["last_seen_at"]
    assert unscoped(Sighting).filter(asset=laptop).count() == 2
    assert (
        api_client_for(cast.rbkc_lead).post(f"/api/v1/assets/{laptop.pk}/seen/", {}).status_code
        == 404
    )
    assert client_for(cast.wcc_auditor).post(f"/assets/{laptop.pk}/seen/", {}).status_code == 403


def test_an_interval_is_one_to_a_hundred_and_twenty_months(cast: Cast, api_client_for: Any) -> None:
    """Schemathesis set an interval of thousands of months, and the overdue list then failed
    working out a date thousands of years ago: the interval is bounded where it is written."""
    api = api_client_for(cast.wcc_lead)
    for months in (0, 121, 30000):
        answer = api.post(
            "/api/v1/stocktake-policies/",
            {"partner": "wcc", "check_every_months": months},
            format="json",
        )
        assert answer.status_code == 400, answer.content
        assert "check_every_months" in {e["field"] for e in answer.json()["errors"]}
    made = api.post(
        "/api/v1/stocktake-policies/", {"partner": "wcc", "check_every_months": 120}, format="json"
    )
    assert made.status_code == 201, made.content
    assert api.get("/api/v1/assets/stock-take-due/").status_code == 200


def test_months_ago_stays_within_the_calendar() -> None:
    from assets.models import months_ago

    assert months_ago(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert months_ago(datetime.date(2026, 3, 31), 30000 * 12) == datetime.date.min
    assert months_ago(datetime.date(2026, 3, 31), -10000 * 12) == datetime.date.max
