"""The visibility mechanism: closed by default, one rule per ownership kind."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.scoping import ScopeError, system_scope
from core.services import set_owner_shares
from partners.models import Agreement, Partner, Site, SiteType

pytestmark = pytest.mark.django_db


def test_unscoped_query_raises(cast):
    with pytest.raises(ScopeError):
        list(Site.objects.all())
    with pytest.raises(ScopeError):
        Site.objects.count()
    with pytest.raises(ScopeError):
        Site.objects.filter(name="x").exists()
    with pytest.raises(ScopeError):
        Partner.objects.get(code="wcc")


def test_unscoped_subquery_raises(cast):
    with pytest.raises(ScopeError):
        list(Site.objects.visible_to(cast.manager).filter(partner__in=Partner.objects.all()))


def test_partner_owned_visibility(cast):
    with system_scope("test data"):
        w = Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        r = Site.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    assert list(Site.objects.visible_to(cast.wcc_lead)) == [w]
    assert list(Site.objects.visible_to(cast.wcc_staff)) == [w]
    assert list(Site.objects.visible_to(cast.rbkc_lead)) == [r]
    assert set(Site.objects.visible_to(cast.agent)) == {w, r}
    assert list(Site.objects.visible_to(cast.wcc_staff, "change")) == []
    assert list(Site.objects.visible_to(cast.wcc_lead, "change")) == [w]


def test_anonymous_sees_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    with system_scope("test data"):
        Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    assert list(Site.objects.visible_to(AnonymousUser())) == []
    assert list(Site.objects.visible_to(None)) == []


def test_co_owned_visibility(cast):
    with system_scope("test data"):
        joint = Agreement.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("40")})
        solo = Agreement.objects.create(
            reference="IAA-2", title="WCC only", starts_on=datetime.date(2012, 4, 1)
        )
        set_owner_shares(solo, {cast.wcc: Decimal("100")})
    assert set(Agreement.objects.visible_to(cast.wcc_lead)) == {joint, solo}
    assert list(Agreement.objects.visible_to(cast.rbkc_lead)) == [joint]
    assert set(Agreement.objects.visible_to(cast.manager)) == {joint, solo}


def test_owner_shares_must_sum_to_100(cast):
    from django.core.exceptions import ValidationError

    with system_scope("test data"):
        joint = Agreement.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2011, 4, 1)
        )
        with pytest.raises(ValidationError):
            set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("30")})


def test_catalogue_readable_by_all_signed_in(cast):
    with system_scope("test data"):
        office = SiteType.objects.create(name="Office")
    assert list(SiteType.objects.visible_to(cast.rbkc_staff)) == [office]
    assert list(SiteType.objects.visible_to(cast.agent)) == [office]
    assert list(SiteType.objects.visible_to(cast.rbkc_lead, "change")) == []
    assert list(SiteType.objects.visible_to(cast.agent, "change")) == [office]


def test_partner_visibility(cast):
    assert list(Partner.objects.visible_to(cast.wcc_lead)) == [cast.wcc]
    assert Partner.objects.visible_to(cast.manager).count() == 3


def test_owner_share_message_reads_plainly(cast):
    from django.core.exceptions import ValidationError

    with system_scope("test data"):
        joint = Agreement.objects.create(
            reference="IAA-9", title="Joint", starts_on=datetime.date(2011, 4, 1)
        )
        with pytest.raises(ValidationError) as caught:
            set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("30")})
    assert "not 90%" in str(caught.value)


@pytest.mark.parametrize(
    "payload", ['{"v":[null,1],"d":"n"}', '{"v":[{},1],"d":"n"}', '{"v":["a","x"],"d":"n"}']
)
def test_impossible_cursor_is_invalid_not_an_error(cast, payload):
    import base64

    from core.pagination import InvalidCursor, keyset_page

    cursor = base64.urlsafe_b64encode(payload.encode()).decode()
    with pytest.raises(InvalidCursor):
        keyset_page(Site.objects.visible_to(cast.manager), ["name"], cursor, 10)


def test_creation_of_a_shared_record_shows_in_each_owners_change_log(cast):
    from core.changelog import history_for

    with system_scope("test data"):
        joint = Agreement.objects.create(
            reference="IAA-7", title="Joint", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
    for auditor in (cast.wcc_auditor, cast.rbkc_lead):
        actions = list(history_for(joint, auditor).values_list("action", flat=True))
        assert actions == ["update", "create"]
    assert list(history_for(joint, cast.wcc_staff)) == []
