"""The asset register's pages beyond its generic ones, for the page template checks
(core.testing.visits): an asset's page with its actions (and a refused move), a configuration
item's impact (and a wrong depth), the end-of-support report (and a wrong horizon) and the
stock-take's overdue list."""

from __future__ import annotations

from typing import Any

from assets import services
from assets.tests.factories import asset, item, relate


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    laptop = asset(cast.wcc, asset_tag="WCC-PAGE-1", os_name="Windows 7 Professional")
    services.record_sighting(laptop, cast.wcc_lead, location="Desk 1")
    services.move(laptop, "deployed", cast.wcc_lead)
    app = item(cast.wcc, "Page housing system", "application")
    server = item(cast.wcc, "Page server", "server", asset=laptop)
    relate(app, "runs_on", server)
    lead = client_for(cast.wcc_lead)
    return [
        ("asset page", lambda: lead.get(f"/assets/{laptop.pk}/")),
        (
            "asset page, refused move",
            lambda: lead.post(f"/assets/{laptop.pk}/move/", {"to_state": "ordered"}),
        ),
        ("impact", lambda: lead.get(f"/configuration-items/{server.pk}/impact/", {"depth": 2})),
        (
            "impact, errors",
            lambda: lead.get(f"/configuration-items/{server.pk}/impact/", {"depth": 0}),
        ),
        ("end of support", lambda: lead.get("/assets/end-of-support/", {"months": 12})),
        ("end of support, errors", lambda: lead.get("/assets/end-of-support/", {"months": "x"})),
        ("stock-take due", lambda: lead.get("/assets/stock-take-due/")),
    ]
