"""Errors are JSON in one shape, and nothing a client sends produces a 500."""

from __future__ import annotations

import json
import string

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.api.testing import api_client, make_sites

pytestmark = pytest.mark.django_db

LIST = "/api/v1/sites/"


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
    assert_error_shape(client.get("/api/v1/sites/import/"), 405)


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
    assert_error_shape(api_client(cast.manager).get("/api/v1/sites/1/2/"), 404)


def test_409_when_other_records_still_refer_to_a_partner(cast):
    make_sites(cast, per_partner=1)
    response = api_client(cast.manager).delete(reverse("api:partner-detail", args=[cast.wcc.pk]))
    body = assert_error_shape(response, 409)
    assert body["errors"][0]["code"] == "conflict"


def test_nested_errors_name_the_item(cast):
    response = api_client(cast.manager).post(
        "/api/v1/agreements/",
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


# Odd input, thrown at every endpoint: never a 5xx ------------------------------------------

ENDPOINTS = [
    "/api/v1/sites/",
    "/api/v1/partners/",
    "/api/v1/site-types/",
    "/api/v1/agreements/",
    "/api/v1/memberships/",
    "/api/v1/changes/",
]

QUERY_KEYS = [
    "cursor",
    "page_size",
    "ordering",
    "q",
    "partner",
    "site_type",
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
            "partners.site",
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
    "site_type",
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

payloads = st.one_of(
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=8),
    json_values,
)


def some_site(cast):
    """A wcc site, made once per test (hypothesis runs many examples in one test's data)."""
    if not hasattr(cast, "fuzz_site"):
        cast.fuzz_site = make_sites(cast, per_partner=1)["wcc"][0]
    return cast.fuzz_site


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
    some_site(cast)
    client = api_client(cast.manager)
    url = endpoint if method == "post" else endpoint + "1/"
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
        header = header.encode("ascii", "ignore").decode().replace("\n", "")
    site = some_site(cast)
    client = api_client(cast.wcc_lead)
    key = "HTTP_" + which.upper().replace("-", "_")
    url = reverse("api:site-detail", args=[site.pk])
    assert client.get(url, **{key: header}).status_code in (200, 304)
    assert client.patch(url, {"name": site.name}, **{key: header}).status_code in (200, 412)


def test_options_and_head_answer_without_error(cast):
    site = make_sites(cast, per_partner=1)["wcc"][0]
    url = reverse("api:site-detail", args=[site.pk])
    for user in (cast.wcc_lead, cast.wcc_staff, cast.rbkc_lead):
        client = api_client(user)
        assert client.options(LIST).status_code == 200
        assert client.options(url).status_code in (200, 404)
        head = client.head(url)
        assert head.status_code in (200, 404)
        assert head.content == b""
    assert api_client(cast.rbkc_lead).options(url).status_code == 404
