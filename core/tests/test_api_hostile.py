"""No address or query a client can send under /api/ answers a 500, or anything but JSON.

Not a list of the values that once broke something: the test walks whatever the API has. The
endpoints come from the router (concord/api_urls.py, where every app's routes are registered)
and the URL patterns beside it; each list's filters come from its own filter set and its
pagination; so a new app's endpoints and filters are walked without anyone listing them here.
Each parameter an address reads (a list's filters and paging; an export's filters, order and
format) gets every hostile value (times at and past the ends of the calendar with offsets of
+14:00 and -14:00, huge and negative numbers, NUL, very long strings, repeated parameters), and
each address every hostile id, on every method the address takes, as a shared-service agent and
as a council lead. A list's filters are given each value together first, and those the 400
does not name are then given it alone (`sweep_filters`).

Every answer must be below 500 and JSON (``application/json`` or ``application/problem+json``),
but an export's file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.routers import SimpleRouter

from concord import api_urls
from core.api.exporting import FORMAT_PARAM, exportable
from core.api.pagination import KeysetPagination
from core.api.testing import api_client
from core.attachments import attach_file
from core.exporting import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from core.tenancy.scoping import system_scope
from core.testing.sample.factories import make_rooms

pytestmark = pytest.mark.django_db

API = "/api/v1/"
JSON_TYPES = ("application/json", "application/problem+json")
FILE_TYPES = (CSV_CONTENT_TYPE.split(";")[0], XLSX_CONTENT_TYPE)

#: Times and dates at and past both ends of the calendar, with the widest offsets there are.
HOSTILE_TIMES = [
    f"{day}{clock}{offset}"
    for day in ("0001-01-01", "9999-12-31")
    for clock in ("T00:00:00", "T23:59:59.999999")
    for offset in ("+14:00", "-14:00", "Z", "")
] + [
    "0001-01-01",
    "9999-12-31",
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "9999-12-31T23:59:59+23:59",
    "2026-01-01T00:00:00+99:00",
    "2026-02-30T00:00:00Z",
    "2026-13-01",
    "-2026-01-01",
]
#: Numbers no column holds, and text that only looks like one.
HOSTILE_NUMBERS = [
    "-1",
    "0",
    "-0",
    "1.5",
    "1e3",
    "1e999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "9" * 5000,
    "NaN",
    "-Infinity",
    "0x10",
    "\u0661\u0662",  # Arabic-Indic digits
    "\uff11",  # a full-width 1
]
#: Text that no field expects.
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 20_000,
    "é" * 5_000,
    "'; --",
    "%",
    "\\",
    "*",
    "__all__",
    "-",
    ",",
    "-id,id",
    "\u202e",
    "\ud7ff\ue000",
    "🙂",
    "true",
    "null",
    "[]",
    "{}",
    "a:b:c",
    "core.attachment:1",
    "sample.room:99999999999999999999",
]
HOSTILE_VALUES = HOSTILE_TIMES + HOSTILE_NUMBERS + HOSTILE_TEXT

#: Ids (and job tokens) no record has, in every shape a path may carry.
HOSTILE_IDS = [
    "abc",
    "-1",
    "0",
    "1.0",
    "1e3",
    "9" * 30,
    "9223372036854775808",
    "%00",
    "%C3%A9",
    "%EF%BC%91",  # a full-width 1
    "%2F",
    "..",
    "%20",
    "x" * 3000,
    "00000000-0000-0000-0000-000000000000",
]

ROLES = ("agent", "wcc_lead")


def routes() -> list[tuple[str, Any]]:
    """Every endpoint the router registered: (prefix, viewset)."""
    router: SimpleRouter = api_urls.router
    return [(prefix, viewset) for prefix, viewset, _basename in router.registry]


def filter_parameters(viewset: Any) -> dict[str, str]:
    """Every parameter a list's filter set takes, with its range suffixes: parameter -> the
    filter's name, which is what a 400 names."""
    names: dict[str, str] = {}
    filterset = getattr(viewset, "filterset_class", None)
    if filterset is not None:
        renamed = getattr(filterset, "parameter_names", {})
        for name, declared in filterset.base_filters.items():
            shown = renamed.get(name, name)
            names[shown] = shown
            widget = getattr(declared.field_class, "widget", None)
            for suffix in getattr(widget, "suffixes", ()):
                names[f"{shown}_{suffix}"] = shown
    return names


