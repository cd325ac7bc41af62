"""The tests of own records: a model whose records are some people's own (``own_fields``:
a ticket's requester and contact), where a council role reaches only its own records
(core.tenancy.access.COUNCIL_OWN_GRANTS).

The family's ``own_person`` sees the sample (their own) in the list, on its page and in the
API; the ``colleague`` (same council, same grants) gets a 404 and never a row or search hit.
"""

from __future__ import annotations

from typing import Any

from core.testing.cast import Cast
from core.testing.families.base import (
    FamilyBase,
    all_of,
    applies,
    content_of,
    has_api,
    has_page,
    results_of,
)


def has_own_person(cls: Any) -> bool:
    return bool(cls.own_person)


def has_colleague(cls: Any) -> bool:
    return bool(cls.colleague)


class OwnRecordTests(FamilyBase):
    """What the owner of a record and their colleague see of it, in pages and API."""

    @applies(all_of(has_own_person, has_page("list"), has_page("detail")))
    def test_own_person_sees_their_record_in_pages(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.own_person))
        assert self.link(obj) in content_of(client.get(self.url("list")))
        assert client.get(self.url("detail", obj)).status_code == 200

    @applies(all_of(has_own_person, has_api("list")))
    def test_own_person_sees_their_record_in_the_api(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = api_client_for(self.user(cast, self.own_person))
        listed = [row["id"] for row in results_of(client.get(self.api_url("list")))]
        assert obj.pk in listed
        assert client.get(self.api_url("detail", obj)).status_code == 200

    @applies(all_of(has_colleague, has_page("list"), has_page("detail")))
    def test_colleague_never_sees_it_in_pages(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.colleague))
        for params in ({}, {"q": self.search_term(obj)}):
            response = client.get(self.url("list"), params)
            assert response.status_code == 200
            assert self.link(obj) not in content_of(response)
        for view in ("detail", "update", "history"):
            if view in self.pages:
                assert client.get(self.url(view, obj)).status_code == 404, view

    @applies(all_of(has_colleague, has_api("list")))
    def test_colleague_never_sees_it_in_the_api(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = api_client_for(self.user(cast, self.colleague))
        for params in ({}, {"q": self.search_term(obj)}):
            listed = [row["id"] for row in results_of(client.get(self.api_url("list"), params))]
            assert obj.pk not in listed
        assert client.get(self.api_url("detail", obj)).status_code == 404
        assert client.patch(self.api_url("detail", obj), {}).status_code == 404
