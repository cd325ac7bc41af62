"""The generic test families (core.testing.families) for partners' models.

Each class declares who may do what and how to make sample records; the families generate the
page and API tests. Tests particular to a model (co-ownership, catalogue edits by agents) follow
its class.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.tenancy.models import Membership, Partner
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast, make_user
from core.testing.families import ModelFamily, unscoped

pytestmark = pytest.mark.django_db


# Partners: each council sees itself ---------------------------------------------------------


class TestPartner(ModelFamily):
    """Councils: people of a council see their own; the shared-service manager writes."""

    model = Partner
    permitted = "manager"
    denied = ("wcc_lead", "wcc_staff", "wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "name"
    # A council is never deleted: its change log refers to it for good (it leaves instead).
    deletable = False
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> Partner:
        n = self.seq()
        return Partner.objects.create(
            code=f"tp{n:03d}", name=f"Borough of Testbury {n:03d}", gss_code="E09000001"
        )

    def sample(self, cast: Cast) -> Partner:
        return getattr(cast, self.owner)

    def disposable(self, cast: Cast) -> Partner:
        return self.make(cast, None)

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "code": "camden",
            "name": "London Borough of Camden",
            "gss_code": "E09000007",
            "nation": "ENG",
            "joined_on": "2020-04-01",
            "left_on": "",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "left_on": None}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "name": "Westminster City Council",
            "gss_code": obj.gss_code,
            "nation": obj.nation,
            "joined_on": obj.joined_on.isoformat(),
            "left_on": obj.left_on.isoformat() if obj.left_on else "",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = self.update_data(cast, obj)
        return {**data, "left_on": data["left_on"] or None}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "code": f"imp{n}",
                "name": f"Imported Council {n}",
                "gss_code": f"E0900009{n}",
                "nation": "ENG",
                "joined_on": "2021-04-01",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {
            "code": "imp9",
            "name": "Badly Coded Council",
            "gss_code": "X1",
            "nation": "ENG",
            "joined_on": "2021-04-01",
        }, "gss_code"


# Memberships: people and their roles ---------------------------------------------------------


class TestMembership(ModelFamily):
    """A council's people and roles: the shared-service manager adds people and sets roles."""

    model = Membership
    permitted = "manager"
    denied = ("wcc_lead", "wcc_staff", "wcc_auditor", "agent")
    outsider = "rbkc_lead"
    edited_field = "role"
    # The council dropdown reuses the header's council list (one scoped read per request),
    # and the rows share its records; the rows' people are read by key (core.related).
    list_queries = 5
    # The page, then its people and councils by key.
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> Membership:
        n = self.seq()
        user = make_user(f"{partner.code}.person{n:03d}", first_name="Pat", last_name=f"Q{n:03d}")
        return Membership.objects.create(user=user, partner=partner, role="requester")

    def search_term(self, obj: Any) -> str:
        return obj.user.username

    def find(self, data: dict[str, Any]) -> Any:
        username = data.get("username") or data.get("user")
        return unscoped(Membership).filter(user__username=username, role=data["role"]).first()

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "username": f"{partner.code}.newcomer",
            "first_name": "New",
            "last_name": "Comer",
            "email": "",
            "role": "requester",
            "password": "",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        # A further role for someone already in the council.
        person = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
        return {"user": person.username, "partner": partner.code, "role": "auditor"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        # The page edits every role a person holds in the council at once.
        return {"roles": ["requester", "auditor"]}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"user": obj.user.username, "partner": obj.partner.code, "role": "auditor"}

    def assert_updated(self, obj: Any, data: dict[str, Any], user: Any) -> None:
        if "roles" not in data:
            return super().assert_updated(obj, data, user)
        # The page gave the person a second role: a new membership, recorded as the manager's.
        added = unscoped(Membership).get(
            user_id=obj.user_id, partner_id=obj.partner_id, role="auditor"
        )
        assert self.refetch(obj) is not None
        self.assert_changed_by(added.pk, "create", user)

    def test_page_history_shows_the_edit(self, cast: Cast, client_for: Any) -> None:
        """Roles are memberships: removing one shows in its history as the manager's doing."""
        obj = self.given(self.sample, cast)
        client = client_for(cast.manager)
        with system_scope("test data"):
            extra = Membership.objects.create(user=obj.user, partner=obj.partner, role="auditor")
        response = client.post(f"/memberships/{obj.pk}/edit/", {"roles": ["requester"]})
        assert response.status_code == 302
        assert unscoped(Membership).filter(pk=extra.pk).first() is None
        self.assert_changed_by(extra.pk, "delete", cast.manager)
        response = client.get(f"/memberships/{obj.pk}/history/")
        assert response.status_code == 200
