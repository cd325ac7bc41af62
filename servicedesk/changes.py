"""The rules of change requests, for pages, API, jobs and tests alike.

- **Kinds.** A standard change is pre-approved: submitting it approves it. A normal change needs
  the approval of the lead of every council it affects (one `ChangeApproval` per current
  affected council, made when it is submitted). An emergency change is approved by the first
  approval of any affected council's lead, or by the service manager (recorded as
  ``approved_by``); the other councils' approvals are then not needed. For both, one rejection
  rejects the change (the reason is the rejecting council's comment).
- **Life.** draft → (submit) awaiting approval → approved → (schedule) scheduled → (start) in
  progress → completed or failed; rejected changes are edited and submitted again (which
  resets every approval to pending); anything not finished may be cancelled.
- **Edits.** A finished change takes none. While a change awaits approval its approvals follow
  its councils (a council added is asked, one taken away loses its approval), and a change to
  what was approved (window, service, risk, impact, backout plan) asks every council again;
  an approved or scheduled change so edited goes back to awaiting approval. The kind changes
  only in draft or once rejected.
- **Overlaps.** Changes to the same service whose windows overlap are a warning, never a
  refusal: `overlapping` lists those the reader can see.

Who may call each function at all is the grant tables' (areas ``changes`` and ``approvals``,
core.tenancy.access), checked by the caller through `change_actions`; what only the change's
state knows is checked here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import feeds
from core.numbering import next_number
from core.tenancy.access import CHANGE, access_for
from core.tenancy.models import Partner
from servicedesk import notifications
from servicedesk.choices import (
    CLOSED_CHANGE_STATUSES,
    NOT_HAPPENING_STATUSES,
    ApprovalDecision,
    ChangeKind,
    ChangeStatus,
)
from servicedesk.models import ChangeApproval, ChangeRequest

#: What an approval is given for: a change to any of these asks the councils again.
APPROVED_FIELDS = (
    "service_id",
    "planned_start",
    "planned_end",
    "risk",
    "impact",
    "backout_plan",
    "kind",
)

#: The actions on a change's page and in the API, in the order the page shows them.
ACTIONS = ("submit", "approve", "reject", "schedule", "start", "complete", "fail", "cancel")

#: The statuses each action starts from.
FROM: dict[str, frozenset[str]] = {
    "submit": frozenset({ChangeStatus.DRAFT, ChangeStatus.REJECTED}),
    "approve": frozenset({ChangeStatus.AWAITING_APPROVAL}),
    "reject": frozenset({ChangeStatus.AWAITING_APPROVAL}),
    "schedule": frozenset({ChangeStatus.APPROVED}),
    "start": frozenset({ChangeStatus.APPROVED, ChangeStatus.SCHEDULED}),
    "complete": frozenset({ChangeStatus.IN_PROGRESS}),
    "fail": frozenset({ChangeStatus.IN_PROGRESS}),
    "cancel": frozenset(
        {
            ChangeStatus.DRAFT,
            ChangeStatus.AWAITING_APPROVAL,
            ChangeStatus.APPROVED,
            ChangeStatus.REJECTED,
            ChangeStatus.SCHEDULED,
        }
    ),
}


# Reading ------------------------------------------------------------------------------------


def affected_councils(change: ChangeRequest) -> list[Any]:
    """The current councils a change affects (every current council, for one for all): those
    asked to approve it. A council that has left the partnership decides nothing."""
    today = timezone.localdate()
    current = Partner.objects.unscoped("the councils a change affects").filter(
        Q(left_on__isnull=True) | Q(left_on__gt=today)
    )
    if not change.for_all_councils:
        current = current.filter(pk__in=change.owning_partner_ids())
    return list(current.order_by("name"))


def approvals_of(change: ChangeRequest) -> Any:
    """Every approval of a change (whoever asks: the rules need them all)."""
    return ChangeApproval.objects.unscoped("a change's approvals, for its rules").filter(
        change=change
    )


def decidable(person: Any, change: ChangeRequest) -> list[ChangeApproval]:
    """The pending approvals of `change` that `person` decides: those of the councils where
    a council role of theirs grants changing approvals (a council's lead). The shared
    service's grant does not make anyone a council's voice (see `may_decide_as_service`)."""
    access = access_for(person)
    councils = [
        pid for pid in access.roles_by_partner if CHANGE in access.council_actions(pid, "approvals")
    ]
    if not councils or change.status != ChangeStatus.AWAITING_APPROVAL:
        return []
    return list(
        ChangeApproval.objects.visible_to(person, CHANGE)
        .filter(change=change, partner_id__in=councils, decision=ApprovalDecision.PENDING)
        .select_related("partner")
        .order_by("partner__name")
    )


def may_decide_as_service(person: Any, change: ChangeRequest) -> bool:
    """The service manager (whoever the grant tables let change every council's approvals)
    approves or rejects an emergency change on the service's behalf."""
    return (
        change.kind == ChangeKind.EMERGENCY
        and change.status == ChangeStatus.AWAITING_APPROVAL
        and access_for(person).partner_ids(CHANGE, "approvals") is None
    )


def change_actions(person: Any, change: ChangeRequest) -> dict[str, bool]:
    """What `person` may do to `change` now (from its page or the API); they can see it."""
    access = access_for(person)
    works = access.can(CHANGE, ChangeRequest.area, change.owning_partner_ids())
    allowed: dict[str, bool] = {}
    for name in ACTIONS:
        if change.status not in FROM[name]:
            allowed[name] = False
        elif name in ("approve", "reject"):
            allowed[name] = bool(decidable(person, change)) or may_decide_as_service(person, change)
        else:
            allowed[name] = works
    return allowed


def overlapping(change: ChangeRequest, person: Any) -> list[ChangeRequest]:
    """The other changes to the same service whose windows overlap this one's, among those
    `person` can see (never one they cannot), leaving out changes that will not happen."""
    if change.status in NOT_HAPPENING_STATUSES or not change.service_id:
        return []
    if not change.planned_start or not change.planned_end:
        return []
    found = overlaps_for([change], person)
    return found.get(change.pk, [])


def overlaps_for(changes: Iterable[ChangeRequest], person: Any) -> dict[Any, list[ChangeRequest]]:
    """`overlapping` for many changes in one query: by each change's pk."""
    rows = [
        c
        for c in changes
        if c.status not in NOT_HAPPENING_STATUSES
        and c.service_id
        and c.planned_start
        and c.planned_end
    ]
    if not rows:
        return {}
    window = Q()
    for c in rows:
        window |= Q(
            service_id=c.service_id,
            planned_start__lt=c.planned_end,
            planned_end__gt=c.planned_start,
        )
    others = list(
        ChangeRequest.objects.visible_to(person)
        .exclude(status__in=sorted(NOT_HAPPENING_STATUSES))
        .filter(window)
        .only("pk", "reference", "title", "service_id", "planned_start", "planned_end", "status")
        .order_by("planned_start", "pk")
    )
    found: dict[Any, list[ChangeRequest]] = defaultdict(list)
    for c in rows:
        for other in others:
            if (
                other.pk != c.pk
                and other.service_id == c.service_id
                and other.planned_start < c.planned_end
                and other.planned_end > c.planned_start
            ):
                found[c.pk].append(other)
    return dict(found)


# Raising and editing --------------------------------------------------------------------------


def number(change: ChangeRequest, requested_by: Any) -> ChangeRequest:
    """Give a new change its number (CHG0000001, across the service) and who asked for it.
    Call inside the transaction that saves it."""
    change.number = next_number("servicedesk.changerequest")
    change.reference = ChangeRequest.format_reference(change.number)
    change.requested_by = requested_by
    change.status = ChangeStatus.DRAFT
    return change


def snapshot(change: ChangeRequest) -> dict[str, Any]:
    """What the approvals were given for, before an edit: `after_edit` compares with it."""
    loaded = dict(change._loaded_values or {}) if change.pk else {}
    loaded["councils"] = sorted(change.owning_partner_ids()) if change.pk else []
    return loaded


def check_editable(change: ChangeRequest) -> None:
    """A finished change takes no edits."""
    if change.pk and change.status in CLOSED_CHANGE_STATUSES:
        raise ValidationError(
            f"{change.reference} is {change.get_status_display().lower()}: it can no longer be "
            "changed"
        )


@transaction.atomic
def after_edit(change: ChangeRequest, before: dict[str, Any], by: Any = None) -> ChangeRequest:
    """Keep a change's approvals in step with an edit just saved (see the module's doc)."""
    if not before:
        return change
    if before.get("status") in CLOSED_CHANGE_STATUSES:
        raise ValidationError(
            f"{change.reference} is {change.get_status_display().lower()}: it can no longer be "
            "changed"
        )
    now = change.tracked_values()
    if before.get("kind") != now.get("kind") and change.status not in (
        ChangeStatus.DRAFT,
        ChangeStatus.REJECTED,
    ):
        raise ValidationError(
            {"kind": "Change the kind while the change is a draft or after it is rejected"}
        )
    councils_moved = sorted(change.owning_partner_ids()) != before.get("councils", [])
    terms_moved = any(
        _comparable(before.get(name)) != _comparable(now.get(name)) for name in APPROVED_FIELDS
    )
    if change.kind == ChangeKind.STANDARD or not (councils_moved or terms_moved):
        return change
    if change.status == ChangeStatus.AWAITING_APPROVAL:
        _ask(change, reset=terms_moved)
    elif change.status in (ChangeStatus.APPROVED, ChangeStatus.SCHEDULED):
        change.status = ChangeStatus.AWAITING_APPROVAL
        change.approved_at = None
        change.approved_by = None
        change.save()
        _ask(change, reset=True)
    return change


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        parsed = _parse_time(value)
        return parsed if parsed is not None else value
    return value


def _parse_time(value: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


def _ask(change: ChangeRequest, *, reset: bool) -> None:
    """Make the approvals match the change's current councils: a new council is asked, a
    council no longer affected loses its approval; with `reset`, every decision goes back to
    pending. Each council newly asked is told ("approval needed")."""
    wanted = {p.pk: p for p in affected_councils(change)}
    if not wanted:
        raise ValidationError(
            {"councils": "A change needs at least one current council to approve it"}
        )
    existing = {a.partner_id: a for a in approvals_of(change)}
    for pid, approval in existing.items():
        if pid not in wanted:
            approval.delete()
    for pid in wanted:
        approval = existing.get(pid)
        if approval is None:
            approval = ChangeApproval(change=change, partner_id=pid)
        elif approval.decision == ApprovalDecision.PENDING or (
            not reset and approval.decision != ApprovalDecision.NOT_NEEDED
        ):
            continue  # asked already, or decided and not to be asked again
        approval.decision = ApprovalDecision.PENDING
        approval.decided_by = None
        approval.decided_at = None
        approval.comment = ""
        approval.save()
        notifications.notify_change("approval_needed", change, approval)
    _settle(change, by=None)


# Actions --------------------------------------------------------------------------------------


def _require(change: ChangeRequest, action: str) -> None:
    if change.status not in FROM[action]:
        raise ValidationError(
            f"{change.reference} is {change.get_status_display().lower()}: it cannot be "
            f"{_PAST[action]} now"
        )


_PAST = {
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "schedule": "scheduled",
    "start": "started",
    "complete": "completed",
    "fail": "marked failed",
    "cancel": "cancelled",
}


@transaction.atomic
def submit(change: ChangeRequest, by: Any = None) -> ChangeRequest:
    """Submit a change: a standard one is approved at once; a normal or emergency one awaits
    the approval of the councils it affects, every one asked afresh."""
    _require(change, "submit")
    now = timezone.now()
    change.submitted_at = now
    if change.kind == ChangeKind.STANDARD:
        change.status = ChangeStatus.APPROVED
        change.approved_at = now
        change.approved_by = None
        change.save()
        return change
    change.status = ChangeStatus.AWAITING_APPROVAL
    change.approved_at = None
    change.approved_by = None
    change.save()
    _ask(change, reset=True)
    return change


@transaction.atomic
def decide(
    change: ChangeRequest,
    person: Any,
    decision: str,
    comment: str = "",
    partner: Any = None,
) -> ChangeRequest:
    """`person` approves or rejects `change`: for the council `partner` (one whose approval
    they decide; None: their only one), or, for an emergency change and the service manager,
    on the service's behalf. A rejection says why."""
    action = "approve" if decision == ApprovalDecision.APPROVED else "reject"
    if decision not in (ApprovalDecision.APPROVED, ApprovalDecision.REJECTED):
        raise ValueError(f"Not a decision: {decision}")
    _require(change, action)
    comment = (comment or "").strip()
    if decision == ApprovalDecision.REJECTED and not comment:
        raise ValidationError({"comment": "Say why the change is rejected"})
    mine = decidable(person, change)
    if partner is not None:
        mine = [a for a in mine if a.partner_id == getattr(partner, "pk", partner)]
        if not mine:
            raise ValidationError({"council": "You do not decide for that council on this change"})
    now = timezone.now()
    if not mine:
        if not may_decide_as_service(person, change):
            raise ValidationError("You have no approval to give on this change")
        _close_pending(change, person, now)
        return _conclude(change, decision, person, now)
    if len(mine) > 1 and partner is None:
        raise ValidationError({"council": "Say which council you decide for"})
    approval = mine[0]
    approval.decision = decision
    approval.decided_by = person
    approval.decided_at = now
    approval.comment = comment
    approval.save()
    return _settle(change, by=person)


def may_decide_approval(person: Any, approval: ChangeApproval) -> bool:
    """Whether `approval` is one `person` decides now: pending, its change awaiting approval,
    and its council's lead is them (`decidable`)."""
    return any(a.pk == approval.pk for a in decidable(person, approval.change))


def decides_for(person: Any, approval: ChangeApproval) -> bool:
    """Whether `person` is the voice of the approval's council (whatever its state now)."""
    return CHANGE in access_for(person).council_actions(approval.partner_id, "approvals")


def decide_approval(
    approval: ChangeApproval, person: Any, decision: str, comment: str = ""
) -> ChangeRequest:
    """`person` approves or rejects the change for the approval's council: `decide`, as the
    change's page does, for that council. One already decided, or a change no longer awaiting
    approval, is refused on ``decision``, naming what it is."""
    change = approval.change
    if change.status != ChangeStatus.AWAITING_APPROVAL:
        raise ValidationError(
            {
                "decision": f"{change.reference} is {change.get_status_display().lower()}: "
                "it awaits no decision"
            }
        )
    if approval.decision != ApprovalDecision.PENDING:
        raise ValidationError(
            {
                "decision": f"{approval.partner.name}'s decision on {change.reference} is "
                f"made: {approval.get_decision_display().lower()}"
            }
        )
    return decide(change, person, decision, comment, approval.partner)


def _settle(change: ChangeRequest, by: Any) -> ChangeRequest:
    """Decide the change from its approvals: a rejection rejects it; for an emergency change
    one approval approves it; for a normal change every approval must be given."""
    if change.status != ChangeStatus.AWAITING_APPROVAL:
        return change
    decisions = [a.decision for a in approvals_of(change)]
    now = timezone.now()
    if ApprovalDecision.REJECTED in decisions:
        _close_pending(change, None, now)
        return _conclude(change, ApprovalDecision.REJECTED, by, now)
    approved = decisions and all(d == ApprovalDecision.APPROVED for d in decisions)
    if approved or (change.kind == ChangeKind.EMERGENCY and ApprovalDecision.APPROVED in decisions):
        _close_pending(change, None, now)
        return _conclude(change, ApprovalDecision.APPROVED, by, now)
    return change


def _close_pending(change: ChangeRequest, by: Any, now: datetime.datetime) -> None:
    for approval in approvals_of(change).filter(decision=ApprovalDecision.PENDING):
        approval.decision = ApprovalDecision.NOT_NEEDED
        approval.decided_at = now
        approval.decided_by = by
        approval.save()


def _conclude(
    change: ChangeRequest, decision: str, by: Any, now: datetime.datetime
) -> ChangeRequest:
    if decision == ApprovalDecision.APPROVED:
        change.status = ChangeStatus.APPROVED
        change.approved_at = now
        change.approved_by = by
        change.save()
        notifications.notify_change("approved", change)
    else:
        change.status = ChangeStatus.REJECTED
        change.save()
        notifications.notify_change("rejected", change)
    return change


def rejection_reasons(change: ChangeRequest) -> list[ChangeApproval]:
    """The rejections of a change (each its council's and reason), for whoever asks (the
    caller shows only those the reader can see)."""
    return list(
        approvals_of(change)
        .filter(decision=ApprovalDecision.REJECTED)
        .select_related("partner", "decided_by")
    )


@transaction.atomic
def schedule(change: ChangeRequest, implementer: Any = None) -> ChangeRequest:
    """Put an approved change on the schedule, with who carries it out."""
    _require(change, "schedule")
    if implementer is not None:
        change.implementer = implementer
    if change.implementer_id is None:
        raise ValidationError({"implementer": "Say who will carry the change out"})
    change.status = ChangeStatus.SCHEDULED
    change.save()
    return change


@transaction.atomic
def start(change: ChangeRequest) -> ChangeRequest:
    """The implementation has begun."""
    _require(change, "start")
    change.status = ChangeStatus.IN_PROGRESS
    change.started_at = timezone.now()
    change.save()
    return change


@transaction.atomic
def finish(change: ChangeRequest, succeeded: bool, outcome: str = "") -> ChangeRequest:
    """The implementation is over: completed, or failed (saying what happened)."""
    _require(change, "complete" if succeeded else "fail")
    outcome = (outcome or "").strip()
    if not succeeded and not outcome:
        raise ValidationError({"outcome": "Say what went wrong"})
    change.status = ChangeStatus.COMPLETED if succeeded else ChangeStatus.FAILED
    change.finished_at = timezone.now()
    change.outcome = outcome
    change.save()
    return change


@transaction.atomic
def cancel(change: ChangeRequest) -> ChangeRequest:
    """The change will not happen: approvals still pending are no longer needed."""
    _require(change, "cancel")
    change.status = ChangeStatus.CANCELLED
    change.save()
    _close_pending(change, None, timezone.now())
    return change


# The calendar feed's secret -------------------------------------------------------------------


#: The name of the forward schedule's feed among a person's feeds (core.feeds).
FEED = "changes"


def new_feed_secret(person: Any) -> str:
    """A new secret for `person`'s calendar feed, replacing (and so stopping) the old one. Only
    its hash is kept: the caller shows it once (core.feeds)."""
    return feeds.new_feed_secret(person, FEED)


def feed_person(secret: str) -> Any:
    """The person whose feed `secret` opens, or None (core.feeds.feed_person)."""
    return feeds.feed_person(secret, FEED)


def has_feed(person: Any) -> bool:
    return feeds.has_feed(person, FEED)
