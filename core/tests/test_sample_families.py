"""The generic test families (core.testing.families) for the sample app's models: a
partner-owned record (`Room`), a catalogue (`RoomType`), a co-owned record (`Pact`), some
people's own records (`Errand`) and a record for chosen councils (`Notice`).

The sample app is a test-only app (core.testing.sample), so these families exercise core's
machinery (pages, API, import, export, attachments, the change log) from core's own tests,
without any domain app. They mirror the estate's (estate/tests/test_generic.py) declaration for
declaration, query counts included.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from core.services import set_audience, set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import ModelFamily, content_of, unscoped
from core.testing.sample.models import Errand, Notice, Pact, Room, RoomType

pytestmark = pytest.mark.django_db


# Rooms: partner-owned ------------------------------------------------------------------------


class TestRoom(ModelFamily):
    """A council's lead manages its rooms; requesters and auditors read; rbkc sees nothing."""

    model = Room
    owner = "wcc"
    permitted = "wcc_lead"
    denied = ("wcc_staff", "wcc_auditor")
    outsider = "rbkc_lead"
    list_queries = 5
    # The page, then its councils and room types by key (core.related).
    api_list_queries = 4

    def room_type(self) -> RoomType:
        with system_scope("test data"):
            return RoomType.objects.get_or_create(name="Civic office")[0]

    def make(self, cast: Cast, partner: Any) -> Room:
        n = self.seq()
        return Room.objects.create(
            partner=partner,
            code=f"Q{n:03d}",
            name=f"Quillon House {n:03d}",
            room_type=self.room_type(),
            postcode="SW1A 2AA",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "code": "NEW-1",
            "name": "Xerxes Depot",
            "room_type": self.room_type().pk,
            "address": "1 Depot Lane",
            "postcode": "W2 1AA",
            "uprn": "100023336956",
            "is_active": "on",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        data = self.create_data(cast, partner)
        return {
            **data,
            "partner": partner.code,
            "room_type": self.room_type().name,
            "is_active": True,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "code": obj.code,
            "name": "Renamed Quillon",
            "room_type": obj.room_type_id or "",
            "address": obj.address,
            "postcode": obj.postcode,
            "uprn": obj.uprn,
            "is_active": "on",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = self.update_data(cast, obj)
        return {
            **data,
            "partner": obj.partner.code,
            "room_type": obj.room_type.name if obj.room_type else None,
            "is_active": True,
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "code": f"IMP-{n}",
                "name": f"Imported Annexe {n}",
                "room_type": self.room_type().name,
                "address": "",
                "postcode": "",
                "uprn": "",
                "is_active": "yes",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "code": "BAD-1", "name": "Bad Annexe"}
        return {**row, "uprn": "not-a-number"}, "uprn"


def test_room_filters_offer_only_visible_councils(cast: Cast, client_for: Any) -> None:
    """The list's council filter and the form's council dropdown list rbkc alone for rbkc."""
    response = client_for(cast.rbkc_lead).get("/rooms/")
    text = content_of(response)
    assert cast.rbkc.name in text and cast.wcc.name not in text
    response = client_for(cast.rbkc_lead).get("/rooms/new/")
    text = content_of(response)
    assert cast.rbkc.name in text and cast.wcc.name not in text


# Room types: catalogue -----------------------------------------------------------------------


class TestRoomType(ModelFamily):
    """Readable by every signed-in person; written by shared-service staff only."""

    model = RoomType
    permitted = "manager"
    denied = ("wcc_lead", "rbkc_lead", "wcc_staff")
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> RoomType:
        n = self.seq()
        return RoomType.objects.create(name=f"Observatory {n:03d}", description="Stars")

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"name": "Zeppelin hangar", "description": "Airships"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"name": "Renamed observatory", "description": obj.description}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [{"name": f"Imported kind {n}", "description": ""} for n in (1, 2)]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {"name": "", "description": "No name"}, "name"


def test_agent_edits_room_types_but_does_not_delete(cast: Cast, client_for: Any) -> None:
    with system_scope("test data"):
        kind = RoomType.objects.create(name="Library")
    client = client_for(cast.agent)
    response = client.post(f"/room-types/{kind.pk}/edit/", {"name": "Lending library"})
    assert response.status_code == 302
    assert client.post(f"/room-types/{kind.pk}/delete/").status_code == 403
    assert unscoped(RoomType).filter(name="Lending library").exists()


# Pacts: co-owned -----------------------------------------------------------------------------


class TestPact(ModelFamily):
    """Visible to each owner's people; another council's is a 404."""

    model = Pact
    permitted = "wcc_lead"
    denied = ("wcc_staff", "wcc_auditor")
    outsider = "rbkc_lead"
    identity_field = "title"
    edited_field = "title"
    list_queries = 3
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> Pact:
        n = self.seq()
        pact = Pact.objects.create(
            reference=f"IAA-{n:03d}",
            title=f"Tri-borough accord {n:03d}",
            starts_on=datetime.date(2012, 4, 1),
        )
        set_owner_shares(pact, {partner: Decimal("100")})
        return pact

    def sample(self, cast: Cast) -> Pact:
        # Co-owned with a former partner, whose name must not reach rbkc either.
        pact = self.make(cast, cast.wcc)
        set_owner_shares(pact, {cast.wcc: Decimal("60"), cast.lbhf: Decimal("40")})
        return pact

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "IAA-NEW",
            "title": "Yeoman accord",
            "starts_on": "2020-04-01",
            "ends_on": "",
            "summary": "",
            f"share_{partner.pk}": "100",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "IAA-NEW",
            "title": "Yeoman accord",
            "starts_on": "2020-04-01",
            "ends_on": None,
            "summary": "",
            "owner_shares": [{"partner": partner.code, "percentage": "100"}],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {
            "reference": obj.reference,
            "title": "Renamed accord",
            "starts_on": obj.starts_on.isoformat(),
            "ends_on": "",
            "summary": obj.summary,
        }
        for share in obj.owner_shares():
            data[f"share_{share.partner_id}"] = str(share.percentage)
        return data

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "title": "Renamed accord",
            "starts_on": obj.starts_on.isoformat(),
            "ends_on": None,
            "summary": obj.summary,
            "owner_shares": [
                {"partner": s.partner.code, "percentage": str(s.percentage)}
                for s in obj.owner_shares()
            ],
        }


