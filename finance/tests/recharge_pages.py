"""The recharge pages beyond the generic ones, for the page template checks
(core.testing.visits; finance/tests/pages.py gathers every `*_pages` module): runs (and a
refused period), a run (with a refused approval), its confirm pages, a statement, "what if"
(empty, with errors, with an answer)."""

from __future__ import annotations

from typing import Any

from finance import recharging
from finance.choices import CostCategory
from finance.models import RechargeStatement
from finance.tests.recharge_factories import APRIL, fixed_rule, shared_cost


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    shared_cost("100.00")
    shared_cost("5.00", CostCategory.CONTRACT)  # no rule: the run shows a problem
    run = recharging.run_for(*APRIL)
    statement = RechargeStatement.objects.unscoped("pages").get(run=run, partner=cast.wcc)
    finance = client_for(cast.finance)
    lead = client_for(cast.wcc_lead)
    return [
        ("runs", lambda: finance.get("/recharge-runs/")),
        (
            "runs, errors",
            lambda: finance.post("/recharge-runs/", {"month": "x", "length": "month"}),
        ),
        ("run", lambda: finance.get(f"/recharge-runs/{run.pk}/")),
        ("approve", lambda: finance.get(f"/recharge-runs/{run.pk}/approve/")),
        ("approve, refused", lambda: finance.post(f"/recharge-runs/{run.pk}/approve/")),
        ("run again", lambda: finance.get(f"/recharge-runs/{run.pk}/rerun/")),
        ("statement", lambda: lead.get(f"/recharge-statements/{statement.pk}/")),
        ("what if", lambda: finance.get("/recharge-what-if/")),
        (
            "what if, errors",
            lambda: finance.get("/recharge-what-if/", {"change": "leave", "month": "x"}),
        ),
        (
            "what if, answered",
            lambda: finance.get(
                "/recharge-what-if/",
                {
                    "change": "leave",
                    "council": cast.rbkc.pk,
                    "month": "2026-04-01",
                    "length": "month",
                },
            ),
        ),
    ]
