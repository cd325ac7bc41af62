"""Cursor pagination of API lists: walking pages both ways, sizes, sorting, bad input."""

from __future__ import annotations

import base64
import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.api.testing import api_client
from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Pact, Room, RoomType

pytestmark = pytest.mark.django_db

LIST = "/api/v1/rooms/"


@pytest.fixture
def many_rooms(cast):
    with system_scope("test data"):
        return [
            Room.objects.create(
                partner=cast.wcc,
                code=f"S{i:02d}",
                # Repeated names: the keyset must break ties by id.
                name=f"Room {i // 3:02d}",
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


def test_pages_cover_every_row_once_in_order(cast, many_rooms):
    pages = walk(api_client(cast.wcc_lead), LIST, {"page_size": 5})
    assert [len(p["results"]) for p in pages] == [5, 5, 5, 5, 3]
    rows = [r for p in pages for r in p["results"]]
    assert len({r["id"] for r in rows}) == 23
    keys = [(r["name"], r["id"]) for r in rows]
    assert keys == sorted(keys)
    assert pages[0]["previous"] is None
    assert pages[-1]["next"] is None


def test_previous_link_goes_back(cast, many_rooms):
    client = api_client(cast.wcc_lead)
    first = client.get(LIST, {"page_size": 5}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert back["results"] == first["results"]
    assert back["previous"] is None or client.get(back["previous"]).json()["results"] == []


def test_links_keep_filters_sort_and_size(cast, many_rooms):
    client = api_client(cast.wcc_lead)
    body = client.get(LIST, {"page_size": "2", "ordering": "-code", "q": "Room"}).json()
    assert "page_size=2" in body["next"]
    assert "ordering=-code" in body["next"]
    assert "q=Room" in body["next"]
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
def test_ordering_by_allowed_fields(cast, many_rooms, ordering, key):
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
    ["address", "partner__name", "-", "name,name", "name,-name", "room_type", "id;DROP"],
)
def test_ordering_outside_the_allowed_fields_is_400(cast, many_rooms, ordering):
    response = api_client(cast.wcc_lead).get(LIST, {"ordering": ordering})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "ordering"


@pytest.mark.parametrize("size", ["0", "-1", "501", "abc", "1.5", "99999999999999999999"])
def test_bad_page_size_is_400(cast, many_rooms, size):
    response = api_client(cast.wcc_lead).get(LIST, {"page_size": size})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"


def test_page_size_up_to_the_maximum(cast, many_rooms, settings):
    settings.CONCORD_MAX_PAGE_SIZE = 10
    client = api_client(cast.wcc_lead)
    assert len(client.get(LIST, {"page_size": 10}).json()["results"]) == 10
    assert client.get(LIST, {"page_size": 11}).status_code == 400


def test_default_page_size(cast, many_rooms, settings):
    settings.CONCORD_PAGE_SIZE = 7
    assert len(api_client(cast.wcc_lead).get(LIST).json()["results"]) == 7


def _cursor(payload):
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_for(values, direction="n", ordering="name,id"):
    """A cursor as the server writes them, for the rooms' default order (name, id)."""
    return _cursor({"o": ordering, "v": values, "d": direction})


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!!",
        "ÿ",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        # The audit's cursor, {"v": ["a", Infinity], "d": "n"}, then the same in today's format.
        "eyJ2IjpbImEiLEluZmluaXR5XSwiZCI6Im4ifQ",
        _cursor('{"o":"name,id","v":["a",Infinity],"d":"n"}'),
        _cursor('{"o":"name,id","v":["a",-Infinity],"d":"n"}'),
        _cursor('{"o":"name,id","v":["a",NaN],"d":"n"}'),
        _cursor('{"o":"name,id","v":["a",1e400],"d":"n"}'),
        _cursor("[" * 5000 + "]" * 5000),
        _cursor({"v": ["a", 1], "d": "n"}),  # the format before cursors named their ordering
        _cursor({"o": "name,id", "v": ["a", 1], "d": "n", "x": 1}),
        cursor_for(["a"]),  # wrong length for (name, id)
        cursor_for(["a", 1, 2]),
        cursor_for(["a", "x"]),  # id is not a number
        cursor_for(["a", "5"]),  # nor a number written as text
        cursor_for(["a", 5.0]),
        cursor_for(["a", True]),
        cursor_for(["a", 10**30]),  # no 64-bit id is that big
        cursor_for(["a", -(10**30)]),
        cursor_for(["a", 2**63]),
        cursor_for([None, 1]),
        cursor_for([["a"], 1]),
        cursor_for([{"a": 1}, 1]),
        cursor_for([5, 1]),  # a name is text
        cursor_for(["a\u0000b", 1]),  # no database text holds a NUL
        _cursor('{"o":"name,id","v":["\\ud800",1],"d":"n"}'),  # nor half a character
        cursor_for(["a", 1], direction="sideways"),
        cursor_for("a"),
        _cursor(["a", 1]),
        _cursor("null"),
    ],
)
def test_bad_cursor_is_400(cast, many_rooms, cursor):
    response = api_client(cast.wcc_lead).get(LIST, {"cursor": cursor})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "cursor"
    assert error["code"] == "invalid"


