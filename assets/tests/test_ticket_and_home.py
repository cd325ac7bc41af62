"""A ticket names a configuration item (form, page, API), never one the reader may not see;
the home page counts unsupported systems and assets overdue for a check, by scope."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from assets.tests.factories import asset, item
from assets.views import home_needs
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import content_of
from servicedesk.services import raise_ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_names_its_configuration_item(
    cast: Cast, client_for: Any, api_client_for: Any
) -> None:
    housing = item(cast.wcc, "Housing system", "application")
    with system_scope("test data"):
        ticket = raise_ticket(partner=cast.wcc, requester=cast.wcc_staff, subject="Slow")
    response = api_client_for(cast.agent).patch(
        f"/api/v1/tickets/{ticket.pk}/", {"configuration_item": "Housing system"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["configuration_item"] == "Housing system"
    page = content_of(client_for(cast.wcc_lead).get(f"/tickets/{ticket.pk}/"))
    assert "Housing system" in page and housing.get_absolute_url() in page
    # The requester sees the ticket, not the asset register's item.
    assert (
        api_client_for(cast.wcc_staff)
        .get(f"/api/v1/tickets/{ticket.pk}/")
        .json()["configuration_item"]
        is None
    )
    assert "Housing system" not in content_of(
        client_for(cast.wcc_staff).get(f"/tickets/{ticket.pk}/")
    )
    form = content_of(client_for(cast.agent).get(f"/tickets/{ticket.pk}/edit/"))
    assert 'name="configuration_item"' in form


def test_a_ticket_cannot_name_an_item_the_person_cannot_see(
    cast: Cast, api_client_for: Any
) -> None:
    item(cast.rbkc, "RBKC CRM", "application")
    with system_scope("test data"):
        ticket = raise_ticket(partner=cast.wcc, requester=cast.wcc_staff, subject="CRM?")
    response = api_client_for(cast.wcc_lead).patch(
        f"/api/v1/tickets/{ticket.pk}/", {"configuration_item": "RBKC CRM"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "configuration_item"


@time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_home_needs_count_what_the_reader_sees(cast: Cast) -> None:
    asset(cast.wcc, asset_tag="W7", os_name="Windows 7")
    asset(cast.rbkc, asset_tag="R7", os_name="Windows 7")
    asset(cast.rbkc, asset_tag="R11", os_name="Windows 11 Enterprise", os_version="24H2")
    wcc = {need.label: need.count for need in home_needs(cast.wcc_lead)}
    assert wcc == {
        "Assets out of operating system support": 1,
        "Assets overdue for a stock-take": 1,
    }
    rbkc = {need.label: need.count for need in home_needs(cast.rbkc_lead)}
    assert rbkc == {
        "Assets out of operating system support": 1,
        "Assets overdue for a stock-take": 2,
    }
    assert home_needs(cast.wcc_auditor) == []
    assert home_needs(cast.wcc_staff) == []
