"""Grants on one's own records (core.tenancy.access.COUNCIL_OWN_GRANTS): a requester reaches
the records that name them, through the one visibility rule, and nothing else of the area."""

from __future__ import annotations

from core.tenancy.access import ADD, CHANGE, DELETE, EXPORT, VIEW, Access, access_for
from core.tenancy.choices import CouncilRole


def test_a_requester_has_own_grants_in_the_service_desk_only():
    access = Access(user_id=1, roles_by_partner={7: {CouncilRole.REQUESTER}})
    assert access.own_partner_ids(VIEW, "servicedesk") == {7}
    assert access.own_partner_ids(CHANGE, "servicedesk") == {7}
    assert access.own_partner_ids(DELETE, "servicedesk") == set()
    assert access.own_partner_ids(VIEW, "assets") == set()
    assert access.partner_ids(VIEW, "servicedesk") == set()  # not every ticket of the council
    assert access.partner_ids(ADD, "servicedesk") == {7}
    # A record of their own, or the question whether they may anywhere (own records counting).
    assert access.can(VIEW, "servicedesk", [7], own=True)
    assert not access.can(VIEW, "servicedesk", [7], own=False)
    assert not access.can(VIEW, "servicedesk", [8], own=True)  # another council's
    assert access.can(VIEW, "servicedesk", own=True)
    assert not access.can(VIEW, "servicedesk")
    assert not access.can(EXPORT, "servicedesk", [7], own=True)


def test_a_lead_sees_every_record_and_has_no_own_only_grant():
    access = Access(user_id=1, roles_by_partner={7: {CouncilRole.REQUESTER, CouncilRole.LEAD}})
    assert access.partner_ids(VIEW, "servicedesk") == {7}
    assert access.own_partner_ids(VIEW, "servicedesk") == set()  # already every record


def test_staff_have_no_own_only_grants(cast):
    assert access_for(cast.agent).own_partner_ids(VIEW, "servicedesk") == set()
    assert access_for(cast.agent).partner_ids(VIEW, "servicedesk") is None
