"""The pages' tests: list, detail, create, update, delete and history pages.

Each page as an anonymous visitor (sent to sign in), as the denied people (403 on writes), as
the permitted person (the change record names them) and as the outsider (404, and nothing of
the record in what they are shown); the list's search, council filter, odd parameters and
pinned query count. The pages' export and import are in export_import.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils.text import capfirst

from core.models import ChangeRecord
from core.tenancy.records import record_names
from core.testing.cast import Cast
from core.testing.families.base import (
    DISGUISED_TEXT,
    REFUSED,
    FamilyBase,
    all_of,
    applies,
    assert_sign_in_redirect,
    content_of,
    council_permitted,
    csv_rows,
    has_denied,
    has_outsider,
    has_page,
    movable,
    owned_by_one,
    typed_text_field,
    unscoped,
)
from core.testing.words import read_page, title_of


class PageTests(FamilyBase):
    """The tests of a model's pages (bar export and import)."""

    # Pages: list ---------------------------------------------------------------------------

    @applies(has_page("list"))
    def test_page_list_anonymous(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        assert_sign_in_redirect(Client().get(self.url("list")))

    @applies(has_page("list"))
    def test_page_list_shows_the_record(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in (self.permitted, *self.denied):
            response = client_for(self.user(cast, name)).get(self.url("list"))
            assert response.status_code == 200, name
            assert self.link(obj) in content_of(response), name

    @applies(has_page("list"))
    def test_page_list_search(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        other = self.given(self.make, cast, getattr(cast, self.owner))
        client = client_for(self.user(cast, self.permitted))
        response = client.get(self.url("list"), {"q": self.search_term(obj)})
        assert response.status_code == 200
        text = content_of(response)
        assert self.link(obj) in text
        assert self.link(other) not in text

    @applies(all_of(has_page("list"), has_outsider))
    def test_page_list_outsider(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.outsider))
        for params in ({}, {"q": self.search_term(obj)}):
            response = client.get(self.url("list"), params)
            assert response.status_code == 200
            text = content_of(response)
            self.assert_secret_absent(cast, obj, text, f"list {params}", tuple(params.values()))

    @applies(all_of(has_page("list"), has_outsider, owned_by_one))
    def test_page_list_filter_by_other_council(self, cast: Cast, client_for: Any) -> None:
        """Naming another council in the list's filters lists nothing and names nothing."""
        obj = self.given(self.sample, cast)
        if not self.filters_by_owner():
            pytest.skip(f"{self.model.__name__}'s list has no council filter")
        owner = getattr(cast, self.owner)
        client = client_for(self.user(cast, self.outsider))
        response = client.get(self.url("list"), {"partner": owner.pk})
        assert response.status_code in (200, 400)
        self.assert_secret_absent(cast, obj, content_of(response), "list filtered by owner")
        if "export" in self.pages:
            response = client.get(self.url("export"), {"format": "csv", "partner": owner.pk})
            assert response.status_code in (400, 403) or csv_rows(response) == []

    @applies(has_page("list"))
    def test_page_list_queries(
        self, cast: Cast, client_for: Any, pytestconfig: pytest.Config
    ) -> None:
        client = client_for(self.user(cast, self.permitted))
        self.assert_list_queries(
            cast, lambda: client.get(self.url("list")), pytestconfig, "list_queries"
        )

    @applies(has_page("list"))
    def test_page_list_odd_parameters_no_500(self, cast: Cast, client_for: Any) -> None:
        self.given(self.sample, cast)
        client = client_for(self.user(cast, self.permitted))
        for params in self.odd_params():
            response = client.get(self.url("list"), params)
            assert response.status_code in (200, 400), (params, response.status_code)
            if "export" in self.pages:
                response = client.get(self.url("export"), {"format": "csv", **params})
                assert response.status_code in (200, 400), (params, response.status_code)

    @applies(has_page("detail"))
    def test_page_odd_ids_404(self, cast: Cast, client_for: Any) -> None:
        client = client_for(self.user(cast, self.permitted))
        prefix = self.url("list")
        for pk in ("0", "99999999999999999999999", "-1", "abc"):
            for suffix in ("", "edit/", "delete/", "history/"):
                response = client.get(f"{prefix}{pk}/{suffix}")
                assert response.status_code == 404, (pk, suffix)

    @applies(has_page("create"))
    def test_page_create_empty_form_shows_errors(self, cast: Cast, client_for: Any) -> None:
        response = client_for(self.user(cast, self.permitted)).post(self.url("create"), {})
        assert response.status_code == 200
        assert "There is a problem" in content_of(response)

    # Pages: detail ---------------------------------------------------------------------------

    @applies(has_page("detail"))
    def test_page_detail_anonymous(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        assert_sign_in_redirect(Client().get(self.url("detail", obj)))

    @applies(has_page("detail"))
    def test_page_detail_visible(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in (self.permitted, *self.denied):
            response = client_for(self.user(cast, name)).get(self.url("detail", obj))
            assert response.status_code == 200, name
            assert self.search_term(obj) in content_of(response), name

    @applies(all_of(has_page("detail"), has_outsider))
    def test_page_detail_outsider_404(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        response = client_for(self.user(cast, self.outsider)).get(self.url("detail", obj))
        assert response.status_code == 404
        self.assert_secret_absent(cast, obj, content_of(response), "detail 404")

    @applies(has_page("detail"))
    def test_page_detail_missing_404(self, cast: Cast, client_for: Any) -> None:
        response = client_for(self.user(cast, self.permitted)).get(
            reverse(self.model.url_name("detail"), args=[987654321])
        )
        assert response.status_code == 404

    # Pages: create ---------------------------------------------------------------------------

    @applies(has_page("create"))
    def test_page_create_anonymous(self, cast: Cast) -> None:
        data = self.create_data(cast, getattr(cast, self.owner))
        client = Client()
        assert_sign_in_redirect(client.get(self.url("create")))
        assert_sign_in_redirect(client.post(self.url("create"), data))
        assert self.find(data) is None

    @applies(has_page("create"))
    def test_page_create_permitted(self, cast: Cast, client_for: Any) -> None:
        user = self.user(cast, self.permitted)
        client = client_for(user)
        assert client.get(self.url("create")).status_code == 200
        data = self.create_data(cast, getattr(cast, self.owner))
        response = client.post(self.url("create"), data)
        assert response.status_code == 302, content_of(response)[:3000]
        created = self.find(data)
        assert created is not None
        assert response["Location"] == created.get_absolute_url()
        self.assert_changed_by(created.pk, "create", user)

    @applies(all_of(has_page("create"), lambda cls: cls.model.ownership != "catalogue"))
    def test_page_create_is_in_the_owners_change_log(self, cast: Cast, client_for: Any) -> None:
        """Every change record of a new record, its creation included, is in each owning
        council's change log (so the council's auditor sees the whole story)."""
        from core.models import ChangeRecordPartner

        client = client_for(self.user(cast, self.permitted))
        data = self.create_data(cast, getattr(cast, self.owner))
        assert client.post(self.url("create"), data).status_code == 302
        created = self.find(data)
        owners = set(created.owning_partner_ids())
        assert owners
        for record in unscoped(ChangeRecord).filter(
            content_type=ContentType.objects.get_for_model(self.model), object_id=created.pk
        ):
            logged = set(
                ChangeRecordPartner.objects.filter(change=record).values_list(
                    "partner_id", flat=True
                )
            )
            assert owners <= logged, f"the {record.action} record is missing from {owners - logged}"

    @applies(all_of(has_page("create"), has_denied))
    def test_page_create_denied_403(self, cast: Cast, client_for: Any) -> None:
        data = self.create_data(cast, getattr(cast, self.owner))
        for name in self.denied:
            client = client_for(self.user(cast, name))
            assert client.get(self.url("create")).status_code == 403, name
            assert client.post(self.url("create"), data).status_code == 403, name
        assert self.find(data) is None

    @applies(all_of(has_page("create"), has_outsider))
    def test_page_create_outsider(self, cast: Cast, client_for: Any) -> None:
        """The outsider's form offers no other council, and a forged choice writes nothing."""
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        client = client_for(outsider)
        response = client.get(self.url("create"))
        expected = 200 if self.can(outsider, "add") else 403
        assert response.status_code == expected
        self.assert_secret_absent(cast, obj, content_of(response), "create form")
        data = self.create_data(cast, getattr(cast, self.owner))
        response = client.post(self.url("create"), data)
        assert response.status_code in REFUSED
        assert self.find(data) is None
        self.assert_secret_absent(cast, obj, content_of(response), "create form errors")

    # Pages: update ---------------------------------------------------------------------------

    @applies(has_page("update"))
    def test_page_update_anonymous(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        client = Client()
        assert_sign_in_redirect(client.get(self.url("update", obj)))
        assert_sign_in_redirect(client.post(self.url("update", obj), self.update_data(cast, obj)))
        assert self.snapshot(obj) == before

    @applies(has_page("update"))
    def test_page_update_permitted(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        assert client.get(self.url("update", obj)).status_code == 200
        data = self.update_data(cast, obj)
        response = client.post(self.url("update", obj), data)
        assert response.status_code == 302, content_of(response)[:3000]
        self.assert_updated(obj, data, user)

    @applies(has_page("update"))
    def test_page_update_refuses_hidden_characters(self, cast: Cast, client_for: Any) -> None:
        """The text rule holds for every model's form: a right-to-left override in the first
        text field is shown on that field, and the record is unchanged."""
        obj = self.given(self.sample, cast)
        data = self.update_data(cast, obj)
        field = typed_text_field(self.model, data)
        if field is None:
            pytest.skip("no text field a person types")
        before = self.snapshot(obj)
        response = client_for(self.user(cast, self.permitted)).post(
            self.url("update", obj), {**data, field: DISGUISED_TEXT}
        )
        assert response.status_code == 200, response.status_code
        text = content_of(response)
        assert f'href="#id_{field}"' in text
        assert "must not contain control characters" in text and "U+202E" in text
        assert self.snapshot(obj) == before

    @applies(all_of(has_page("update"), has_denied))
    def test_page_update_denied_403(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        data = self.update_data(cast, obj)
        for name in self.denied:
            client = client_for(self.user(cast, name))
            assert client.get(self.url("update", obj)).status_code == 403, name
            assert client.post(self.url("update", obj), data).status_code == 403, name
        assert self.snapshot(obj) == before

    @applies(all_of(has_page("update"), has_outsider))
    def test_page_update_outsider_404(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        client = client_for(self.user(cast, self.outsider))
        assert client.get(self.url("update", obj)).status_code == 404
        assert client.post(self.url("update", obj), self.update_data(cast, obj)).status_code == 404
        assert self.snapshot(obj) == before

    @applies(all_of(has_page("update"), has_outsider, owned_by_one, council_permitted, movable))
    def test_page_update_cannot_move_out_of_reach(self, cast: Cast, client_for: Any) -> None:
        """A council's person cannot hand their record to a council they cannot see."""
        obj = self.given(self.sample, cast)
        other = cast.partner_of(self.user(cast, self.outsider))
        data = self.moved_to(self.update_data(cast, obj), other, api=False)
        user = self.user(cast, self.permitted)
        before = self.snapshot(obj)
        response = client_for(user).post(self.url("update", obj), data)
        assert response.status_code == 200  # the form again, with the error
        assert self.snapshot(obj) == before

    # Pages: delete ---------------------------------------------------------------------------

    @applies(has_page("delete"))
    def test_page_delete_anonymous(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        client = Client()
        assert_sign_in_redirect(client.get(self.url("delete", obj)))
        assert_sign_in_redirect(client.post(self.url("delete", obj)))
        assert self.refetch(obj) is not None

    @applies(has_page("delete"))
    def test_page_delete_permitted(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.disposable, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        assert client.get(self.url("delete", obj)).status_code == 200
        response = client.post(self.url("delete", obj))
        if not self.deletable:
            # Refused in plain words, and the record stays.
            assert response.status_code == 200
            assert "cannot be deleted" in content_of(response)
            assert self.refetch(obj) is not None
            return
        assert response.status_code == 302, content_of(response)[:3000]
        assert self.refetch(obj) is None
        self.assert_changed_by(obj.pk, "delete", user)

    @applies(all_of(has_page("delete"), has_denied))
    def test_page_delete_denied_403(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in self.denied:
            client = client_for(self.user(cast, name))
            assert client.get(self.url("delete", obj)).status_code == 403, name
            assert client.post(self.url("delete", obj)).status_code == 403, name
        assert self.refetch(obj) is not None

    @applies(all_of(has_page("delete"), has_outsider))
    def test_page_delete_outsider_404(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.outsider))
        assert client.get(self.url("delete", obj)).status_code == 404
        assert client.post(self.url("delete", obj)).status_code == 404
        assert self.refetch(obj) is not None

    # Pages: history --------------------------------------------------------------------------

    @applies(has_page("history"))
    def test_page_history_anonymous(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        assert_sign_in_redirect(Client().get(self.url("history", obj)))

    @applies(all_of(has_page("history"), has_page("update")))
    def test_page_history_shows_the_edit(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        data = self.update_data(cast, obj)
        assert client.post(self.url("update", obj), data).status_code == 302
        response = client.get(self.url("history", obj))
        assert response.status_code == 200
        text = content_of(response)
        assert self.history_text(data) in text
        assert user.display_name in text

    @applies(all_of(has_page("history"), has_denied))
    def test_page_history_denied(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in self.denied:
            user = self.user(cast, name)
            expected = 200 if self.can(user, "history", obj) else 403
            response = client_for(user).get(self.url("history", obj))
            assert response.status_code == expected, name

    @applies(all_of(has_page("history"), has_outsider))
    def test_page_history_outsider_404(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        response = client_for(self.user(cast, self.outsider)).get(self.url("history", obj))
        assert response.status_code == 404

    # Pages: one name for one thing --------------------------------------------------------

    @applies(has_page("list"))
    def test_page_words_one_name(self, cast: Cast, client_for: Any) -> None:
        """The model's one name (core.tenancy.records.record_names) from link to button: the
        list's "Add X" opens a page titled, headed and submitted "Add X"; the list's title
        and heading, a record's caption and breadcrumbs say the same names."""
        obj = self.given(self.sample, cast)
        singular, plural = record_names(self.model)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        listing = read_page(content_of(client.get(self.url("list"))))
        assert title_of(listing) == listing.h1 == capfirst(plural), (listing.title, listing.h1)
        adds = [(text, href) for text, href in listing.links if text.startswith("Add ")]
        if "create" in self.pages and self.can(user, "add"):
            assert adds == [(f"Add {singular}", self.url("create"))], adds
            form = read_page(content_of(client.get(self.url("create"))))
            assert title_of(form) == form.h1 == f"Add {singular}", (form.title, form.h1)
            assert f"Add {singular}" in form.buttons, form.buttons
        else:
            assert adds == [], adds
        if "detail" in self.pages:
            detail = read_page(content_of(client.get(self.url("detail", obj))))
            assert (capfirst(plural), self.url("list")) in detail.links, detail.links
            assert capfirst(singular) in detail.text

    @applies(has_page("list"))
    def test_page_words_are_the_councils(self, cast: Cast, client_for: Any) -> None:
        """No page of the model says code's words ("partner", "membership") to a person."""
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.permitted))
        urls = [self.url("list")]
        urls += [self.url(view) for view in ("create", "import") if view in self.pages]
        urls += [
            self.url(view, obj)
            for view in ("detail", "update", "delete", "history")
            if view in self.pages
        ]
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                continue  # a page this person may not open says nothing of the record
            assert read_page(content_of(response)).code_words() == [], url
