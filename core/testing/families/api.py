"""The API's tests: list, retrieve, create, update (PUT with If-Match, PATCH) and destroy.

Each action as an anonymous client (401), as the denied people (403), as the permitted person
(the change record names them) and as the outsider (404 everywhere); the list's search, council
filter, odd parameters, cursor pagination and pinned query count; ETags and stale writes (412);
the change log API scoped as the record. The API's export and import are in export_import.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families.base import (
    DISGUISED_TEXT,
    FamilyBase,
    all_of,
    applies,
    content_of,
    council_permitted,
    has_api,
    has_denied,
    has_outsider,
    movable,
    owned_by_one,
    results_of,
    typed_text_field,
)


class ApiTests(FamilyBase):
    """The tests of a model's API endpoints (bar export and import)."""

    @applies(has_api("list"))
    def test_api_list_odd_parameters_no_500(self, cast: Cast, api_client_for: Any) -> None:
        self.given(self.sample, cast)
        client = api_client_for(self.user(cast, self.permitted))
        for params in self.odd_params():
            response = client.get(self.api_url("list"), params)
            assert response.status_code in (200, 400), (params, response.status_code)
            if response.status_code == 400:
                assert response.json()["errors"], params
            if "export" not in self.api_actions:
                continue
            exported = client.get(self.api_url("export"), {"format": "csv", **params})
            if {"cursor", "page_size"} & set(params):
                # The export is the whole list: it takes no page and ignores paging.
                assert exported.status_code == 200, (params, exported.status_code)
                continue
            # The same filters and sort as the list: refused exactly when the list refuses.
            assert exported.status_code == response.status_code, (params, exported.status_code)
            if exported.status_code == 400:
                assert exported.json()["errors"] == response.json()["errors"], params

    @applies(all_of(has_api("update"), has_outsider, owned_by_one, council_permitted, movable))
    def test_api_update_cannot_move_out_of_reach(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        other = cast.partner_of(self.user(cast, self.outsider))
        data = self.moved_to(self.api_update_data(cast, obj), other, api=True)
        user = self.user(cast, self.permitted)
        before = self.snapshot(obj)
        response = api_client_for(user).put(self.api_url("detail", obj), data, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "partner"
        assert self.snapshot(obj) == before

    # API: list -------------------------------------------------------------------------------

    @applies(has_api("list"))
    def test_api_list_anonymous_401(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        response = Client().get(self.api_url("list"))
        assert response.status_code == 401
        assert response.json()["status"] == 401

    @applies(has_api("list"))
    def test_api_list_shows_the_record(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in (self.permitted, *self.denied):
            response = api_client_for(self.user(cast, name)).get(self.api_url("list"))
            assert response.status_code == 200, name
            assert obj.pk in {row["id"] for row in results_of(response)}, name

    @applies(has_api("list"))
    def test_api_list_search(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        other = self.given(self.make, cast, getattr(cast, self.owner))
        client = api_client_for(self.user(cast, self.permitted))
        response = client.get(self.api_url("list"), {"q": self.search_term(obj)})
        assert response.status_code == 200
        ids = {row["id"] for row in results_of(response)}
        assert obj.pk in ids and other.pk not in ids

    @applies(all_of(has_api("list"), has_outsider))
    def test_api_list_outsider(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = api_client_for(self.user(cast, self.outsider))
        for params in ({}, {"q": self.search_term(obj)}):
            response = client.get(self.api_url("list"), params)
            assert response.status_code == 200
            assert obj.pk not in {row["id"] for row in results_of(response)}
            text = content_of(response)
            self.assert_secret_absent(cast, obj, text, f"API list {params}", tuple(params.values()))

    @applies(all_of(has_api("list"), has_outsider, owned_by_one))
    def test_api_list_filter_by_other_council(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        if not self.filters_by_owner():
            pytest.skip(f"{self.model.__name__}'s list has no council filter")
        owner = getattr(cast, self.owner)
        client = api_client_for(self.user(cast, self.outsider))
        response = client.get(self.api_url("list"), {"partner": owner.pk})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert results_of(response) == []
        self.assert_secret_absent(cast, obj, content_of(response), "API list filtered by owner")

    @applies(has_api("list"))
    def test_api_list_queries(
        self, cast: Cast, api_client_for: Any, pytestconfig: pytest.Config
    ) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        response = self.assert_list_queries(
            cast, lambda: client.get(self.api_url("list")), pytestconfig, "api_list_queries"
        )
        assert len(results_of(response)) >= 2 * self.list_rows

    @applies(has_api("list"))
    def test_api_list_bad_cursor_400(self, cast: Cast, api_client_for: Any) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        response = client.get(self.api_url("list"), {"cursor": "not-a-cursor"})
        assert response.status_code in (400, 404)
        assert response.json()["errors"]

    # API: retrieve ---------------------------------------------------------------------------

    @applies(has_api("retrieve"))
    def test_api_retrieve_anonymous_401(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        assert Client().get(self.api_url("detail", obj)).status_code == 401

    @applies(has_api("retrieve"))
    def test_api_retrieve_visible(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in (self.permitted, *self.denied):
            response = api_client_for(self.user(cast, name)).get(self.api_url("detail", obj))
            assert response.status_code == 200, name
            assert response.json()["id"] == obj.pk
            assert response.has_header("ETag")

    @applies(all_of(has_api("retrieve"), has_outsider))
    def test_api_outsider_404_everywhere(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        client = api_client_for(self.user(cast, self.outsider))
        url = self.api_url("detail", obj)
        assert client.get(url).status_code == 404
        if "update" in self.api_actions:
            data = self.api_update_data(cast, obj)
            assert client.put(url, data, format="json").status_code == 404
        if "partial_update" in self.api_actions:
            patch = {self.edited_field: self.api_update_data(cast, obj)[self.edited_field]}
            assert client.patch(url, patch, format="json").status_code == 404
        if "destroy" in self.api_actions:
            assert client.delete(url).status_code == 404
        assert self.snapshot(obj) == before

    # API: create -----------------------------------------------------------------------------

    @applies(has_api("create"))
    def test_api_create_anonymous_401(self, cast: Cast) -> None:
        data = self.api_create_data(cast, getattr(cast, self.owner))
        response = Client().post(self.api_url("list"), data, content_type="application/json")
        assert response.status_code == 401
        assert self.find(data) is None

    @applies(has_api("create"))
    def test_api_create_permitted(self, cast: Cast, api_client_for: Any) -> None:
        user = self.user(cast, self.permitted)
        data = self.api_create_data(cast, getattr(cast, self.owner))
        response = api_client_for(user).post(self.api_url("list"), data, format="json")
        assert response.status_code == 201, response.content
        created = self.find(data)
        assert created is not None and response.json()["id"] == created.pk
        self.assert_changed_by(created.pk, "create", user)
        # The answer is the record as reading it gives it (core.services.refetch_visible may
        # answer without reading the row back), from the address it gives.
        location = response["Location"]
        assert location == f"http://testserver{self.api_url('detail', created)}"
        read = api_client_for(user).get(location)
        assert response.json() == read.json()
        assert response["ETag"] == read["ETag"]

    @applies(has_api("create"))
    def test_api_create_invalid_400(self, cast: Cast, api_client_for: Any) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        response = client.post(self.api_url("list"), {}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["status"] == 400 and body["errors"]
        assert all({"field", "code", "message"} <= set(e) for e in body["errors"])

    @applies(all_of(has_api("create"), has_denied))
    def test_api_create_denied_403(self, cast: Cast, api_client_for: Any) -> None:
        data = self.api_create_data(cast, getattr(cast, self.owner))
        for name in self.denied:
            response = api_client_for(self.user(cast, name)).post(
                self.api_url("list"), data, format="json"
            )
            assert response.status_code == 403, name
        assert self.find(data) is None

    @applies(all_of(has_api("create"), has_outsider))
    def test_api_create_outsider_refused(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        data = self.api_create_data(cast, getattr(cast, self.owner))
        response = api_client_for(self.user(cast, self.outsider)).post(
            self.api_url("list"), data, format="json"
        )
        assert response.status_code in (400, 403, 404)
        assert self.find(data) is None
        self.assert_secret_absent(cast, obj, content_of(response), "API create error")

    # API: update -----------------------------------------------------------------------------

    @applies(has_api("update"))
    def test_api_update_permitted(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = api_client_for(user)
        url = self.api_url("detail", obj)
        etag = client.get(url)["ETag"]
        data = self.api_update_data(cast, obj)
        response = client.put(url, data, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content
        assert response["ETag"] != etag
        self.assert_updated(obj, data, user)
        read = client.get(url)
        assert response.json() == read.json()
        assert response["ETag"] == read["ETag"]

    @applies(has_api("update"))
    def test_api_update_refuses_hidden_characters(self, cast: Cast, api_client_for: Any) -> None:
        """The text rule holds for every model: a right-to-left override in the first text
        field a person types is a 400 naming that field, and the record is unchanged."""
        obj = self.given(self.sample, cast)
        data = self.api_update_data(cast, obj)
        field = typed_text_field(self.model, data)
        if field is None:
            pytest.skip("no text field a person types")
        before = self.snapshot(obj)
        client = api_client_for(self.user(cast, self.permitted))
        url = self.api_url("detail", obj)
        response = client.put(
            url,
            {**data, field: DISGUISED_TEXT},
            format="json",
            HTTP_IF_MATCH=client.get(url)["ETag"],
        )
        assert response.status_code == 400, response.content
        errors = [e for e in response.json()["errors"] if e["code"] == "unsafe_characters"]
        assert [e["field"] for e in errors] == [field], response.content
        assert "U+202E" in errors[0]["message"]
        assert self.snapshot(obj) == before

    @applies(has_api("update"))
    def test_api_update_stale_412(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = api_client_for(self.user(cast, self.permitted))
        url = self.api_url("detail", obj)
        etag = client.get(url)["ETag"]
        with system_scope("someone else edits first"):
            fresh = self.refetch(obj)
            fresh.save()
        before = self.snapshot(obj)
        response = client.put(
            url, self.api_update_data(cast, obj), format="json", HTTP_IF_MATCH=etag
        )
        assert response.status_code == 412
        assert self.snapshot(obj) == before

    @applies(has_api("partial_update"))
    def test_api_patch_permitted(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        value = self.api_update_data(cast, obj)[self.edited_field]
        response = api_client_for(user).patch(
            self.api_url("detail", obj), {self.edited_field: value}, format="json"
        )
        assert response.status_code == 200, response.content
        self.assert_updated(obj, {self.edited_field: value}, user)

    @applies(all_of(has_api("update"), has_denied))
    def test_api_update_denied_403(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        data = self.api_update_data(cast, obj)
        for name in self.denied:
            client = api_client_for(self.user(cast, name))
            url = self.api_url("detail", obj)
            assert client.put(url, data, format="json").status_code == 403, name
            patch = {self.edited_field: data[self.edited_field]}
            assert client.patch(url, patch, format="json").status_code == 403, name
        assert self.snapshot(obj) == before

    @applies(has_api("update"))
    def test_api_update_anonymous_401(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        response = Client().put(
            self.api_url("detail", obj),
            self.api_update_data(cast, obj),
            content_type="application/json",
        )
        assert response.status_code == 401
        assert self.snapshot(obj) == before

    # API: destroy ----------------------------------------------------------------------------

    @applies(has_api("destroy"))
    def test_api_destroy_permitted(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.disposable, cast)
        user = self.user(cast, self.permitted)
        response = api_client_for(user).delete(self.api_url("detail", obj))
        if not self.deletable:
            assert response.status_code == 409, response.content
            assert response.json()["errors"][0]["message"]
            assert self.refetch(obj) is not None
            return
        assert response.status_code == 204, response.content
        assert self.refetch(obj) is None
        self.assert_changed_by(obj.pk, "delete", user)

    @applies(all_of(has_api("destroy"), has_denied))
    def test_api_destroy_denied_403(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in self.denied:
            response = api_client_for(self.user(cast, name)).delete(self.api_url("detail", obj))
            assert response.status_code == 403, name
        assert Client().delete(self.api_url("detail", obj)).status_code == 401
        assert self.refetch(obj) is not None

    # API: change log -------------------------------------------------------------------------

    @applies(has_api("retrieve"))
    def test_api_change_log_scoped(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        ct = ContentType.objects.get_for_model(self.model)
        params = {"content_type": f"{ct.app_label}.{ct.model}", "object_id": obj.pk}
        permitted = self.user(cast, self.permitted)
        response = api_client_for(permitted).get(reverse("api:change-list"), params)
        assert response.status_code == 200
        assert any(row["object_id"] == obj.pk for row in results_of(response))
        for name in self.denied:
            user = self.user(cast, name)
            response = api_client_for(user).get(reverse("api:change-list"), params)
            if not self.can(user, "history", obj) or self.model.ownership == "catalogue":
                continue
            assert response.status_code == 200, name
            seen = any(row["object_id"] == obj.pk for row in results_of(response))
            assert seen, f"{name} may see this record's history but the change log hides it"
        if self.outsider:
            response = api_client_for(self.user(cast, self.outsider)).get(
                reverse("api:change-list"), params
            )
            assert response.status_code == 200
            assert not any(row["object_id"] == obj.pk for row in results_of(response))
