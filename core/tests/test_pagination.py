"""Keyset cursors (core.pagination), as the list pages and the API both read them."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import ChangeRecord
from core.pagination import InvalidCursor, _encode, keyset_page, normalise_ordering
from core.tenancy.models import Membership, Partner
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Pact, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(cast):
    with system_scope("test data"):
        return [
            Room.objects.create(partner=cast.wcc, code=f"S{i}", name=f"Room {i}") for i in range(5)
        ]


def raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_cursor_names_the_ordering_it_was_made_for(cast, rooms):
    qs = Room.objects.visible_to(cast.manager)
    page = keyset_page(qs, ["name"], None, 2)
    assert page.next_cursor is not None
    payload = json.loads(base64.urlsafe_b64decode(page.next_cursor + "=="))
    assert payload == {"o": "name,id", "v": ["Room 1", rooms[1].pk], "d": "n"}
    assert [s.name for s in keyset_page(qs, ["name"], page.next_cursor, 2).rows] == [
        "Room 2",
        "Room 3",
    ]
    for other in (["-name"], ["code"], ["name", "-id"], ["name", "code"]):
        with pytest.raises(InvalidCursor, match="another ordering"):
            keyset_page(qs, other, page.next_cursor, 2)


def test_cursors_of_the_earlier_format_are_invalid(cast, rooms):
    qs = Room.objects.visible_to(cast.manager)
    for text in ('{"v":["Room 1",2],"d":"n"}', '{"v":["a",Infinity],"d":"n"}'):
        with pytest.raises(InvalidCursor):
            keyset_page(qs, ["name"], raw_cursor(text), 2)


@pytest.mark.parametrize(
    "values",
    [
        '["a",Infinity]',
        '["a",1e400]',
        '["a",99999999999999999999999999]',
        '["a\\u0000",1]',
        '["\\ud800",1]',
        '["a","1"]',
        '["a",1.0]',
        '["a",false]',
        "[null,1]",
        "[{},1]",
        '["a",[1]]',
    ],
)
def test_a_value_no_row_can_have_is_refused_as_the_cursor_is_read(
    cast, rooms, values, django_assert_num_queries
):
    """Refused before any query, so that no page has to catch database errors."""
    qs = Room.objects.visible_to(cast.manager)
    cursor = raw_cursor('{"o":"name,id","v":' + values + ',"d":"n"}')
    with django_assert_num_queries(0), pytest.raises(InvalidCursor):
        keyset_page(qs, ["name"], cursor, 2)


def test_a_list_page_starts_again_when_its_link_is_used_with_another_sort(
    cast, rooms, client_for, settings
):
    settings.CONCORD_PAGE_SIZE = 2
    client = client_for(cast.wcc_lead)
    first = client.get("/rooms/", {"sort": "name"}).content.decode()
    assert "expired" not in first
    cursor = first.split("cursor=")[1].split("&")[0].split('"')[0]
    same = client.get("/rooms/", {"sort": "name", "cursor": cursor}).content.decode()
    assert "expired" not in same and "Room 2" in same and "Room 0" not in same
    other = client.get("/rooms/", {"sort": "-code", "cursor": cursor})
    assert other.status_code == 200
    text = other.content.decode()
    assert "That page link had expired, so the list starts again from the first page" in text
    assert "Room 4" in text and "Room 3" in text and "Room 2" not in text


# Any JSON in a cursor, for lists of every kind of sort key ---------------------------------

LISTS = [
    (Room, ["name"]),
    (Room, ["-created_at"]),
    (Partner, ["joined_on"]),
    (Pact, ["-starts_on"]),
    (Membership, ["partner__name", "user__username", "role"]),
    (ChangeRecord, ["-at", "-id"]),
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.dates().map(str)
    | st.datetimes().map(str)
    | st.datetimes(timezones=st.timezones()).map(str),
    lambda children: (
        st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=2), children)
    ),
    max_leaves=4,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(which=st.sampled_from(LISTS), data=st.data())
def test_any_cursor_is_read_or_refused_never_an_error(cast, which, data):
    model, ordering = which
    key = normalise_ordering(model, ordering)
    values = data.draw(st.lists(json_values, min_size=len(key), max_size=len(key)))
    cursor = _encode(values, data.draw(st.sampled_from(["n", "p"])), key)
    qs = model.objects.visible_to(cast.manager)
    try:
        page = keyset_page(qs, ordering, cursor, 3)
    except InvalidCursor:
        return
    assert len(page.rows) <= 3
