"""The impact walk: breadth first, one query per level, safe against cycles, never showing or
walking through an item the reader may not see; its page and API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets import services
from assets.tests.factories import asset, item, relate
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import content_of
from servicedesk.services import raise_ticket

pytestmark = pytest.mark.django_db


def estate(cast: Cast) -> dict[str, Any]:
    """A housing system on two servers, depending on a SQL cluster both councils share; a
    repairs service on the housing system; rbkc's CRM on the cluster too."""
    cluster = item({cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")}, "SQL cluster", "cluster")
    server_a = item(cast.wcc, "WCC-SRV-01", "server")
    server_b = item(cast.wcc, "WCC-SRV-02", "server")
    housing = item(cast.wcc, "Housing system", "application", owner=cast.wcc_lead)
    repairs = item(cast.wcc, "Housing repairs", "service")
    crm = item(cast.rbkc, "Dynamics CRM", "application", owner=cast.rbkc_lead)
    relate(housing, "runs_on", server_a)
    relate(housing, "runs_on", server_b)
    relate(housing, "depends_on", cluster)
    relate(repairs, "depends_on", housing)
    relate(crm, "depends_on", cluster)
    return locals()


def names(result: Any) -> list[tuple[str, int]]:
    return [(n.item.name, n.depth) for n in result.nodes]


def test_what_depends_on_the_cluster_as_the_shared_service(cast: Cast) -> None:
    e = estate(cast)
    result = services.impact(e["cluster"], cast.agent, depth=3)
    assert names(result) == [("Dynamics CRM", 1), ("Housing system", 1), ("Housing repairs", 2)]
    assert [c.code for c in result.councils] == sorted(
        ["wcc", "rbkc"], key=lambda c: {"wcc": "City", "rbkc": "Royal"}[c]
    )
    assert {p.username for p in result.people} == {"wcc.lead", "rbkc.lead"}
    assert {s.name for s in result.services} == {
        "Dynamics CRM",
        "Housing system",
        "Housing repairs",
    }


def test_depth_limits_the_walk(cast: Cast) -> None:
    e = estate(cast)
    assert names(services.impact(e["cluster"], cast.agent, depth=1)) == [
        ("Dynamics CRM", 1),
        ("Housing system", 1),
    ]
    with pytest.raises(ValidationError):
        services.impact(e["cluster"], cast.agent, depth=0)


def test_another_councils_items_are_not_shown(cast: Cast) -> None:
    e = estate(cast)
    result = services.impact(e["cluster"], cast.wcc_lead, depth=3)
    assert names(result) == [("Housing system", 1), ("Housing repairs", 2)]
    assert "Dynamics CRM" not in str([p.username for p in result.people])
    assert {p.username for p in result.people} == {"wcc.lead"}


def test_an_invisible_item_is_not_walked_through(cast: Cast) -> None:
    e = estate(cast)
    # wcc's portal depends on rbkc's CRM: wcc cannot see the CRM, so cannot reach the portal
    # through it from the cluster.
    portal = item(cast.wcc, "Resident portal", "service")
    with system_scope("test data"):
        from assets.models import CIRelationship

        CIRelationship.objects.create(source=portal, kind="depends_on", target=e["crm"])
    assert ("Resident portal", 2) in names(services.impact(e["cluster"], cast.agent, depth=3))
    assert "Resident portal" not in [
        n for n, _ in names(services.impact(e["cluster"], cast.wcc_lead, depth=3))
    ]


def test_cycles_end_and_each_item_is_reached_once(cast: Cast) -> None:
    a = item(cast.wcc, "A", "application")
    b = item(cast.wcc, "B", "application")
    c = item(cast.wcc, "C", "application")
    relate(a, "depends_on", b)
    relate(b, "depends_on", c)
    relate(c, "depends_on", a)
    relate(c, "connected_to", b)
    result = services.impact(a, cast.agent, depth=10)
    assert names(result) == [("C", 1), ("B", 2)]


def test_one_query_per_level_not_per_node(cast: Cast) -> None:
    hub = item(cast.wcc, "Hub", "cluster")
    for n in range(30):
        leaf = item(cast.wcc, f"Leaf {n:02d}", "application")
        relate(leaf, "depends_on", hub)
        relate(item(cast.wcc, f"Twig {n:02d}", "service"), "depends_on", leaf)
    services.impact(hub, cast.agent, depth=1)  # warm the content types
    with CaptureQueriesContext(connection) as queries:
        result = services.impact(hub, cast.agent, depth=3)
    assert len(result.nodes) == 60
    # Three levels (the third finds nothing), the items, the councils, the tickets.
    assert len(queries.captured_queries) <= 3 + 3 + 1


def test_open_tickets_on_affected_items(cast: Cast) -> None:
    e = estate(cast)
    with system_scope("test data"):
        ticket = raise_ticket(
            partner=cast.wcc, requester=cast.wcc_staff, subject="Housing system is slow"
        )
        ticket.configuration_item = e["housing"]
        ticket.save()
    result = services.impact(e["cluster"], cast.wcc_lead, depth=2)
    assert [t.reference for t in result.tickets] == [ticket.reference]
    assert services.impact(e["cluster"], cast.rbkc_lead, depth=2).tickets == []


def test_impact_page_and_api(cast: Cast, client_for: Any, api_client_for: Any) -> None:
    e = estate(cast)
    page = client_for(cast.wcc_lead).get(f"/configuration-items/{e['cluster'].pk}/impact/?depth=2")
    assert page.status_code == 200
    text = content_of(page)
    assert "Housing repairs" in text and "Dynamics CRM" not in text
    bad = client_for(cast.wcc_lead).get(f"/configuration-items/{e['cluster'].pk}/impact/?depth=99")
    assert bad.status_code == 400 and "Error:" in content_of(bad)
    api = api_client_for(cast.agent).get(
        f"/api/v1/configuration-items/{e['cluster'].pk}/impact/", {"depth": 2}
    )
    assert api.status_code == 200
    body = api.json()
    assert [(a["name"], a["depth"]) for a in body["affected"]] == [
        ("Dynamics CRM", 1),
        ("Housing system", 1),
        ("Housing repairs", 2),
    ]
    assert sorted(body["councils"]) == ["rbkc", "wcc"]
    refused = api_client_for(cast.agent).get(
        f"/api/v1/configuration-items/{e['cluster'].pk}/impact/", {"depth": 0}
    )
    assert refused.status_code == 400
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("depth", "Enter a depth from 1 to 10")
    ]
    outsider = api_client_for(cast.rbkc_lead).get(
        f"/api/v1/configuration-items/{e['housing'].pk}/impact/"
    )
    assert outsider.status_code == 404
    assert (
        client_for(cast.rbkc_lead)
        .get(f"/configuration-items/{e['housing'].pk}/impact/")
        .status_code
        == 404
    )


def test_a_hardware_asset_takes_part_through_its_item(cast: Cast, client_for: Any) -> None:
    box = asset(cast.wcc, asset_tag="WCC-SRV-01-HW", kind="server")
    server = item(cast.wcc, "WCC-SRV-HW", "server", asset=box)
    app = item(cast.wcc, "Payroll", "application")
    relate(app, "runs_on", server)
    page = content_of(client_for(cast.wcc_lead).get(f"/assets/{box.pk}/"))
    assert "WCC-SRV-HW" in page
    assert names(services.impact(server, cast.wcc_lead, 1)) == [("Payroll", 1)]