def query_parameters(viewset: Any) -> list[str]:
    """Every parameter a list takes: its filter set's filters, with their range suffixes, and
    its pagination's."""
    pagination = KeysetPagination
    return [
        *filter_parameters(viewset),
        pagination.cursor_query_param,
        pagination.page_size_query_param,
        pagination.ordering_query_param,
    ]


def other_addresses() -> Iterator[str]:
    """The API's addresses that are not the router's, as regexes (the token, import jobs)."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for entry in patterns:
            here = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, here)
            elif isinstance(entry, URLPattern):
                yield here

    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "api/":
            yield from walk(entry.url_patterns, "/api/")


def check(response: Any, where: str, failures: list[str], *, file_ok: bool = False) -> None:
    """A failure noted unless the answer is below 500 and JSON (or, for `file_ok`, a file)."""
    kind = response.get("Content-Type", "").split(";")[0].strip()
    if response.status_code >= 500:
        failures.append(f"{response.status_code} {where}")
    elif kind not in JSON_TYPES and not (file_ok and response.status_code == 200):
        failures.append(f"{response.status_code} {kind or 'no content type'} {where}")
    elif file_ok and response.status_code == 200 and kind not in FILE_TYPES:
        failures.append(f"200 {kind} (not CSV or XLSX) {where}")


@pytest.fixture
def data(cast: Any, media_folder: Any) -> Any:
    """The cast with a few records, so that a filter or id can find something."""
    rooms = make_rooms(cast, 2)
    with system_scope("test data"):
        for room in (rooms["wcc"][0], rooms["rbkc"][0]):
            upload = SimpleUploadedFile("Plan.txt", b"A plan", content_type="text/plain")
            attach_file(room, upload, cast.manager, title="Plan")
    return cast


def test_the_walk_finds_every_route_and_filter() -> None:
    """The walk is read off the router and the filter sets, not listed by hand."""
    prefixes = [prefix for prefix, _viewset in routes()]
    assert {"rooms", "room-types", "pacts", "partners", "memberships"} <= set(prefixes)
    assert {"changes", "attachments"} <= set(prefixes)
    parameters = dict(routes())
    assert {"since", "until", "object_id", "partner", "cursor"} <= set(
        query_parameters(parameters["changes"])
    )
    assert {"q", "partner", "room_type", "is_active"} <= set(query_parameters(parameters["rooms"]))
    assert any("import-jobs" in address for address in other_addresses())


def rejected(response: Any, sent: dict[str, str]) -> set[str] | None:
    """The parameters among `sent` (parameter -> filter name) that a 400 names, or None when
    it names something else (a field of no parameter sent, or none at all)."""
    try:
        fields = {error.get("field") for error in response.json()["errors"]}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    named = {parameter for parameter, name in sent.items() if name in fields}
    if not named or fields - set(sent.values()):
        return None
    return named


def sweep_filters(
    client: Any,
    address: str,
    filters: dict[str, str],
    value: str,
    failures: list[str],
    *,
    file_ok: bool,
) -> None:
    """Give every filter of `address` the hostile `value`.

    The filters are first sent together: a filter that refuses the value is named in the
    400 (each filter's field cleans the value whatever the others do), and is then left out
    and the rest sent again. Every filter that took the value is then sent alone, so that one
    filter's empty answer (Django skips a query it knows matches nothing) cannot hide
    another's statement. Any answer is checked, the filters' together too; one the sweep cannot
    read that way (a 500, or a 400 naming no filter that was sent) sends each remaining filter
    alone, which names the culprit.
    """
    pending = dict(filters)

    def alone(names: Any) -> None:
        for name in names:
            response = client.get(address, {name: value})
            check(response, f"GET {address}?{name}={value[:40]!r}", failures, file_ok=file_ok)

    while len(pending) > 1:
        response = client.get(address, dict.fromkeys(pending, value))
        check(
            response,
            f"GET {address} with {sorted(pending)} = {value[:40]!r}",
            failures,
            file_ok=file_ok,
        )
        if response.status_code != 400:
            break
        named = rejected(response, pending)
        if named is None:
            break
        pending = {name: shown for name, shown in pending.items() if name not in named}
    alone(pending)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("prefix", [prefix for prefix, _viewset in routes()])
def test_no_filter_value_breaks_a_list_or_its_export(data: Any, role: str, prefix: str) -> None:
    viewset = dict(routes())[prefix]
    client = api_client(getattr(data, role))
    failures: list[str] = []
    addresses = [(f"{API}{prefix}/", False)]
    if exportable(viewset):
        addresses.append((f"{API}{prefix}/export/", True))
    filters = filter_parameters(viewset)
    paging = [name for name in query_parameters(viewset) if name not in filters]
    for address, is_export in addresses:
        # An export reads the list's filters and order, and its format: it is never paged.
        others = [KeysetPagination.ordering_query_param, FORMAT_PARAM] if is_export else paging
        for value in HOSTILE_VALUES:
            sweep_filters(client, address, filters, value, failures, file_ok=is_export)
            for name in others:
                response = client.get(address, {name: value})
                check(response, f"GET {address}?{name}={value[:40]!r}", failures, file_ok=is_export)
        for name in [*filters, *others]:
            # The same parameter twice, and as PHP-style lists.
            for query in ({name: ["1", "2"]}, {f"{name}[]": "1"}, {name: HOSTILE_TIMES[:2]}):
                response = client.get(address, query)
                check(response, f"GET {address} {query!r}", failures, file_ok=is_export)
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("role", ROLES)
def test_no_id_in_an_address_breaks_an_endpoint(data: Any, role: str) -> None:
    client = api_client(getattr(data, role))
    failures: list[str] = []
    addresses = []
    for prefix, viewset in routes():
        addresses.append(f"{API}{prefix}/{{id}}/")
        for extra in viewset.get_extra_actions():
            if extra.detail:
                addresses.append(f"{API}{prefix}/{{id}}/{extra.url_path}/")
    # The addresses outside the router that take a value in the path (import jobs).
    for pattern in other_addresses():
        if "<" in pattern and "(?P" not in pattern:
            addresses.append(re.sub(r"<[^>]+>", "{id}", pattern))
    addresses += [f"{API}{{id}}/", f"{API}rooms/1/{{id}}/", "/api/{id}", f"{API}{{id}}"]
    for address in addresses:
        for value in HOSTILE_IDS:
            url = address.replace("{id}", value)
            for method in ("get", "put", "patch", "delete", "post", "options", "head"):
                response = getattr(client, method)(url)
                check(response, f"{method.upper()} {url[:120]}", failures)
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_address_is_a_json_404_even_with_debug_on(
    cast: Any, settings: Any, debug: bool
) -> None:
    """Django's own 404 is an HTML page with DEBUG on; the API's is JSON whatever the setting."""
    settings.DEBUG = debug
    client = api_client(cast.agent)
    for url in ("/api/v1/rooms/abc/", "/api/v1/nothing/", "/api/v1/rooms/1/nothing/", "/api/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json() == {
            "status": 404,
            "errors": [{"field": None, "code": "not_found", "message": "Not found."}],
        }
    # Without its slash, a POST is neither redirected (losing its body) nor an HTML page.
    response = client.post("/api/v1/rooms", {"code": "X"}, format="json")
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == (
        "Not found. API addresses end with a slash: /api/v1/rooms/"
    )


def test_a_time_outside_the_calendar_is_a_400_naming_the_filter(cast: Any) -> None:
    client = api_client(cast.agent)
    for name, value in (
        ("since", "0001-01-01T00:00:00+14:00"),
        ("until", "0001-01-01T00:00:00+14:00"),
        ("since", "9999-12-31T23:59:59-14:00"),
        ("until", "9999-12-31T23:59:59-14:00"),
        ("since", "0001-01-01T00:00:00Z"),  # the year 0 in UK time
    ):
        response = client.get(f"{API}changes/", {name: value})
        assert response.status_code == 400, (name, value)
        assert response.json()["errors"] == [
            {
                "field": name,
                "code": "out_of_range",
                "message": "Give a time from 0001-01-02 to 9999-12-30 (UTC, once its offset "
                "is applied).",
            }
        ]
    # The last times the calendar holds everywhere are taken.
    for name, value in (("since", "0001-01-02T00:00:00Z"), ("until", "9999-12-30T23:59:59Z")):
        assert client.get(f"{API}changes/", {name: value}).status_code == 200
