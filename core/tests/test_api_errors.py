"""Errors are JSON in one shape, and nothing a client sends produces a 500."""

from __future__ import annotations

import datetime
import io
import json
import string
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import parsers

from core.api.parsers import MAX_JSON_DEPTH, TOO_DEEP, json_depth_exceeds
from core.api.parsers import JSONParser as DepthLimitedJSONParser
from core.api.testing import api_client
from core.services import set_owner_shares
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from core.testing.sample.factories import make_rooms
from core.testing.sample.models import Pact, Room, RoomType

pytestmark = pytest.mark.django_db

LIST = "/api/v1/rooms/"


def assert_error_shape(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    assert body["errors"]
    for error in body["errors"]:
        assert set(error) >= {"field", "code", "message"}
        assert isinstance(error["message"], str) and error["message"]
    return body


def test_405_for_a_method_the_resource_does_not_have(cast):
    client = api_client(cast.manager)
    assert_error_shape(client.put(LIST, {}), 405)
    assert_error_shape(client.delete(LIST), 405)
    assert_error_shape(client.post("/api/v1/changes/", {}), 405)
    assert_error_shape(client.get("/api/v1/rooms/import/"), 405)


def test_415_for_an_unsupported_media_type(cast):
    response = api_client(cast.manager).generic(
        "POST", LIST, "name,code\nx,y", content_type="text/csv"
    )
    body = assert_error_shape(response, 415)
    assert body["errors"][0]["code"] == "unsupported_media_type"


def test_malformed_json_is_400(cast):
    response = api_client(cast.manager).generic(
        "POST", LIST, '{"name": "x",', content_type="application/json"
    )
    body = assert_error_shape(response, 400)
    assert body["errors"][0]["code"] == "parse_error"


def test_json_that_is_not_an_object_is_400(cast):
    for payload in ("[]", '"text"', "12", "null"):
        response = api_client(cast.manager).generic(
            "POST", LIST, payload, content_type="application/json"
        )
        assert_error_shape(response, 400)


def test_403_in_the_error_shape(cast):
    body = assert_error_shape(
        api_client(cast.wcc_staff).post(LIST, {"partner": "wcc", "code": "A", "name": "A"}), 403
    )
    assert body["errors"][0]["field"] is None


def test_401_and_404_and_unknown_api_paths(cast):
    assert_error_shape(api_client().get(LIST), 401)
    assert_error_shape(api_client(cast.manager).get("/api/v1/nothing-here/"), 404)
    assert_error_shape(api_client(cast.manager).get("/api/v1/rooms/1/2/"), 404)


def test_409_when_other_records_still_refer_to_a_partner(cast):
    make_rooms(cast, per_partner=1)
    response = api_client(cast.manager).delete(reverse("api:partner-detail", args=[cast.wcc.pk]))
    body = assert_error_shape(response, 409)
    assert body["errors"][0]["code"] == "conflict"


def test_nested_errors_name_the_item(cast):
    response = api_client(cast.manager).post(
        "/api/v1/pacts/",
        {
            "reference": "X",
            "title": "X",
            "starts_on": "2020-01-01",
            "owner_shares": [{"partner": "wcc", "percentage": "50"}, {"partner": "nope"}],
        },
    )
    body = assert_error_shape(response, 400)
    fields = {e["field"] for e in body["errors"]}
    assert "owner_shares[1].partner" in fields
    assert "owner_shares[1].percentage" in fields


# Deeply nested bodies: a 400 naming the problem, never a 500 ---------------------------------


def nested(depth, inner="1"):
    return "[" * depth + inner + "]" * depth


@pytest.fixture
def fresh_throttles():
    # The token endpoint's throttle counts live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


def write_requests(cast):
    """Every JSON write the API takes, as (method, url): lists and records of each resource."""
    requests = [("POST", "/api/v1/auth/token/")]
    for url, pk in some_records(cast).items():
        requests.append(("POST", url))
        if pk is not None:
            requests += [("PUT", f"{url}{pk}/"), ("PATCH", f"{url}{pk}/")]
    return requests


@pytest.mark.parametrize(
    "body",
    [
        nested(2000, ""),
        nested(100_000, ""),
        '{"name": ' + nested(2000) + "}",
        '{"owner_shares": [{"partner": "wcc", "percentage": ' + nested(2000) + "}]}",
        '{"a": ' * 3000 + "1" + "}" * 3000,
    ],
    ids=["brackets", "very-deep", "in-a-field", "in-a-share", "objects"],
)
def test_deeply_nested_json_is_a_400_parse_error(cast, body, fresh_throttles):
    client = api_client(cast.manager)
    anonymous = api_client()
    for method, url in write_requests(cast):
        sender = anonymous if url.endswith("/token/") else client
        response = sender.generic(method, url, body, content_type="application/json")
        error = assert_error_shape(response, 400)["errors"][0]
        assert error == {"field": None, "code": "parse_error", "message": TOO_DEEP}, (method, url)
    with system_scope("test check"):
        assert not Pact.objects.exclude(reference="D-1").exists()
        assert Room.objects.get(pk=some_room(cast).pk).version == 1


def test_json_as_deep_as_the_limit_is_read_one_deeper_is_not(cast):
    client = api_client(cast.manager)

    def post(depth):
        # The object itself is one level; the rest is a list nested inside "name".
        body = '{"name": ' + nested(depth - 1, '"x"') + "}"
        return client.generic("POST", LIST, body, content_type="application/json")

    at_limit = assert_error_shape(post(MAX_JSON_DEPTH), 400)
    assert {e["field"] for e in at_limit["errors"]} >= {"name", "code", "partner"}
    too_deep = assert_error_shape(post(MAX_JSON_DEPTH + 1), 400)
    assert too_deep["errors"] == [{"field": None, "code": "parse_error", "message": TOO_DEEP}]


def test_json_depth_is_measured_without_recursion():
    assert not json_depth_exceeds(1, 0)
    assert not json_depth_exceeds({"a": [1, {"b": []}]}, 4)
    assert json_depth_exceeds({"a": [1, {"b": []}]}, 3)
    assert not json_depth_exceeds([[[]]], 3)
    assert json_depth_exceeds([[[]]], 2)
    deep: list = []
    for _ in range(50_000):  # far past the interpreter's recursion limit
        deep = [deep]
    assert json_depth_exceeds(deep, MAX_JSON_DEPTH)


def test_deeply_nested_form_and_multipart_names_are_no_500(cast, fresh_throttles):
    """Form bodies are flat: names written as deep nesting are only names, read or ignored."""
    client = api_client(cast.manager)
    name = "owner_shares[0]" + "[0]" * 3000 + "partner"
    fields = {name: "wcc", "owner_shares" + "[0]" * 3000: "100", "title": nested(3000)}
    for method, url in write_requests(cast):
        for body, content_type in (
            (urlencode(fields), "application/x-www-form-urlencoded"),
            (encode_multipart(BOUNDARY, fields).decode(), MULTIPART_CONTENT),
        ):
            response = client.generic(method, url, body, content_type=content_type)
            assert response.status_code in (200, 400, 415), (method, url, response.content[:300])
            if response.status_code != 200:
                assert_error_shape(response, response.status_code)
    with system_scope("test check"):
        pact = Pact.objects.get(reference="D-1")
        assert pact.title == "Deep"
        assert [(s.partner, s.percentage) for s in pact.owner_shares()] == [
            (cast.wcc, Decimal("60")),
            (cast.rbkc, Decimal("40")),
        ]


def test_every_api_view_reads_json_through_the_depth_limited_parser():
    """A view naming DRF's own JSON parser would bring the 500 back."""
    seen = 0
    for callback in api_views(get_resolver().url_patterns):
        view = getattr(callback, "cls", None)
        if view is None or not hasattr(view, "parser_classes"):
            continue
        initkwargs = getattr(callback, "initkwargs", {})
        for parser in initkwargs.get("parser_classes", view.parser_classes):
            seen += 1
            if issubclass(parser, parsers.JSONParser):
                assert issubclass(parser, DepthLimitedJSONParser), (view, parser)
            else:
                assert parser in (parsers.FormParser, parsers.MultiPartParser), (view, parser)
    assert seen > 10


def api_views(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from api_views(pattern.url_patterns, route)
        elif route.startswith("api/"):
            yield pattern.callback


# Odd input, thrown at every endpoint: never a 5xx ------------------------------------------

ENDPOINTS = [
    "/api/v1/rooms/",
    "/api/v1/partners/",
    "/api/v1/room-types/",
    "/api/v1/pacts/",
    "/api/v1/memberships/",
    "/api/v1/changes/",
]

QUERY_KEYS = [
    "cursor",
    "page_size",
    "ordering",
    "q",
    "partner",
    "room_type",
    "is_active",
    "nation",
    "former",
    "role",
    "content_type",
    "object_id",
    "action",
    "since",
    "until",
]

odd_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "-",
            "0",
            "-1",
            "1e309",
            "99999999999999999999999",
            "NaN",
            "null",
            "true",
            "name,-name",
            "sample.room",
            "2026-13-45",
            "2026-01-01T25:00",
            "eyJ2IjpbXSwiZCI6Im4ifQ",
            "\x00",
            "%00",
            "' OR 1=1 --",
            "wcc",
        ]
    ),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(string.ascii_lowercase + "_", max_size=12), children, max_size=4)
    ),
    max_leaves=8,
)

