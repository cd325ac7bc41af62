"""The estate's Django admin (estate/admin.py), scoped like every page: querysets, the
councils offered, a former partner's records read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from estate.models import Site

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def test_admin_querysets_and_dropdowns_are_scoped(cast):
    with system_scope("test"):
        Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Site.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    request = RequestFactory().get("/django-admin/")
    request.user = cast.wcc_lead
    site_admin = admin_site._registry[Site]
    assert [s.name for s in site_admin.get_queryset(request)] == ["City Hall"]
    partner_field: Any = Site._meta.get_field("partner")
    field: Any = site_admin.formfield_for_foreignkey(partner_field, request)
    assert list(field.queryset) == [cast.wcc]
    request.user = cast.manager
    assert len(site_admin.get_queryset(request)) == 2


@pytest.fixture
def superuser(cast):
    from core.testing.cast import make_user

    return make_user("root", is_superuser=True, is_staff=True)


def admin_site_data(partner: Partner, code: str = "NEW") -> dict[str, Any]:
    return {
        "partner": partner.pk,
        "code": code,
        "name": "Back office site",
        "site_type": "",
        "address": "",
        "postcode": "",
        "uprn": "",
        "is_active": "on",
    }


def test_admin_offers_only_partners_the_person_may_write(cast, superuser, client_for):
    client = client_for(superuser)
    text = page(client.get("/django-admin/estate/site/add/"))
    options = text.split('name="partner"', 1)[1].split("</select>", 1)[0]
    assert f'value="{cast.wcc.pk}"' in options and f'value="{cast.rbkc.pk}"' in options
    assert f'value="{cast.lbhf.pk}"' not in options
    with system_scope("test"):
        site = Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    text = page(client.get(f"/django-admin/estate/site/{site.pk}/change/"))
    options = text.split('name="partner"', 1)[1].split("</select>", 1)[0]
    assert f'value="{cast.lbhf.pk}"' not in options and f'value="{cast.rbkc.pk}"' in options


def test_admin_refuses_a_record_for_a_former_partner(cast, superuser, client_for):
    """lbhf left in 2018: the back office can no more add its records than the pages can."""
    client = client_for(superuser)
    response = client.post("/django-admin/estate/site/add/", admin_site_data(cast.lbhf))
    assert response.status_code == 200
    assert "Select a valid choice" in page(response)
    with system_scope("test"):
        site = Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        assert not Site.objects.filter(code="NEW").exists()
    # Nor move a record to it.
    response = client.post(
        f"/django-admin/estate/site/{site.pk}/change/", admin_site_data(cast.lbhf, "CH")
    )
    assert response.status_code == 200
    site.refresh_from_db()
    assert site.partner_id == cast.wcc.pk
    # A current partner is fine.
    response = client.post("/django-admin/estate/site/add/", admin_site_data(cast.rbkc))
    assert response.status_code == 302
    with system_scope("test"):
        assert Site.objects.get(code="NEW").partner_id == cast.rbkc.pk


def test_admin_former_partners_records_are_read_only(cast, superuser, client_for):
    with system_scope("test"):
        old = Site.objects.create(partner=cast.lbhf, code="OLD", name="Old Town Hall")
    client = client_for(superuser)
    response = client.get(f"/django-admin/estate/site/{old.pk}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in page(response)  # shown, not editable
    response = client.post(
        f"/django-admin/estate/site/{old.pk}/change/", admin_site_data(cast.lbhf, "OLD")
    )
    assert response.status_code == 403
    old.refresh_from_db()
    assert old.name == "Old Town Hall"


def test_admin_save_refuses_a_partner_the_form_should_not_have_offered(cast, superuser, rf):
    """The save checks again, in case a form (a custom one, say) let a former partner through."""
    from django.core.exceptions import PermissionDenied

    site_admin = admin_site._registry[Site]
    request = rf.post("/django-admin/estate/site/add/")
    request.user = superuser
    site = Site(partner=cast.lbhf, code="X", name="Sneaky")
    with pytest.raises(PermissionDenied):
        site_admin.save_model(request, site, form=None, change=False)
    with system_scope("test"):
        assert not Site.objects.filter(code="X").exists()
