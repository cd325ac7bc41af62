"""`unique_for_reader` (ConcordModel.reader_clashes), through the sample app's co-owned Pact: a
value is checked among the records the person can see, and only when it changes, so that no
council, by choosing a value, can stop another from editing its own records."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.api.testing import api_client
from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Pact

pytestmark = pytest.mark.django_db


def make_pact(reference: str, owners: dict) -> Pact:
    with system_scope("test data"):
        pact = Pact.objects.create(
            reference=reference, title=f"Pact {reference}", starts_on=datetime.date(2020, 1, 1)
        )
        set_owner_shares(pact, owners)
    return pact


def test_a_saved_record_is_checked_only_when_the_value_changes(cast):
    wcc = make_pact("P-1", {cast.wcc: Decimal("100")})
    rbkc = make_pact("P-1", {cast.rbkc: Decimal("100")})  # made where neither saw the other
    with system_scope("test"):
        loaded = Pact.objects.get(pk=rbkc.pk)
    assert loaded.reader_clashes(cast.manager) == {}
    loaded.title = "Renamed"
    assert loaded.reader_clashes(cast.manager) == {}
    loaded.reference = "p-1"  # a change (of capitals only): checked, and it clashes
    assert list(loaded.reader_clashes(cast.manager)) == ["reference"]
    loaded.reference = "P-2"
    assert loaded.reader_clashes(cast.manager) == {}
    # A new record is always checked; never against what the person cannot see.
    fresh = Pact(reference="P-1", title="New", starts_on=datetime.date(2021, 1, 1))
    assert list(fresh.reader_clashes(cast.manager)) == ["reference"]
    make_pact("W-9", {cast.wcc: Decimal("100")})
    fresh.reference = "W-9"
    assert fresh.reader_clashes(cast.rbkc_lead) == {}
    assert list(fresh.reader_clashes(cast.wcc_lead)) == ["reference"]
    assert wcc.pk != rbkc.pk


def test_both_records_sharing_a_value_stay_editable_by_page_and_api(cast, client_for):
    first = make_pact("P-1", {cast.wcc: Decimal("100")})
    second = make_pact("P-1", {cast.rbkc: Decimal("100")})
    for pact, partner in ((first, cast.wcc), (second, cast.rbkc)):
        response = api_client(cast.manager).patch(
            f"/api/v1/pacts/{pact.pk}/", {"title": "By API"}, format="json"
        )
        assert response.status_code == 200, response.content
        response = client_for(cast.manager).post(
            f"/pacts/{pact.pk}/edit/",
            {
                "reference": "P-1",
                "title": "By page",
                "starts_on": "2020-01-01",
                f"share_{partner.pk}": "100",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]


def test_a_natural_key_two_visible_records_share_is_a_plain_error_not_a_crash(cast):
    """A foreign key written as such a value, when two records the person sees share it."""
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from core.api.fields import ScopedSlugRelatedField

    make_pact("P-1", {cast.wcc: Decimal("100")})
    make_pact("P-1", {cast.rbkc: Decimal("100")})
    request = APIRequestFactory().get("/")
    request.user = cast.manager

    class PactChoice(serializers.Serializer):
        pact = ScopedSlugRelatedField(related_model=Pact, slug_field="reference")

    chosen = PactChoice(data={"pact": "P-1"}, context={"request": request})
    assert not chosen.is_valid()
    assert "More than one pact you may choose has reference “P-1”" in str(chosen.errors["pact"])
    request.user = cast.wcc_lead
    chosen = PactChoice(data={"pact": "P-1"}, context={"request": request})
    assert chosen.is_valid(), chosen.errors
