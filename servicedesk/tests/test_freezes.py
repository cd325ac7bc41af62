"""Change freezes (servicedesk.freezes): the generic family, and the warning on a change's
page and the forward schedule when its window falls in a freeze for a council it affects."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from core.services import set_audience
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import ModelFamily
from servicedesk import changes
from servicedesk.freezes import freezes_for, freezes_over
from servicedesk.models import ChangeFreeze, ChangeRequest
from servicedesk.tests.test_generic import change_service

pytestmark = pytest.mark.django_db


def freeze(name: str, start: datetime.date, end: datetime.date, councils: list[Any]) -> Any:
    with system_scope("test data"):
        made = ChangeFreeze.objects.create(name=name, starts_on=start, ends_on=end)
        set_audience(made, councils)
    return made


def change(cast: Cast, start: datetime.datetime, councils: list[Any]) -> ChangeRequest:
    with system_scope("test data"), transaction.atomic():
        made = ChangeRequest(
            title="Core switch firmware",
            service=change_service(),
            planned_start=start,
            planned_end=start + datetime.timedelta(hours=3),
        )
        changes.number(made, cast.agent)
        made.save()
        set_audience(made, councils)
    return made


class TestChangeFreeze(ModelFamily):
    """Kept by the shared service for the councils they affect; those councils' people read
    them; another council's people never see one."""

    model = ChangeFreeze
    owner = "wcc"
    permitted = "agent"
    denied = ("wcc_lead", "wcc_auditor")
    outsider = "rbkc_lead"
    edited_field = "name"
    identity_field = "name"
    list_queries = 4
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> ChangeFreeze:
        n = self.seq()
        start = datetime.date(2027, 1, 1) + datetime.timedelta(days=n * 10)
        return freeze(
            f"Quillon freeze {n:03d}", start, start + datetime.timedelta(days=5), [partner]
        )

    def sample(self, cast: Cast) -> ChangeFreeze:
        # Also for a former partner, whose name must not reach rbkc either.
        made = self.make(cast, cast.wcc)
        with system_scope("test data"):
            set_audience(made, [cast.wcc, cast.lbhf])
        return made

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "Xerxes year-end close",
            "starts_on": "2027-03-25",
            "ends_on": "2027-04-05",
            "reason": "Closing the accounts",
            "councils": [partner.pk],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "name": "Renamed freeze",
            "starts_on": obj.starts_on.isoformat(),
            "ends_on": obj.ends_on.isoformat(),
            "reason": obj.reason,
            "councils": [p.pk for p in obj.audience() if not p.is_former],
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "Xerxes year-end close",
            "starts_on": "2027-03-25",
            "ends_on": "2027-04-05",
            "reason": "Closing the accounts",
            "councils": [partner.code],
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "name": "Renamed freeze",
            "starts_on": obj.starts_on.isoformat(),
            "ends_on": obj.ends_on.isoformat(),
        }


def test_a_freeze_ending_before_it_starts_is_refused_naming_the_last_day(cast, client_for):
    client = client_for(cast.agent)
    response = client.post(
        reverse("servicedesk:changefreeze_create"),
        {
            "name": "Backwards",
            "starts_on": "2027-04-05",
            "ends_on": "2027-04-01",
            "reason": "",
            "councils": [cast.wcc.pk],
        },
    )
    assert response.status_code == 200
    assert "The last day must be the same as or after the first day" in response.content.decode()
    api = client.post(
        "/api/v1/change-freezes/",
        {
            "name": "Backwards",
            "starts_on": "2027-04-05",
            "ends_on": "2027-04-01",
            "councils": ["wcc"],
        },
        content_type="application/json",
    )
    assert api.status_code == 400
    assert [e["field"] for e in api.json()["errors"]] == ["ends_on"]


def test_a_change_in_a_freeze_of_a_council_it_affects_is_warned_about(cast, client_for):
    window = datetime.datetime(2027, 3, 30, 20, tzinfo=datetime.UTC)
    year_end = freeze(
        "Year-end close", datetime.date(2027, 3, 25), datetime.date(2027, 4, 5), [cast.wcc]
    )
    freeze(
        "Kensington election count",
        datetime.date(2027, 3, 28),
        datetime.date(2027, 4, 2),
        [cast.rbkc],
    )
    freeze("Last year's close", datetime.date(2026, 3, 25), datetime.date(2026, 4, 5), [cast.wcc])
    wcc_change = change(cast, window, [cast.wcc])

    found = freezes_over(cast.agent, wcc_change)
    assert [f.name for f in found] == ["Year-end close"]
    assert freezes_for(cast.agent, [wcc_change]) == {wcc_change.pk: [year_end]}

    page = client_for(cast.wcc_lead).get(wcc_change.get_absolute_url()).content.decode()
    assert 'id="freezes"' in page
    assert "Year-end close" in page
    # The rbkc freeze is for a council the change does not affect, and wcc's lead cannot see it.
    assert "Kensington election count" not in page


def test_a_change_outside_every_freeze_has_no_warning(cast, client_for):
    freeze("Year-end close", datetime.date(2027, 3, 25), datetime.date(2027, 4, 5), [cast.wcc])
    later = change(cast, datetime.datetime(2027, 5, 10, 20, tzinfo=datetime.UTC), [cast.wcc])
    assert freezes_over(cast.agent, later) == []
    page = client_for(cast.agent).get(later.get_absolute_url()).content.decode()
    assert 'id="freezes"' not in page


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_the_forward_schedule_lists_the_freezes_and_marks_changes_in_them(cast, client_for):
    freeze("Year-end close", datetime.date(2027, 3, 25), datetime.date(2027, 4, 5), [cast.wcc])
    in_it = change(cast, datetime.datetime(2027, 3, 30, 20, tzinfo=datetime.UTC), [cast.wcc])
    with system_scope("test data"):
        changes.submit(in_it, cast.agent)
    page = (
        client_for(cast.agent)
        .get(reverse("servicedesk:changerequest_forward_schedule"))
        .content.decode()
    )
    assert 'id="change-freezes"' in page
    assert "Year-end close" in page
    assert "In a change freeze" in page
    outsider = (
        client_for(cast.rbkc_lead)
        .get(reverse("servicedesk:changerequest_forward_schedule"))
        .content.decode()
    )
    assert "Year-end close" not in outsider
