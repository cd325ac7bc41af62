"""Two clients updating one record at once lose no update: each reads the record and its
ETag, then PATCHes with ``If-Match``, reading again and retrying on 412. Against a live,
threaded server (pytest-django's ``live_server``), so that on PostgreSQL the two clients'
requests really run at the same time, each in its own transaction, and only the row lock
(core.api.viewsets) stands between them and a lost update."""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from rest_framework.authtoken.models import Token

from core.models import ChangeAction, ChangeRecord
from core.tenancy.scoping import system_scope
from core.testing.cast import make_cast
from core.testing.sample.models import Room

#: Updates landed in all, half by each client.
ROUNDS = 1000


class Client:
    """One API client on a kept-alive connection of its own."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    def request(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        data = None if body is None else json.dumps(body)
        sent = {**self.headers, **headers}
        if data is not None:
            sent["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=sent)
        response = self.connection.getresponse()
        return response.status, response.getheader("ETag"), response.read()


def updater(client: Client, path: str, landed: int, tally: dict[str, int]) -> None:
    """Add one to the room's number `landed` times: PATCH with ``If-Match`` the version last
    seen (an update's answer carries the new ETag), reading again after a 412."""
    status, etag, body = client.request("GET", path)
    while tally["landed"] < landed:
        assert status == 200, body
        value = int(json.loads(body)["name"])
        status, new_etag, body = client.request(
            "PATCH", path, {"name": str(value + 1)}, **{"If-Match": etag}
        )
        if status == 412:
            tally["refused"] += 1
            status, etag, body = client.request("GET", path)
            continue
        assert status == 200, body
        assert json.loads(body)["name"] == str(value + 1)
        etag = new_etag
        tally["landed"] += 1


@pytest.mark.django_db(transaction=True)
def test_two_clients_with_if_match_lose_no_update(live_server, media_folder):
    if connection.vendor == "sqlite":
        pytest.skip(
            "On SQLite the live server's threads share the in-memory test database, which "
            "refuses a second writer at once ('database table is locked') instead of waiting "
            "as a database file does; run the suite on PostgreSQL (DATABASE_URL) for this test."
        )
    cast = make_cast()
    with system_scope("test data"):
        room = Room.objects.create(partner=cast.wcc, code="RACE", name="0")
    path = f"/api/v1/rooms/{room.pk}/"
    tallies = [{"landed": 0, "refused": 0} for _ in range(2)]
    errors: list[BaseException] = []

    tokens = [Token.objects.get_or_create(user=u)[0].key for u in (cast.wcc_lead, cast.manager)]

    def run(token: str, tally: dict[str, int]) -> None:
        try:
            updater(Client(live_server.url, token), path, ROUNDS // 2, tally)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(token, tally))
        for token, tally in zip(tokens, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1200)
    assert not errors, errors

    landed = sum(t["landed"] for t in tallies)
    assert landed == ROUNDS
    with system_scope("test check"):
        room.refresh_from_db()
        logged = (
            ChangeRecord.objects.unscoped("test check")
            .filter(
                content_type=ContentType.objects.get_for_model(Room),
                object_id=room.pk,
                action=ChangeAction.UPDATE,
            )
            .count()
        )
    # Every update answered 200 is in the value, the version and the change log: none lost.
    assert room.name == str(ROUNDS), tallies
    assert room.version == 1 + ROUNDS
    assert logged == ROUNDS
    print(f"{ROUNDS} updates landed; {sum(t['refused'] for t in tallies)} refused with 412")
