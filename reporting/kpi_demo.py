"""The reporting demo: the year of KPI history, rolled up from the demo's records.

The demo's tickets (and the other apps' records) are written as they happened, over months;
this rolls up every day from the first of them (at most a year and a month back) to yesterday,
as `concord rollup --rebuild` would, and marks the change log as read, so the first nightly
job starts from here. A second run measures again and writes nothing (only what differs is
written)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from core.demo import DemoRun
from reporting import rollups
from reporting.models import RollupMark


def load_kpi_demo(run: DemoRun) -> None:
    """Load the year of KPI history, rolled up from the demo's records."""
    started = timezone.now()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    first = max(rollups.first_day(yesterday), yesterday - datetime.timedelta(days=400))
    written = rollups.rebuild(first, yesterday)
    run.created["KPI figures"] += written.created
    RollupMark.objects.update_or_create(
        name=rollups.NIGHTLY, defaults={"changes_read_until": started}
    )