FIELD_NAMES = [
    "partner",
    "code",
    "name",
    "room_type",
    "postcode",
    "uprn",
    "is_active",
    "reference",
    "title",
    "starts_on",
    "ends_on",
    "owner_shares",
    "user",
    "role",
    "gss_code",
    "nation",
    "joined_on",
    "left_on",
    "description",
]

# Owner shares close to real ones (the keys right, the values odd or missing).
odd_shares = st.lists(
    st.dictionaries(
        st.sampled_from(["partner", "percentage"]),
        st.sampled_from(["wcc", "rbkc", "lbhf", "nope", "100", "60", "40", "0", "-5"])
        | json_values,
    ),
    max_size=3,
)

payloads = st.one_of(
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=8),
    st.fixed_dictionaries({"owner_shares": odd_shares}),
    json_values,
)


def some_room(cast):
    """A wcc room, made once per test (hypothesis runs many examples in one test's data)."""
    if not hasattr(cast, "fuzz_room"):
        cast.fuzz_room = make_rooms(cast, per_partner=1)["wcc"][0]
    return cast.fuzz_room


def some_records(cast):
    """A record of each writable resource, by list URL (made once per test, like some_room)."""
    if not hasattr(cast, "fuzz_records"):
        room = some_room(cast)
        with system_scope("test data"):
            pact = Pact.objects.create(
                reference="D-1", title="Deep", starts_on=datetime.date(2020, 1, 1)
            )
            set_owner_shares(pact, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("40")})
            room_type = RoomType.objects.create(name="Depot")
            membership = Membership.objects.filter(partner=cast.wcc).first()
        cast.fuzz_records = {
            "/api/v1/rooms/": room.pk,
            "/api/v1/partners/": cast.wcc.pk,
            "/api/v1/room-types/": room_type.pk,
            "/api/v1/pacts/": pact.pk,
            "/api/v1/memberships/": membership.pk,
        }
    return cast.fuzz_records


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    params=st.dictionaries(st.sampled_from(QUERY_KEYS), odd_text, max_size=4),
)
def test_odd_query_strings_never_500(cast, endpoint, params):
    for user in (cast.manager, cast.wcc_lead):
        response = api_client(user).get(endpoint, params)
        assert response.status_code < 500, (endpoint, params, response.content[:300])
        assert response.status_code in (200, 400), (endpoint, params, response.json())
        if response.status_code == 400:
            assert_error_shape(response, 400)


