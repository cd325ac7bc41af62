"""The asset register's demo (assets/demo.py): a realistic estate per council, once however
often `concord demo` runs."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from assets import services
from assets.models import Asset, CIRelationship, ConfigurationItem, Disposal
from core.tenancy.models import User
from core.tenancy.scoping import system_scope

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]


def run() -> None:
    call_command("demo", "--through", "assets", stdout=io.StringIO(), stderr=io.StringIO())


def test_demo_loads_an_estate_once() -> None:
    run()
    with system_scope("test"):
        counts = (
            Asset.objects.count(),
            ConfigurationItem.objects.count(),
            CIRelationship.objects.count(),
        )
        assert counts[0] >= 40 and counts[1] >= 12 and counts[2] >= 12
        assert Asset.objects.filter(eol_release="7-sp1").exists()
        assert Asset.objects.filter(eol_release="2012-r2").count() >= 2
        assert Disposal.objects.count() == 1
        cluster = ConfigurationItem.objects.get(name="Bi-borough SQL Server cluster")
        assert {s.partner.code for s in cluster.owner_shares()} == {"wcc", "rbkc"}
    run()
    with system_scope("test"):
        assert (
            Asset.objects.count(),
            ConfigurationItem.objects.count(),
            CIRelationship.objects.count(),
        ) == counts
    wcc_lead = User.objects.get(username="wcc.lead")
    impact = services.impact(cluster, wcc_lead, 3)
    names = {n.item.name for n in impact.nodes}
    assert {"Housing management system", "Housing repairs service"} <= names
    assert "Microsoft Dynamics 365 CRM" not in names
    agent = User.objects.get(username="agent")
    assert "Microsoft Dynamics 365 CRM" in {
        n.item.name for n in services.impact(cluster, agent, 3).nodes
    }
    assert services.end_of_support(wcc_lead, 0).exists()
    assert services.overdue_for_check(wcc_lead).exists()
