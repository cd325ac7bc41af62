"""The generic test families (core.testing.families) for reporting's KPI records: the daily
figures (read-only, made by the roll-ups: reporting/tests/test_rollups.py) and the
partnership's reporting setting (changed by the shared-service manager)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from core.testing.cast import Cast
from core.testing.families import ModelFamily
from reporting.models import KpiFigure, ReportingSettings

pytestmark = pytest.mark.django_db


class TestKpiFigure(ModelFamily):
    """A council's figures: its lead and auditor read them; another council's lead never
    sees them; nobody writes one (the roll-ups do)."""

    model = KpiFigure
    permitted = "wcc_lead"
    denied = ()
    outsider = "rbkc_lead"
    pages = frozenset({"list", "detail", "export"})
    api_actions = frozenset({"list", "retrieve", "export"})
    identity_field = "dimension"
    deletable = False
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> KpiFigure:
        # Days of their own from 1990 (the accessibility crawl makes every family's samples
        # in one database, and the figures are unique per council, KPI, dimension and day).
        n = self.seq()
        return KpiFigure.objects.create(
            partner=partner,
            day=datetime.date(1990, 1, 1) + datetime.timedelta(days=n),
            kpi="tickets_opened",
            dimension=f"queue:{90000 + n}",
            numerator=Decimal(n),
        )


class TestReportingSettings(ModelFamily):
    """The partnership's setting: the manager changes it, the desk's staff read it, no
    council role sees it."""

    model = ReportingSettings
    permitted = "manager"
    denied = ("agent",)
    outsider = None
    pages = frozenset({"list", "detail", "update", "history", "export"})
    api_actions = frozenset({"list", "retrieve", "update", "partial_update", "export"})
    edited_field = "note"
    identity_field = "note"
    deletable = False
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> ReportingSettings:
        return ReportingSettings.objects.create(note=f"Board minute {self.seq():03d}")

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"share_partnership_totals": "on", "note": "Agreed by the joint board"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"share_partnership_totals": True, "note": "Agreed by the joint board"}