@FUZZ
@given(
    endpoint=st.sampled_from(ENDPOINTS[:5]),
    method=st.sampled_from(["post", "put", "patch"]),
    payload=payloads,
)
def test_odd_payloads_never_500(cast, endpoint, method, payload):
    client = api_client(cast.manager)
    url = endpoint if method == "post" else f"{endpoint}{some_records(cast)[endpoint]}/"
    response = client.generic(
        method.upper(), url, json.dumps(payload), content_type="application/json"
    )
    assert response.status_code < 500, (url, payload, response.content[:300])


@FUZZ
@given(
    path=st.text(string.ascii_letters + string.digits + "-_./%~", max_size=30),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]),
)
def test_odd_paths_and_methods_never_500(cast, path, method):
    response = api_client(cast.wcc_lead).generic(method, f"/api/v1/{path}")
    assert response.status_code < 500, (method, path)


@FUZZ
@given(header=st.text(max_size=40), which=st.sampled_from(["If-Match", "If-None-Match"]))
def test_odd_conditional_headers_never_500(cast, header, which):
    if any(ord(ch) < 32 or ord(ch) > 126 for ch in header):
        # A NUL is refused before the API sees the request (core/tests/test_bad_requests.py).
        header = header.encode("ascii", "ignore").decode().replace("\n", "").replace("\x00", "")
    room = some_room(cast)
    client = api_client(cast.wcc_lead)
    key = "HTTP_" + which.upper().replace("-", "_")
    url = reverse("api:room-detail", args=[room.pk])
    assert client.get(url, **{key: header}).status_code in (200, 304)
    assert client.patch(url, {"name": room.name}, **{key: header}).status_code in (200, 412)


def test_options_and_head_answer_without_error(cast):
    room = make_rooms(cast, per_partner=1)["wcc"][0]
    url = reverse("api:room-detail", args=[room.pk])
    for user in (cast.wcc_lead, cast.wcc_staff, cast.rbkc_lead):
        client = api_client(user)
        assert client.options(LIST).status_code == 200
        assert client.options(url).status_code in (200, 404)
        head = client.head(url)
        assert head.status_code in (200, 404)
        assert head.content == b""
    assert api_client(cast.rbkc_lead).options(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [({}, "file", "required"), ({"file": "not a file"}, "file", "invalid")],
)
def test_a_request_that_is_not_an_import_is_answered_as_an_import_result(cast, data, field, code):
    response = api_client(cast.manager).post("/api/v1/rooms/import/", data, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body == {
        "status": 400,
        "dry_run": True,
        "total_rows": 0,
        "created": 0,
        "updated": 0,
        "errors": [
            {"field": field, "row": 0, "code": code, "message": body["errors"][0]["message"]}
        ],
        "more_errors": 0,
        "encoding": None,
        "source_format": None,
    }
    assert body["errors"][0]["message"]


def test_a_bad_dry_run_is_named_and_nothing_is_imported(cast):
    upload = io.BytesIO(b"partner,code,name\nwcc,A1,Room A1\n")
    upload.name = "rooms.csv"
    response = api_client(cast.manager).post(
        "/api/v1/rooms/import/", {"file": upload, "dry_run": "perhaps"}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["dry_run"] is True and body["total_rows"] == 0
    assert [(e["field"], e["row"], e["code"]) for e in body["errors"]] == [
        ("dry_run", 0, "invalid")
    ]
    with system_scope("test checks"):
        assert not Room.objects.unscoped("test checks").filter(code="A1").exists()