@pytest.mark.parametrize(
    "ordering,values",
    [
        ("created_at,id", ["2026-01-05 09:00:00", 1]),  # a time with no zone
        ("created_at,id", ["0001-01-01 00:00:00+05:00", 1]),  # before year 1 in UTC
        ("created_at,id", ["9999-12-31 23:00:00-05:00", 1]),  # after year 9999 in UTC
        ("created_at,id", ["2026-01-05T09:00:00Z", 1]),  # not as the server writes times
        ("created_at,id", ["yesterday", 1]),
    ],
)
def test_bad_times_in_a_cursor_are_400(cast, many_rooms, ordering, values):
    cursor = cursor_for(values, ordering=ordering)
    response = api_client(cast.wcc_lead).get(LIST, {"cursor": cursor, "ordering": "created_at"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_cursor_from_another_sort_order_is_400(cast, many_rooms):
    client = api_client(cast.wcc_lead)
    nxt = client.get(LIST, {"page_size": "2", "ordering": "postcode,-code"}).json()["next"]
    cursor = nxt.split("cursor=")[1].split("&")[0]
    response = client.get(LIST, {"cursor": cursor})  # default sort: (name, id)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_a_next_link_reused_with_another_ordering_is_400(cast, many_rooms):
    """The audit's case: the same number of sort fields, so the key alone looked usable."""
    client = api_client(cast.wcc_lead)
    nxt = client.get(LIST, {"page_size": 1}).json()["next"]
    response = client.get(nxt + "&ordering=-code")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "cursor",
            "code": "invalid",
            "message": "This cursor belongs to another ordering of the list: follow the next "
            "and previous links as they are given, or start again without a cursor.",
        }
    ]
    assert client.get(nxt).status_code == 200
    # Descending and ascending by the same field are different orderings too.
    by_code = client.get(LIST, {"page_size": "1", "ordering": "code"}).json()["next"]
    assert client.get(by_code).status_code == 200
    assert client.get(by_code.replace("ordering=code", "ordering=-code")).status_code == 400


def test_a_forged_cursor_cannot_reach_another_council(cast, many_rooms):
    with system_scope("test data"):
        Room.objects.create(partner=cast.rbkc, code="R1", name="AAA Theirs")
    client = api_client(cast.wcc_lead)
    for cursor in (cursor_for(["", 0]), cursor_for(["zzz", 10**6], direction="p")):
        response = client.get(LIST, {"cursor": cursor, "page_size": 100})
        assert response.status_code == 200
        rows = response.json()["results"]
        assert rows and all(r["partner"] == "wcc" for r in rows)


def test_the_benchmarks_deep_cursor_is_read_by_the_api_and_the_page(cast, many_rooms, client_for):
    """benches/bench_lists.py builds a cursor deep in the list with core.pagination._encode."""
    from core.pagination import _encode

    deep = many_rooms[20]
    cursor = _encode([deep.name, deep.pk], "n", ["name", "id"])
    rows = api_client(cast.wcc_lead).get(LIST, {"cursor": cursor}).json()["results"]
    expected = sorted(
        (s for s in many_rooms if (s.name, s.pk) > (deep.name, deep.pk)),
        key=lambda s: (s.name, s.pk),
    )
    assert [r["id"] for r in rows] == [s.pk for s in expected]
    page = client_for(cast.wcc_lead).get("/rooms/", {"cursor": cursor}).content.decode()
    assert "expired" not in page
    assert expected[0].name in page


