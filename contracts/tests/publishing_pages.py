"""The published register's page, with councils to show, for the page template checks
(core.testing.visits, through contracts/tests/pages.py)."""

from __future__ import annotations

from typing import Any

from contracts.tests.test_publishing import contract, settings_for


def publishing_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    """(name, visit) pairs: the register page as a lead and as the shared service."""
    settings_for(cast.wcc, "ocds-b5fd17-wcc")
    contract("PV-PUB-1", {cast.wcc: 60, cast.rbkc: 40})
    lead = client_for(cast.wcc_lead)
    manager = client_for(cast.manager)
    return [
        ("contracts register", lambda: lead.get("/contracts/register/")),
        ("contracts register, every council", lambda: manager.get("/contracts/register/")),
    ]
