"""The licences' own pages, with records to show and in their error states, for the page
template checks (core.testing.visits)."""

from __future__ import annotations

import datetime
from typing import Any

from core.tenancy.scoping import system_scope
from licences.models import LicenceAssignment
from licences.tests.factories import agreement, product


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    """(name, visit) pairs: each visit draws one page and returns the response."""
    today = datetime.date.today()
    office = product("Orrery Office")
    mine = agreement(
        "PV-W", {cast.wcc: 100}, quantity=2, of=office, renewal_on=today + datetime.timedelta(20)
    )
    agreement("PV-R", {cast.rbkc: 100}, quantity=3, unit_cost="90.00", of=office)
    with system_scope("test data"):
        LicenceAssignment.objects.create(agreement=mine, partner=cast.wcc, person=cast.wcc_staff)
    lead = client_for(cast.wcc_lead)
    return [
        ("compliance", lambda: lead.get("/licence-compliance/")),
        ("compliance, short only", lambda: lead.get("/licence-compliance/?shortfall_only=on")),
        ("compliance, errors", lambda: lead.get(f"/licence-compliance/?partner={cast.rbkc.pk}")),
        ("renewals", lambda: lead.get("/licence-renewals/?within=60")),
        ("renewals, errors", lambda: lead.get("/licence-renewals/?within=many")),
        ("joint licensing", lambda: lead.get("/joint-licensing/")),
    ]
