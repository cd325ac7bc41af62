"""Switching a person off from the page (the shared-service manager's): their sessions and API
tokens end at once, and the change is logged; nobody else may."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from core.models import ChangeRecord
from core.tenancy.models import Membership
from core.testing.cast import PASSWORD, Cast

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post("/sign-in/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_manager_switches_off_a_person_at_once(cast: Cast) -> None:
    staff = signed_in("wcc.staff")
    token = Token.objects.create(user=cast.wcc_staff)
    manager = signed_in("manager")
    url = f"/people/{cast.wcc_staff.pk}/switch-off/"
    assert "will be signed out everywhere" in manager.get(url).content.decode()
    assert manager.post(url).status_code == 302
    cast.wcc_staff.refresh_from_db()
    assert not cast.wcc_staff.is_active
    assert not Token.objects.filter(pk=token.pk).exists()
    response = staff.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/sites/").status_code == 401
    logged = ChangeRecord.objects.unscoped("test").filter(object_id=cast.wcc_staff.pk)
    assert logged.filter(action="update").exists()
    assert "is already switched off" in manager.get(url).content.decode()


def test_the_persons_page_links_to_switching_them_off_for_the_manager_only(cast: Cast) -> None:
    membership = Membership.objects.unscoped("test").filter(user=cast.wcc_staff).first()
    assert membership is not None
    page = f"/memberships/{membership.pk}/"
    link = f'href="/people/{cast.wcc_staff.pk}/switch-off/"'
    assert link in signed_in("manager").get(page).content.decode()
    lead_page = signed_in("wcc.lead").get(page)
    assert lead_page.status_code == 200 and link not in lead_page.content.decode()
    own = Membership.objects.unscoped("test").filter(user=cast.manager).first()
    if own is not None:  # the manager's own page: nobody switches themselves off
        assert (
            "switch-off" not in signed_in("manager").get(f"/memberships/{own.pk}/").content.decode()
        )


def test_nobody_else_may(cast: Cast) -> None:
    for name in ("wcc.lead", "rbkc.lead", "wcc.colleague", "agent"):
        client = signed_in(name)
        assert client.get(f"/people/{cast.wcc_staff.pk}/switch-off/").status_code == 404
        assert client.post(f"/people/{cast.wcc_staff.pk}/switch-off/").status_code == 404
    cast.wcc_staff.refresh_from_db()
    assert cast.wcc_staff.is_active


def test_not_oneself(cast: Cast) -> None:
    manager = signed_in("manager")
    assert manager.post(f"/people/{cast.manager.pk}/switch-off/").status_code == 403


def test_ended_sessions_are_forgotten_at_the_next_sign_in(cast: Cast) -> None:
    from identity.models import PersonSession

    first = signed_in("wcc.staff")
    first.post("/sign-out/")
    signed_in("wcc.staff")
    second = signed_in("wcc.staff")
    second.session.flush()  # ended without signing out: its row stays until the next sign-in
    signed_in("wcc.staff")
    assert PersonSession.objects.filter(user=cast.wcc_staff).count() == 2
