"""Cursor pagination of API lists: walking pages both ways, sizes, sorting, bad input."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.testing import api_client
from core.scoping import system_scope
from partners.models import Site

pytestmark = pytest.mark.django_db

LIST = "/api/v1/sites/"


@pytest.fixture
def many_sites(cast):
    with system_scope("test data"):
        return [
            Site.objects.create(
                partner=cast.wcc,
                code=f"S{i:02d}",
                # Repeated names: the keyset must break ties by id.
                name=f"Site {i // 3:02d}",
                postcode=f"W{i % 4} 1AA",
            )
            for i in range(23)
        ]


def walk(client, url, params=None):
    pages = []
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        pages.append(body)
        if not body["next"]:
            return pages
        response = client.get(body["next"])


def test_pages_cover_every_row_once_in_order(cast, many_sites):
    pages = walk(api_client(cast.wcc_lead), LIST, {"page_size": 5})
    assert [len(p["results"]) for p in pages] == [5, 5, 5, 5, 3]
    rows = [r for p in pages for r in p["results"]]
    assert len({r["id"] for r in rows}) == 23
    keys = [(r["name"], r["id"]) for r in rows]
    assert keys == sorted(keys)
    assert pages[0]["previous"] is None
    assert pages[-1]["next"] is None


def test_previous_link_goes_back(cast, many_sites):
    client = api_client(cast.wcc_lead)
    first = client.get(LIST, {"page_size": 5}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert back["results"] == first["results"]
    assert back["previous"] is None or client.get(back["previous"]).json()["results"] == []


def test_links_keep_filters_sort_and_size(cast, many_sites):
    client = api_client(cast.wcc_lead)
    body = client.get(LIST, {"page_size": "2", "ordering": "-code", "q": "Site"}).json()
    assert "page_size=2" in body["next"]
    assert "ordering=-code" in body["next"]
    assert "q=Site" in body["next"]
    nxt = client.get(body["next"]).json()
    codes = [r["code"] for r in body["results"] + nxt["results"]]
    assert codes == ["S22", "S21", "S20", "S19"]


@pytest.mark.parametrize(
    "ordering,key",
    [
        ("code", lambda r: r["code"]),
        ("-name", None),
        ("postcode,-code", None),
    ],
)
def test_ordering_by_allowed_fields(cast, many_sites, ordering, key):
    pages = walk(api_client(cast.wcc_lead), LIST, {"page_size": 4, "ordering": ordering})
    rows = [r for p in pages for r in p["results"]]
    assert len(rows) == 23
    if ordering == "code":
        assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    elif ordering == "-name":
        pairs = [(r["name"], r["id"]) for r in rows]
        assert pairs == sorted(pairs, reverse=True)
    else:
        pairs = [(r["postcode"], r["code"]) for r in rows]
        expected = sorted(pairs, key=lambda p: p[1], reverse=True)
        expected = sorted(expected, key=lambda p: p[0])
        assert pairs == expected


@pytest.mark.parametrize(
    "ordering",
    ["address", "partner__name", "-", "name,name", "name,-name", "site_type", "id;DROP"],
)
def test_ordering_outside_the_allowed_fields_is_400(cast, many_sites, ordering):
    response = api_client(cast.wcc_lead).get(LIST, {"ordering": ordering})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "ordering"


@pytest.mark.parametrize("size", ["0", "-1", "501", "abc", "1.5", "99999999999999999999"])
def test_bad_page_size_is_400(cast, many_sites, size):
    response = api_client(cast.wcc_lead).get(LIST, {"page_size": size})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"


def test_page_size_up_to_the_maximum(cast, many_sites, settings):
    settings.CONCORD_MAX_PAGE_SIZE = 10
    client = api_client(cast.wcc_lead)
    assert len(client.get(LIST, {"page_size": 10}).json()["results"]) == 10
    assert client.get(LIST, {"page_size": 11}).status_code == 400


def test_default_page_size(cast, many_sites, settings):
    settings.CONCORD_PAGE_SIZE = 7
    assert len(api_client(cast.wcc_lead).get(LIST).json()["results"]) == 7


def _cursor(payload):
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!!",
        _cursor({"v": ["a"], "d": "n"}),  # wrong length for (name, id)
        _cursor({"v": ["a", "x"], "d": "n"}),  # id is not a number
        _cursor({"v": ["a", 1], "d": "sideways"}),
        _cursor(["a", 1]),
        _cursor({"v": "a", "d": "n"}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_bad_cursor_is_400(cast, many_sites, cursor):
    response = api_client(cast.wcc_lead).get(LIST, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_cursor_from_another_sort_order_is_400(cast, many_sites):
    client = api_client(cast.wcc_lead)
    nxt = client.get(LIST, {"page_size": "2", "ordering": "postcode,-code"}).json()["next"]
    cursor = nxt.split("cursor=")[1].split("&")[0]
    response = client.get(LIST, {"cursor": cursor})  # default sort: (name, id)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_a_forged_cursor_cannot_reach_another_council(cast, many_sites):
    with system_scope("test data"):
        Site.objects.create(partner=cast.rbkc, code="R1", name="AAA Theirs")
    client = api_client(cast.wcc_lead)
    for cursor in (_cursor({"v": ["", 0], "d": "n"}), _cursor({"v": ["zzz", 10**6], "d": "p"})):
        rows = client.get(LIST, {"cursor": cursor, "page_size": 100}).json()["results"]
        assert all(r["partner"] == "wcc" for r in rows)


def test_no_count_query(cast, many_sites):
    client = api_client(cast.wcc_lead)
    with CaptureQueriesContext(connection) as captured:
        body = client.get(LIST, {"page_size": 5}).json()
        client.get(body["next"])
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
