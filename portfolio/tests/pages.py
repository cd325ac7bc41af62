"""The portfolio's pages beyond the generic ones, for the page template checks
(core/tests/test_page_templates.py): the roadmap (and its error state) and a project's page
with its money and RAG history."""

from __future__ import annotations

import datetime
from typing import Any

from core.tenancy.scoping import system_scope
from portfolio.models import Milestone, ProjectReport
from portfolio.tests.factories import project


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    lead = client_for(cast.wcc_lead)

    def project_page() -> Any:
        made = project("PV-001", {cast.wcc: 100}, budget="1000.00")
        with system_scope("test data"):
            ProjectReport.objects.get_or_create(
                project=made,
                period=datetime.date(2026, 5, 1),
                defaults={
                    "rag_scope": "green",
                    "rag_time": "amber",
                    "rag_cost": "green",
                    "rag_risk": "red",
                    "narrative": "Late racks",
                },
            )
            Milestone.objects.get_or_create(
                project=made, name="Racks in", due_date=datetime.date(2026, 6, 1)
            )
        return lead.get(made.get_absolute_url())

    return [
        ("roadmap", lambda: lead.get("/portfolio/roadmap/?start=2026-04-01")),
        ("roadmap with an error", lambda: lead.get("/portfolio/roadmap/?start=someday")),
        ("project", project_page),
    ]