def test_co_owned_pact_visible_to_each_owner(cast: Cast, client_for: Any) -> None:
    with system_scope("test data"):
        joint = Pact.objects.create(
            reference="IAA-J", title="Bi-borough accord", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
    for user in (cast.wcc_lead, cast.rbkc_lead, cast.rbkc_staff, cast.manager):
        assert client_for(user).get(f"/pacts/{joint.pk}/").status_code == 200, user
    assert client_for(cast.lbhf_lead).get(f"/pacts/{joint.pk}/").status_code in (302, 404)


# Errands: some people's own records ------------------------------------------------------------


class TestErrand(ModelFamily):
    """A requester's own records: they see theirs, their colleague sees none of them; the
    council's lead sees and manages every errand of the council, its auditor reads them."""

    model = Errand
    owner = "wcc"
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    own_person = "wcc_staff"
    colleague = "wcc_colleague"
    edited_field = "title"
    identity_field = "title"
    list_queries = 5
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> Errand:
        n = self.seq()
        asker = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
        return Errand.objects.create(partner=partner, title=f"Errand {n:03d}", requester=asker)

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"partner": partner.pk, "title": "Fetch the projector", "notes": ""}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"partner": obj.partner_id, "title": "Fetch the other projector", "notes": ""}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"partner": partner.code, "title": "Fetch the projector"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"partner": obj.partner.code, "title": "Fetch the other projector"}


def test_an_errand_added_by_a_requester_is_theirs_and_they_follow_it_up(cast, client_for):
    client = client_for(cast.wcc_staff)
    response = client.post(
        "/errands/new/", {"partner": cast.wcc.pk, "title": "New keyboard", "notes": ""}
    )
    assert response.status_code == 302
    with system_scope("test"):
        errand = Errand.objects.get(title="New keyboard")
    assert errand.requester == cast.wcc_staff
    assert client.get(f"/errands/{errand.pk}/").status_code == 200
    assert client_for(cast.wcc_colleague).get(f"/errands/{errand.pk}/").status_code == 404
    # The contact of an errand sees it too.
    with system_scope("test"):
        errand.contact = cast.wcc_colleague
        errand.save()
    assert client_for(cast.wcc_colleague).get(f"/errands/{errand.pk}/").status_code == 200
    # A requester cannot delete (the own grants are view and change), nor export.
    assert client.post(f"/errands/{errand.pk}/delete/").status_code == 403
    assert client.get("/errands/export/", {"format": "csv"}).status_code == 403


# Notices: for every council or chosen ones ------------------------------------------------------


class TestNotice(ModelFamily):
    """For chosen councils: their people read it, another council's people never see it; a
    council's lead writes those for their council."""

    model = Notice
    owner = "wcc"
    permitted = "wcc_lead"
    denied = ("wcc_staff", "wcc_auditor")
    outsider = "rbkc_lead"
    identity_field = "title"
    edited_field = "title"
    list_queries = 3
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> Notice:
        n = self.seq()
        notice = Notice.objects.create(title=f"Printer move {n:03d}", body="Floor 3 to floor 5.")
        set_audience(notice, [partner])
        return notice

    def sample(self, cast: Cast) -> Notice:
        # Also for a former partner, whose name must not reach rbkc either.
        notice = self.make(cast, cast.wcc)
        set_audience(notice, [cast.wcc, cast.lbhf])
        return notice

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"title": "Password reset day", "body": "", "councils": [partner.pk]}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"title": "Password reset day", "body": "", "councils": [partner.code]}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "title": "Renamed notice",
            "body": obj.body,
            # The page offers the councils one may write (a former partner is kept as it is).
            "councils": [p.pk for p in obj.audience() if not p.is_former],
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "title": "Renamed notice",
            "body": obj.body,
            "councils": [p.code for p in obj.audience()],
        }
