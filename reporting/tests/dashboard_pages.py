"""The dashboards' and packs' pages, with figures and a pack to show, for the page template
checks (core.testing.visits, through reporting/tests/pages.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from reporting.models import KpiFigure, MonthlyPack


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    """(name, visit) pairs: each visit draws one page and returns the response."""
    today = timezone.localdate()
    KpiFigure.objects.unlogged("page visit figures").bulk_create(
        [
            KpiFigure(partner=cast.wcc, day=today, kpi="tickets_opened", numerator=Decimal(5)),
            KpiFigure(
                partner=cast.wcc,
                day=today,
                kpi="sla_met",
                numerator=Decimal(3),
                denominator=Decimal(4),
            ),
        ]
    )
    pack = MonthlyPack(
        partner=cast.wcc,
        period=datetime.date(2151, 1, 1),
        made_at=timezone.now(),
        size=9,
        sha256="0" * 64,
    )
    pack.file.save("page-visit.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    pack.save()
    lead, manager = client_for(cast.wcc_lead), client_for(cast.manager)
    return [
        ("dashboards", lambda: manager.get("/reports/dashboards/")),
        ("dashboard of a council", lambda: lead.get("/reports/dashboards/wcc/")),
        ("dashboard of the partnership", lambda: manager.get("/reports/dashboards/partnership/")),
        ("monthly packs", lambda: lead.get("/reports/packs/")),
        ("monthly packs of a council", lambda: lead.get("/reports/packs/wcc/")),
        ("monthly packs, none yet", lambda: manager.get("/reports/packs/partnership/")),
    ]
