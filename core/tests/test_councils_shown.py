"""The header's "Councils shown" and a list's own council filter never contradict each other in
silence: the list says which councils it shows, and why nothing matches when the two disagree
(issue 8.7). Through the sample app's rooms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.partner_filter import councils_shown
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.sample.filtersets import RoomFilterSet
from core.testing.sample.models import Room
from core.testing.words import read_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(cast: Cast) -> dict[str, Room]:
    with system_scope("test data"):
        return {
            "ch": Room.objects.create(partner=cast.wcc, code="CH", name="City Hall"),
            "th": Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall"),
        }


def choose(client: Any, code: str) -> None:
    """Choose a council in the header's "Councils shown"."""
    assert client.post(reverse("core:partner_filter"), {"partner": code, "next": "/"}).status_code


def said(client: Any, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return read_page(response.content.decode()).text


def test_all_councils(cast: Cast, client_for: Any, rooms: dict[str, Room]) -> None:
    text = said(client_for(cast.manager), "/rooms/")
    assert "Showing all councils (chosen at the top of the page)." in text


def test_the_header_alone(cast: Cast, client_for: Any, rooms: dict[str, Room]) -> None:
    client = client_for(cast.manager)
    choose(client, "wcc")
    text = said(client, "/rooms/")
    assert "Showing City of Westminster only (chosen at the top of the page)." in text
    assert "City Hall" in text and "Town Hall" not in text


def test_the_council_filter_alone(cast: Cast, client_for: Any, rooms: dict[str, Room]) -> None:
    text = said(client_for(cast.manager), "/rooms/", partner=cast.rbkc.pk)
    assert (
        "Showing Royal Borough of Kensington and Chelsea only (chosen in the council filter)."
        in (text)
    )


def test_both_agree(cast: Cast, client_for: Any, rooms: dict[str, Room]) -> None:
    client = client_for(cast.manager)
    choose(client, "wcc")
    text = said(client, "/rooms/", partner=cast.wcc.pk)
    assert "Showing City of Westminster only (chosen at the top of the page)." in text
    assert "which is not shown" not in text
    assert "City Hall" in text


def test_they_disagree_and_the_list_says_why_nothing_matches(
    cast: Cast, client_for: Any, rooms: dict[str, Room]
) -> None:
    client = client_for(cast.manager)
    choose(client, "wcc")
    text = said(client, "/rooms/", partner=cast.rbkc.pk)
    assert (
        "Showing City of Westminster only (chosen at the top of the page). The council filter "
        "asks for Royal Borough of Kensington and Chelsea, which is not shown: nothing matches."
    ) in text
    assert "No rooms match these filters." in text
    # The same when the filters change the list in place (htmx), for screen readers too.
    partial = client.get("/rooms/", {"partner": cast.rbkc.pk}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "which is not shown: nothing matches" in body
    status = body.split('id="concord-results-status"', 1)[1].split("</div>", 1)[0]
    assert "nothing matches" in status


def test_one_councils_person_is_told_nothing_needless(
    cast: Cast, client_for: Any, rooms: dict[str, Room]
) -> None:
    """A lead of one council is offered no choice of councils: the list needs no sentence."""
    text = said(client_for(cast.wcc_lead), "/rooms/")
    assert "chosen at the top of the page" not in text
    assert "chosen in the council filter" not in text


def test_a_catalogue_says_nothing_of_councils(cast: Cast, client_for: Any) -> None:
    assert "Showing all councils" not in said(client_for(cast.manager), "/room-types/")


def test_records_both_councils_own_are_said_to_be_shared(cast: Cast) -> None:
    """A co-owned record owned by the council shown and the one filtered on matches both:
    the list then says it shows what they share, not that nothing matches."""
    request = RequestFactory().get("/rooms/")
    request.user = cast.manager
    request._concord_selected_partner = cast.wcc  # type: ignore[attr-defined]
    with system_scope("test: the filter's choices"):
        filterset = RoomFilterSet({"partner": cast.rbkc.pk}, request=request)
        assert filterset.is_valid(), filterset.errors
    said = councils_shown(request, filterset.form, rows_shown=True)
    assert said == {
        "text": "Showing City of Westminster only (chosen at the top of the page). The council "
        "filter asks for Royal Borough of Kensington and Chelsea too: only records City of "
        "Westminster shares with it are shown.",
        "conflict": True,
    }