# Any cursor at all: a page or a 400 naming the cursor, never anything else ------------------

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values at the edges of what a database column can hold, or past them.
edge_values = st.sampled_from(
    [
        float("inf"),
        float("-inf"),
        float("nan"),
        1e308,
        2**63 - 1,
        2**63,
        -(2**63),
        -(2**63) - 1,
        10**30,
        "",
        "a\x00",
        "\ud800",
        "2026-01-05 09:00:00",
        "2026-01-05 09:00:00+00:00",
        "0001-01-01 00:00:00+05:00",
        "9999-12-31 23:59:59-05:00",
        True,
        1.5,
    ]
)

cursor_values = edge_values | st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.datetimes().map(str)
    | st.datetimes(timezones=st.timezones()).map(str),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=2)
    ),
    max_leaves=6,
)


@FUZZ
@given(cursor=st.text(max_size=80))
def test_any_cursor_text_is_a_page_or_a_400(cast, cursor):
    response = api_client(cast.wcc_lead).get(LIST, {"cursor": cursor})
    assert response.status_code in (200, 400), (cursor, response.content[:300])
    if response.status_code == 400:
        # A NUL anywhere is refused before the API reads the cursor (core.middleware).
        field = None if "\x00" in cursor else "cursor"
        assert response.json()["errors"][0]["field"] == field


SORTS = ["name", "-code", "postcode,-code", "created_at", "-updated_at"]


@FUZZ
@given(ordering=st.sampled_from(SORTS), data=st.data())
def test_any_sort_key_in_a_cursor_is_a_page_or_a_400(cast, ordering, data):
    terms = ordering.split(",")
    key = [*terms, "-id" if terms[-1].startswith("-") else "id"]
    # Mostly keys of the right length, whose values are each odd in their own way.
    size = data.draw(st.sampled_from([len(key)] * 4 + [len(key) - 1, len(key) + 1]))
    values = data.draw(st.lists(cursor_values, min_size=size, max_size=size))
    direction = data.draw(st.sampled_from(["n", "p", "n", "p", "x"]))
    payload = json.dumps({"o": ",".join(key), "v": values, "d": direction})
    response = api_client(cast.wcc_lead).get(
        LIST, {"cursor": _cursor(payload), "ordering": ordering}
    )
    assert response.status_code in (200, 400), (payload, response.content[:300])
    if response.status_code == 400:
        assert response.json()["errors"][0]["field"] == "cursor"


# Every cursor the server writes, it reads back -------------------------------------------

WALKS: dict[str, list[str | None]] = {
    "/api/v1/rooms/": [None, "code", "-created_at", "updated_at", "postcode,-code"],
    "/api/v1/partners/": [None, "-joined_on", "code"],
    "/api/v1/pacts/": [None, "-starts_on", "reference"],
    "/api/v1/memberships/": [None, "-role"],
    "/api/v1/room-types/": [None],
    "/api/v1/changes/": [None, "at"],
}


def test_every_list_walks_both_ways_in_every_ordering(cast, many_rooms):
    """Times, dates, texts, ids and a related record's name all survive a trip in a cursor."""
    with system_scope("test data"):
        for i in range(5):
            pact = Pact.objects.create(
                reference=f"A{i}", title=f"Accord {i % 2}", starts_on=datetime.date(2020, 1, 1 + i)
            )
            set_owner_shares(pact, {cast.wcc: Decimal("100")})
            RoomType.objects.create(name=f"Type {i}")
    client = api_client(cast.manager)
    for url, orderings in WALKS.items():
        for ordering in orderings:
            params = {"page_size": "2", **({"ordering": ordering} if ordering else {})}
            everything = client.get(url, {**params, "page_size": "500"}).json()["results"]
            pages = walk(client, url, params)
            forwards = [r["id"] for p in pages for r in p["results"]]
            assert forwards == [r["id"] for r in everything], (url, ordering)
            backwards: list[int] = []
            body = pages[-1]
            while True:
                backwards = [r["id"] for r in body["results"]] + backwards
                if not body["previous"]:
                    break
                response = client.get(body["previous"])
                assert response.status_code == 200, (url, ordering, response.json())
                body = response.json()
            assert backwards == forwards, (url, ordering)


def test_no_count_query(cast, many_rooms):
    client = api_client(cast.wcc_lead)
    with CaptureQueriesContext(connection) as captured:
        body = client.get(LIST, {"page_size": 5}).json()
        client.get(body["next"])
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
