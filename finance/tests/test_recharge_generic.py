"""The generic test families (core.testing.families) for the recharge records: runs and
statements (read-only: made by the run service, finance/tests/test_recharge_runs.py) and
adjustments (pages and API)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from core.testing.cast import Cast
from core.testing.families import ModelFamily
from finance.models import RechargeAdjustment, RechargeRun, RechargeStatement, RunStatus

pytestmark = pytest.mark.django_db


def a_run(n: int, status: str = RunStatus.DRAFT) -> RechargeRun:
    """A run for month `n` after January 2000 (a record alone, with no costs)."""
    start = datetime.date(2000 + n // 12, n % 12 + 1, 1)
    end = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )
    return RechargeRun.objects.create(
        period_start=start, period_end=end, status=status, total=Decimal("100.00")
    )


class TestRechargeRun(ModelFamily):
    """Runs: read by whoever reads finance, never written through the generic API."""

    model = RechargeRun
    permitted = "finance"
    denied = ()
    outsider = None
    pages = frozenset()
    api_actions = frozenset({"list", "retrieve", "export"})
    identity_field = "inputs_digest"
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> RechargeRun:
        n = self.seq()
        run = a_run(n)
        run.inputs_digest = f"{n:064x}"
        run.save()
        return run


class TestRechargeStatement(ModelFamily):
    """A council's statement: its finance officer and lead read it; another council's lead
    never sees it."""

    model = RechargeStatement
    permitted = "wcc_lead"
    denied = ()
    outsider = "rbkc_lead"
    pages = frozenset()
    api_actions = frozenset({"list", "retrieve", "export"})
    identity_field = "total"
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> RechargeStatement:
        # Months of their own (from 2083), apart from the runs family's and the adjustments'
        # (the accessibility crawl makes every family's samples in one database).
        n = 1000 + self.seq()
        run = a_run(n)
        run.inputs_digest = f"{n:064x}"
        run.save()
        return RechargeStatement.objects.create(run=run, partner=partner, total=Decimal(f"{n}.17"))

    def search_term(self, obj: Any) -> str:
        return obj.run.inputs_digest


class TestRechargeAdjustment(ModelFamily):
    """A correction of an approved run for one council."""

    model = RechargeAdjustment
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "reason"
    identity_field = "reason"
    list_queries = 7
    api_list_queries = 4

    def approved(self) -> RechargeRun:
        found = RechargeRun.objects.unscoped("test").filter(status=RunStatus.APPROVED).first()
        return found or a_run(500 + self.seq(), RunStatus.APPROVED)

    def make(self, cast: Cast, partner: Any) -> RechargeAdjustment:
        n = self.seq()
        return RechargeAdjustment.objects.create(
            partner=partner,
            amount=Decimal("-12.50"),
            reason=f"Overcharged licence seats {n:03d}",
            corrects_run=self.approved(),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "corrects_run": self.approved().pk,
            "amount": "25.00",
            "reason": "Undercharged hardware",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "partner": partner.code}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "corrects_run": obj.corrects_run_id,
            "amount": str(obj.amount),
            "reason": "Corrected reason",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "partner": obj.partner.code}
