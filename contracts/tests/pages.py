"""The contracts app's pages beyond its generic ones, for the page template checks
(core.testing.visits): a contract's page with its dates and actions (and a refused notice),
the decisions-due list (and a wrong horizon), the transition view, a supplier's scorecard and
its merge (and a refused one)."""

from __future__ import annotations

import datetime
from typing import Any

from contracts.tests.factories import contract, supplier
from contracts.tests.publishing_pages import publishing_visits


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    made = contract(
        "PAGES-1",
        {cast.wcc: 100},
        start=datetime.date(2024, 4, 1),
        renewal="tacit",
        renewal_period_months=12,
        notice_months=3,
    )
    bt = supplier("Pages Telecom")
    other = supplier("Pages Other")
    lead = client_for(cast.wcc_lead)
    manager = client_for(cast.manager)
    # Frameworks, call-offs and purchasing.
    from contracts.tests.procurement_pages import procurement_page_visits

    return [
        *procurement_page_visits(cast, client_for),
        ("contract page", lambda: lead.get(f"/contracts/{made.pk}/", {"on": "2026-06-01"})),
        (
            "contract page, refused notice",
            lambda: lead.post(f"/contracts/{made.pk}/notice/", {"given_on": "soon"}),
        ),
        ("decisions due", lambda: lead.get("/contracts/decisions-due/", {"within": 3650})),
        ("decisions due, errors", lambda: lead.get("/contracts/decisions-due/", {"within": "x"})),
        ("transition", lambda: lead.get("/contracts/transition/")),
        ("scorecard", lambda: lead.get(f"/suppliers/{bt.pk}/scorecard/")),
        ("merge", lambda: manager.get(f"/suppliers/{other.pk}/merge/")),
        ("merge, errors", lambda: manager.post(f"/suppliers/{other.pk}/merge/", {})),
        # The published register's page.
        *publishing_visits(cast, client_for),
    ]
