"""The demo's changes: a handful on the forward schedule, dated from the day the demo runs.

`load_change_requests(run)` is part of the service desk's demo (``servicedesk/demo.py``'s
``load_demo_data`` calls it once the desk's services exist): a normal change affecting two
councils with one approval given and one awaited, a standard change scheduled, an emergency
change the service manager approved and that is under way, and a change overlapping the first
on the same service (still a draft), so that the schedule shows its warning. Each is found
again by its title, so a second run creates nothing.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from core.services import set_audience
from servicedesk import changes, notifications
from servicedesk.choices import ApprovalDecision, ChangeKind, ChangeLevel
from servicedesk.models import ChangeRequest, Service

LONDON = ZoneInfo("Europe/London")

#: (title, service, kind, risk, impact, councils, days ahead, start hour, hours, description,
#: backout plan, what happens next)
CHANGES: tuple[tuple[Any, ...], ...] = (
    (
        "Exchange Online mailbox patching",
        "Email and calendars",
        ChangeKind.NORMAL,
        ChangeLevel.MEDIUM,
        ChangeLevel.MEDIUM,
        ("wcc", "rbkc"),
        6,
        19,
        3,
        "Apply the monthly cumulative update to the hybrid Exchange servers.",
        "Uninstall the update and restart the servers from last night's snapshots.",
        "one approval",
    ),
    (
        "Mailbox storage increase",
        "Email and calendars",
        ChangeKind.NORMAL,
        ChangeLevel.LOW,
        ChangeLevel.LOW,
        ("wcc",),
        6,
        20,
        2,
        "Raise every Westminster mailbox's quota to 100 GB.",
        "Set the quota back to 50 GB.",
        "draft",
    ),
    (
        "Print release driver rollout",
        "Printing",
        ChangeKind.STANDARD,
        ChangeLevel.LOW,
        ChangeLevel.LOW,
        ("wcc",),
        3,
        7,
        2,
        "Push the new print release driver to every Westminster desktop.",
        "Push the previous driver again.",
        "scheduled",
    ),
    (
        "VPN certificate renewal",
        "Remote access",
        ChangeKind.EMERGENCY,
        ChangeLevel.HIGH,
        ChangeLevel.HIGH,
        ("wcc", "rbkc"),
        0,
        -1,
        2,
        "The VPN gateway's certificate expires tonight: renew and install it.",
        "Reinstall the old certificate (valid until midnight).",
        "in progress",
    ),
)


def _start(days: int, hour: int) -> datetime.datetime:
    """A time `days` from today at `hour` o'clock UK time (a negative hour: an hour ago)."""
    now = timezone.localtime(timezone.now(), LONDON)
    if hour < 0:
        return now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=hour)
    day = now.date() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def load_change_requests(run: Any) -> None:
    """The demo's changes (see the module's doc); counted in ``run.created["change requests"]``."""
    from core.tenancy.models import User

    agent = User.objects.get(username="agent")
    manager = User.objects.get(username="manager")
    with notifications.paused():
        for (
            title,
            service_name,
            kind,
            risk,
            impact,
            councils,
            days,
            hour,
            hours,
            description,
            backout,
            then,
        ) in CHANGES:
            if ChangeRequest.objects.unscoped("demo").filter(title=title).exists():
                continue
            partners = [run.partners[code] for code in councils if code in run.partners]
            if not partners:
                continue
            service = Service.objects.unscoped("demo").get_or_create(name=service_name)[0]
            start = _start(days, hour)
            with transaction.atomic():
                change = ChangeRequest(
                    title=title,
                    kind=kind,
                    risk=risk,
                    impact=impact,
                    service=service,
                    planned_start=start,
                    planned_end=start + datetime.timedelta(hours=hours),
                    description=description,
                    backout_plan=backout,
                    implementer=agent,
                )
                changes.number(change, agent)
                change.save()
                set_audience(change, partners)
                _advance(change, then, agent, manager, partners)
            run.created["change requests"] += 1


def _advance(
    change: ChangeRequest, then: str, agent: Any, manager: Any, partners: list[Any]
) -> None:
    """Take a new change to where the demo shows it."""
    from core.tenancy.models import User

    if then == "draft":
        return
    changes.submit(change, agent)
    if then == "one approval":
        lead = User.objects.filter(username=f"{partners[0].code}.lead").first()
        if lead is not None:
            changes.decide(change, lead, ApprovalDecision.APPROVED, "Fine out of hours.")
    elif then == "scheduled":
        changes.schedule(change, agent)
    elif then == "in progress":
        changes.decide(change, manager, ApprovalDecision.APPROVED, "Approved: outage tonight.")
        changes.start(change)
