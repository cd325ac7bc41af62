"""The reporting demo: last months' packs for each council and the joint board.

Made after the year of KPI history (reporting/kpi_demo.py), from those figures, exactly as the
job makes them (reporting.packs.make_pack), but not emailed: the demo's people have no real
mailboxes. A second run finds them made and makes none.
"""

from django.utils import timezone

from core.demo import DemoRun
from reporting import dashboards, packs


def load_pack_demo(run: DemoRun) -> None:
    """Load last month's packs for each demo council and the joint board."""
    period = dashboards.add_months(dashboards.first_of_month(timezone.localdate()), -1)
    scopes = [
        partner
        for partner in sorted(run.partners.values(), key=lambda p: p.code)
        if partner.joined_on <= dashboards.month_end(period)
        and (partner.left_on is None or partner.left_on >= period)
    ]
    for scope in [*scopes, None]:
        _, made = packs.make_pack(scope, period)
        if made:
            run.created["monthly packs"] += 1
