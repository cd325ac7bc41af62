"""The service desk's rules that are more than a save, for pages, API, email, imports, jobs
and the demo alike: raising a ticket (its number, priority, queue and SLA clocks), moving it
through its life, replies and notes, assigning, resolving, reopening, closing, merging,
linking, rating.

Each function checks what only the desk knows (a reply to a closed ticket, a requester rating
someone else's ticket); who may call it at all (the grant table) is the caller's check, as
everywhere in Concord. Every write is a saved record, so the change log has it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.numbering import next_number, next_number_reading
from core.tenancy.access import CHANGE, VIEW, access_for
from core.tenancy.models import Membership
from servicedesk import notifications, rules, sla
from servicedesk.choices import (
    KIND_PREFIX,
    OPEN_PROBLEM_STATUSES,
    OPEN_STATUS_LIST,
    OPEN_STATUSES,
    PAUSING_STATUSES,
    ProblemStatus,
    Source,
    TicketKind,
    TicketStatus,
)
from servicedesk.models import (
    DEFAULT_MATRIX,
    ChangeRequest,
    Problem,
    RoutingRule,
    Ticket,
    TicketComment,
    TicketLink,
)
from servicedesk.models.tickets import MAX_MINUTES_SPENT

#: Which statuses may follow which (besides resolving, closing and reopening, which have
#: their own functions).
MOVES: dict[str, frozenset[str]] = {
    TicketStatus.NEW: frozenset(
        {TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.AWAITING_CUSTOMER,
         TicketStatus.AWAITING_SUPPLIER}
    ),
    TicketStatus.ASSIGNED: frozenset(
        {TicketStatus.IN_PROGRESS, TicketStatus.AWAITING_CUSTOMER, TicketStatus.AWAITING_SUPPLIER}
    ),
    TicketStatus.IN_PROGRESS: frozenset(
        {TicketStatus.ASSIGNED, TicketStatus.AWAITING_CUSTOMER, TicketStatus.AWAITING_SUPPLIER}
    ),
    TicketStatus.AWAITING_CUSTOMER: frozenset(
        {TicketStatus.IN_PROGRESS, TicketStatus.ASSIGNED, TicketStatus.AWAITING_SUPPLIER}
    ),
    TicketStatus.AWAITING_SUPPLIER: frozenset(
        {TicketStatus.IN_PROGRESS, TicketStatus.ASSIGNED, TicketStatus.AWAITING_CUSTOMER}
    ),
    TicketStatus.REOPENED: frozenset(
        {TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.AWAITING_CUSTOMER,
         TicketStatus.AWAITING_SUPPLIER}
    ),
}  # fmt: skip


def priority_for(impact: int, urgency: int) -> int:
    """The priority the shared service's matrix gives `impact` and `urgency`."""
    key = (int(impact), int(urgency))
    cell = rules.current().matrix.get(key)
    return cell if cell is not None else DEFAULT_MATRIX[key]


def route(ticket: Ticket) -> RoutingRule | None:
    """The first active routing rule that matches `ticket` (None: no rule does)."""
    for rule in rules.current().routing:
        if rule.matches(ticket):
            return rule
    return None


def raise_ticket(
    *,
    partner: Any,
    requester: Any,
    subject: str,
    description: str = "",
    kind: str = TicketKind.INCIDENT,
    impact: int | None = None,
    urgency: int | None = None,
    category: Any = None,
    service: Any = None,
    contact: Any = None,
    source: str = Source.PORTAL,
    opened_at: datetime.datetime | None = None,
) -> Ticket:
    """Raise a ticket in `partner` for `requester`: number it, work out its priority, route it
    to a queue and start its SLA clocks. Raises ValidationError (naming the field) for a bad
    ticket: a requester or contact who is not one of the council's people, a council that has
    left."""
    ticket = Ticket(
        partner=partner,
        requester=requester,
        contact=contact,
        subject=subject,
        description=description,
        kind=kind,
        category=category,
        service=service,
        source=source,
        opened_at=opened_at or timezone.now(),
    )
    if impact is not None:
        ticket.impact = impact
    if urgency is not None:
        ticket.urgency = urgency
    _check_people(ticket)
    # Worked out on the configuration this process holds, whose stamp is checked against the
    # tables' with the ticket's number below (one round trip for both).
    with rules.pinned(as_held=True) as configuration:
        _work_out(ticket)
    ticket.full_clean(exclude=["number", "reference"])
    # Checked; now written, all or nothing. Inside a caller's transaction (every API request's)
    # the writes join it with no savepoint of their own, which saves two round trips a ticket
    # on PostgreSQL. A refusal above has written nothing. A database error here fails the
    # caller's whole transaction, and every caller rolls that back.
    with transaction.atomic(savepoint=False):
        key = f"servicedesk.ticket:{partner.pk}:{KIND_PREFIX[TicketKind(kind)]}"
        ticket.number, stamp = next_number_reading(key, rules.STAMP_KEY)
        if stamp is None or stamp != configuration.stamp:
            # The configuration changed since this process read it (another process wrote
            # it): worked out again on what the tables now hold.
            with rules.pinned():
                _work_out(ticket)
        ticket.reference = Ticket.format_reference(kind, ticket.number)
        ticket.save()
        if source != Source.IMPORT:
            notifications.notify("logged", ticket)
    return ticket


def _work_out(ticket: Ticket) -> None:
    """A new ticket's priority, queue and SLA clocks, from the configuration pinned."""
    ticket.priority = priority_for(ticket.impact, ticket.urgency)
    rule = route(ticket)
    ticket.queue = None if rule is None else rule.queue
    ticket.routed_by = rule
    sla.set_targets(ticket)
    ticket.sla_state = sla.state_at(ticket, ticket.opened_at)


def _check_people(ticket: Ticket) -> None:
    """The requester and the contact are people of the ticket's council. A council that has
    left raises no tickets; its history (a ticket opened before it left, as the demo's or an
    import's) is its people's, as they were."""
    opened_on = timezone.localtime(ticket.opened_at).date()
    if ticket.partner.has_left(opened_on):
        raise ValidationError(
            {"partner": f"{ticket.partner.name} has left the partnership: it raises no tickets"}
        )
    history = ticket.partner.has_left()
    for field in ("requester", "contact"):
        person = getattr(ticket, field)
        if person is None:
            continue
        access = access_for(person)
        if history:
            member = Membership.objects.unscoped("a former council's people, for its history")
            if member.filter(user=person, partner=ticket.partner).exists():
                continue
        if ticket.partner_id not in access.roles_by_partner and not access.is_service_staff:
            people = f"{ticket.partner.name}\N{RIGHT SINGLE QUOTATION MARK}s people"
            raise ValidationError({field: f"Choose one of {people}"})


def set_impact_urgency(ticket: Ticket, impact: int, urgency: int, *, save: bool = True) -> Ticket:
    """Change how much and how soon: a new priority re-targets the SLA clocks."""
    ticket.impact, ticket.urgency = impact, urgency
    priority = priority_for(impact, urgency)
    if priority != ticket.priority:
        ticket.priority = priority
        sla.set_targets(ticket)
        ticket.sla_state = sla.state_at(ticket)
    if save:
        ticket.save()
    return ticket


def assign(ticket: Ticket, assignee: Any = None, queue: Any = None, *, save: bool = True) -> Ticket:
    """Put the ticket with a person (and, given one, a queue); a new ticket is then assigned."""
    _refuse_if_done(ticket)
    if queue is not None:
        ticket.queue = queue
    ticket.assignee = assignee
    if assignee is not None and ticket.status in (TicketStatus.NEW, TicketStatus.REOPENED):
        ticket.status = TicketStatus.ASSIGNED
    if save:
        ticket.save()
    return ticket


def move(
    ticket: Ticket, status: str, now: datetime.datetime | None = None, *, save: bool = True
) -> Ticket:
    """Move an open ticket to another open status; awaiting the customer pauses the clocks,
    leaving it starts them again."""
    _refuse_if_done(ticket)
    if status == ticket.status:
        return ticket
    if status not in MOVES.get(ticket.status, frozenset()):
        raise ValidationError(
            {
                "status": f"A ticket that is {ticket.get_status_display().lower()} cannot be "
                f"made {TicketStatus(status).label.lower()}"
            }
        )
    now = now or timezone.now()
    was_paused = ticket.status in PAUSING_STATUSES
    ticket.status = status
    if status in PAUSING_STATUSES:
        sla.pause(ticket, now)
        notifications.notify("awaiting", ticket)
    elif was_paused:
        sla.resume(ticket, now)
    if save:
        ticket.save()
    return ticket


def _refuse_if_done(ticket: Ticket) -> None:
    if ticket.status not in OPEN_STATUSES:
        raise ValidationError(
            {"status": f"The ticket is {ticket.get_status_display().lower()}: reopen it first"}
        )


def comment(
    ticket: Ticket,
    author: Any,
    body: str,
    *,
    public: bool = True,
    source: str = Source.AGENT,
    author_label: str = "",
    message_id: str = "",
    now: datetime.datetime | None = None,
    minutes_spent: int = 0,
) -> TicketComment:
    """A reply (public) or an internal note on `ticket`.

    The desk's first public reply is its response (the response clock stops). A reply from
    the requester or the contact to a ticket awaiting them starts the clocks again; to a
    resolved ticket it reopens it. A requester cannot write internal notes. Only the shared
    service records `minutes_spent` (its time on the ticket, summed by finance.drivers).
    """
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Enter the message"})
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError({"body": "The ticket is closed: raise a new ticket instead"})
    now = now or timezone.now()
    from_customer = author is not None and author.pk in (ticket.requester_id, ticket.contact_id)
    staff = author is not None and access_for(author).is_service_staff
    if not public and not notes_visible_to(author, ticket):
        raise ValidationError({"public": "Only the service desk writes internal notes"})
    if minutes_spent and not staff:
        raise ValidationError({"minutes_spent": "Only the shared service records time spent"})
    if not 0 <= (minutes_spent or 0) <= MAX_MINUTES_SPENT:
        raise ValidationError({"minutes_spent": f"Enter between 0 and {MAX_MINUTES_SPENT} minutes"})
    note = TicketComment(
        partner_id=ticket.partner_id,
        ticket=ticket,
        author=author,
        author_label=author_label[:200],
        body=body,
        public=public,
        source=source,
        email_message_id=message_id[:255],
        minutes_spent=minutes_spent or 0,
    )
    note.save()
    if public:
        notifications.notify("customer_replied" if from_customer else "replied", ticket, note)
    if public and staff and not from_customer:
        sla.record_response(ticket, now)
        if ticket.status in (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.REOPENED):
            ticket.status = TicketStatus.IN_PROGRESS
        ticket.save()
    elif public and from_customer:
        if ticket.status in PAUSING_STATUSES:
            ticket.status = TicketStatus.IN_PROGRESS
            sla.resume(ticket, now)
            ticket.save()
        elif ticket.status == TicketStatus.RESOLVED:
            reopen(ticket, now=now)
    return note


def notes_visible_to(person: Any, ticket: Ticket) -> bool:
    """Whether `person` may read (and so write) a ticket's internal notes: the shared service
    and the council's people with every ticket of the council in view (lead, auditor)."""
    if person is None:
        return False
    ids = access_for(person).partner_ids(VIEW, Ticket.area)
    return ids is None or ticket.partner_id in ids


def resolve(ticket: Ticket, resolution: str, now: datetime.datetime | None = None) -> Ticket:
    """Resolve the ticket: the requester is told how, and has a while to say it is not."""
    _refuse_if_done(ticket)
    if not resolution.strip():
        raise ValidationError({"resolution": "Say how the ticket was resolved"})
    now = now or timezone.now()
    ticket.resolution = resolution.strip()
    ticket.status = TicketStatus.RESOLVED
    sla.record_resolution(ticket, now)
    ticket.save()
    notifications.notify("resolved", ticket)
    return ticket


def reopen(ticket: Ticket, reason: str = "", now: datetime.datetime | None = None) -> Ticket:
    """Reopen a resolved (not a closed) ticket: its clocks run again from where they were."""
    if ticket.status != TicketStatus.RESOLVED:
        raise ValidationError({"status": "Only a resolved ticket can be reopened"})
    now = now or timezone.now()
    ticket.status = TicketStatus.REOPENED
    ticket.reopen_count += 1
    sla.record_reopening(ticket, now)
    ticket.save()
    return ticket


def close(ticket: Ticket, now: datetime.datetime | None = None) -> Ticket:
    """Close a resolved ticket for good (by hand, or when its requester has not answered)."""
    if ticket.status != TicketStatus.RESOLVED:
        raise ValidationError({"status": "Only a resolved ticket can be closed"})
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now or timezone.now()
    ticket.save()
    return ticket


@transaction.atomic
def merge(duplicate: Ticket, into: Ticket, by: Any = None) -> Ticket:
    """Merge `duplicate` into `into` (the same council's): its replies are copied over as a
    note saying where they came from, and it is closed, pointing at `into`."""
    if duplicate.pk == into.pk:
        raise ValidationError({"merged_into": "A ticket cannot be merged into itself"})
    if duplicate.partner_id != into.partner_id:
        raise ValidationError({"merged_into": "Choose a ticket of the same council"})
    if into.status == TicketStatus.CLOSED:
        raise ValidationError({"merged_into": "Choose a ticket that is not closed"})
    if duplicate.status == TicketStatus.CLOSED:
        raise ValidationError({"status": "The ticket is closed already"})
    comment(
        into,
        by,
        f"{duplicate.reference} ({duplicate.subject}) was merged into this ticket.\n\n"
        f"{duplicate.description}".strip(),
        public=False,
    )
    now = timezone.now()
    duplicate.merged_into = into
    if duplicate.status != TicketStatus.RESOLVED:
        duplicate.resolution = f"Merged into {into.reference}"
        duplicate.status = TicketStatus.RESOLVED
        sla.record_resolution(duplicate, now)
    duplicate.status = TicketStatus.CLOSED
    duplicate.closed_at = now
    duplicate.save()
    return into


def link(ticket: Ticket, other: Ticket, note: str = "") -> TicketLink:
    """Link two tickets of one council (each shows the other)."""
    if ticket.partner_id != other.partner_id:
        raise ValidationError({"other": "Choose a ticket of the same council"})
    if ticket.pk == other.pk:
        raise ValidationError({"other": "A ticket cannot be linked to itself"})
    first, second = sorted((ticket, other), key=lambda t: t.pk)
    existing = TicketLink.objects.owned_by(first.partner).filter(ticket=first, other=second)
    found = existing.first()
    if found is not None:
        return found
    made = TicketLink(partner_id=first.partner_id, ticket=first, other=second, note=note)
    made.save()
    return made


def rate(ticket: Ticket, person: Any, score: int, comment_text: str = "") -> Ticket:
    """The requester (or contact) rates a resolved or closed ticket, 1 to 5."""
    if person is None or person.pk not in (ticket.requester_id, ticket.contact_id):
        raise ValidationError({"satisfaction": "Only the ticket's requester rates it"})
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise ValidationError({"satisfaction": "Rate the ticket once it is resolved"})
    if not 1 <= int(score) <= 5:
        raise ValidationError({"satisfaction": "Choose a rating from 1 to 5"})
    ticket.satisfaction = int(score)
    ticket.satisfaction_comment = comment_text.strip()
    ticket.save()
    return ticket


#: What an edit of a ticket may change directly (the rest goes through the rules below).
EDITABLE = (
    "subject",
    "description",
    "category",
    "service",
    "contact",
    "kind",
    "configuration_item",
)


@transaction.atomic
def change_ticket(ticket: Ticket, data: dict[str, Any]) -> Ticket:
    """An edit of a ticket (page or API), through the desk's rules: a new impact or urgency
    re-targets the clocks, a new assignee or queue assigns it, a new open status moves it.
    `data` holds only what changes may name; what it leaves out stays as it is."""
    loaded = Ticket.objects.unscoped("the ticket as it was before this edit").get(pk=ticket.pk)
    # A form or serializer has written the new values on the instance already: put back what
    # the rules compare, so that each sees the change it makes.
    for name in ("status", "impact", "urgency", "assignee_id", "queue_id", "priority"):
        setattr(ticket, name, getattr(loaded, name))
    for name in EDITABLE:
        if name in data:
            setattr(ticket, name, data[name])
    if ticket.contact_id is not None:
        _check_people(ticket)
    impact, urgency = data.get("impact", loaded.impact), data.get("urgency", loaded.urgency)
    if (impact, urgency) != (loaded.impact, loaded.urgency):
        set_impact_urgency(ticket, impact, urgency, save=False)
    assignee = data.get("assignee", loaded.assignee)
    queue = data.get("queue", loaded.queue)
    if assignee != loaded.assignee or queue != loaded.queue:
        assign(ticket, assignee, queue, save=False)
    status = data.get("status", loaded.status)
    if status != ticket.status:
        move(ticket, status, save=False)
    if "problem" in data and data["problem"] != loaded.problem:
        problem = data["problem"]
        _check_problem(ticket, problem, loaded.problem_id, kind_field="problem")
        ticket.problem = problem
    else:
        ticket.problem_id = loaded.problem_id
    if "change" in data and data["change"] != loaded.change:
        check_change_link(ticket, data["change"], loaded.change_id, field="change")
        ticket.change = data["change"]
    else:
        ticket.change_id = loaded.change_id
    ticket.full_clean(exclude=["number", "reference"])
    ticket.save()
    return ticket


def ticket_actions(person: Any, ticket: Ticket) -> dict[str, bool]:
    """What `person` may do to `ticket` (pages and API alike): the desk (every ticket of the
    council) replies, writes notes, assigns, resolves, closes and merges; the ticket's
    requester or contact (their own ticket) replies, reopens it when resolved, and rates it."""
    access = access_for(person)
    owners = ticket.owning_partner_ids()
    every = access.can(CHANGE, Ticket.area, owners)
    mine = ticket.is_own_record(person) and access.can(CHANGE, Ticket.area, owners, own=True)
    is_open = ticket.status in OPEN_STATUSES
    resolved = ticket.status == TicketStatus.RESOLVED
    return {
        "reply": (every or mine) and ticket.status != TicketStatus.CLOSED,
        "note": every and notes_visible_to(person, ticket) and ticket.status != TicketStatus.CLOSED,
        "assign": every and is_open,
        "move": every and is_open,
        "resolve": every and is_open,
        "reopen": (every or mine) and resolved,
        "close": every and resolved,
        "merge": every and ticket.status != TicketStatus.CLOSED,
        "rate": mine and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED),
    }


def may_change(person: Any, ticket: Ticket) -> bool:
    """Whether the grant table lets `person` change `ticket` (their own, or every ticket)."""
    return access_for(person).can(
        CHANGE, Ticket.area, ticket.owning_partner_ids(), own=ticket.is_own_record(person)
    )


#: How many open tickets are re-timed at once when a calendar or a policy changes.
RECOMPUTE_BATCH = 2000


def recompute_open_tickets(partner: Any, now: datetime.datetime | None = None) -> int:
    """Work out again the SLA policy, targets, due times and state of every open ticket of
    `partner` (its working calendars or SLA policies changed), in batches: memory stays flat
    however many there are. These are derived fields: recomputing them is not a change of
    each ticket, so it is not in the change log (the calendar's or policy's change is).
    Returns how many tickets were re-timed."""
    now = now or timezone.now()
    policies: dict[tuple[int, datetime.date], Any] = {}
    calendars: dict[Any, Any] = {}
    fields = ["response_due", "resolution_due", "at_risk_at", "sla_state", "sla_policy",
              "response_target", "resolution_target"]  # fmt: skip
    tickets = (
        Ticket.objects.owned_by(partner)
        .filter(status__fixed_in=OPEN_STATUS_LIST)
        .only("id", "partner_id", "priority", "opened_at", "first_response_at", "paused_for",
              "paused_since", "status", "response_due", "resolution_due", "resolved_at",
              "response_met", "resolution_met", "response_target", "resolution_target")
        .order_by("id")
    )  # fmt: skip
    done = 0
    batch: list[Ticket] = []
    for ticket in tickets.iterator(chunk_size=RECOMPUTE_BATCH):
        opened_on = timezone.localdate(ticket.opened_at)
        key = (ticket.priority, opened_on)
        if key not in policies:
            policies[key] = sla.policy_for(partner, ticket.priority, opened_on)
        policy, response, resolution = policies[key]
        ticket.partner = partner
        ticket.sla_policy = policy
        ticket.response_target, ticket.resolution_target = response, resolution
        calendar_key = policy.calendar_id if policy is not None else None
        if calendar_key not in calendars:
            calendars[calendar_key] = sla.ticket_calendar(ticket)
        sla.set_due_times(ticket, calendars[calendar_key])
        ticket.sla_state = sla.state_at(ticket, now)
        batch.append(ticket)
        if len(batch) >= RECOMPUTE_BATCH:
            done += _save_timings(partner, batch, fields)
            batch = []
    if batch:
        done += _save_timings(partner, batch, fields)
    return done


def _save_timings(partner: Any, batch: list[Ticket], fields: list[str]) -> int:
    Ticket.objects.owned_by(partner).unlogged(
        "SLA due times are derived from the calendar and policies, whose change is logged"
    ).bulk_update(batch, fields)
    return len(batch)


# Problems ---------------------------------------------------------------------------------


@transaction.atomic
def raise_problem(*, title: str, description: str = "", **fields: Any) -> Problem:
    """Open a problem, numbered across the service (PRB0000001)."""
    problem = Problem(title=title, description=description, **fields)
    problem.number = next_number("servicedesk.problem")
    problem.reference = Problem.format_reference(problem.number)
    problem.full_clean(exclude=["number", "reference"])
    problem.save()
    return problem


@transaction.atomic
def change_problem(problem: Problem, data: dict[str, Any]) -> Problem:
    """An edit of a problem through its rules: a known error says how to get round it; a
    resolved problem says why it happened (and is dated); one reopened is no longer dated."""
    for name, value in data.items():
        setattr(problem, name, value)
    status = problem.status
    if status == ProblemStatus.KNOWN_ERROR and not problem.workaround.strip():
        raise ValidationError({"workaround": "Say how to get round a known error"})
    if status in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED):
        if not problem.root_cause.strip():
            raise ValidationError({"root_cause": "Say what caused the problem before resolving it"})
        problem.resolved_at = problem.resolved_at or timezone.now()
    else:
        problem.resolved_at = None
    problem.full_clean(exclude=["number", "reference"])
    problem.save()
    return problem


def _check_problem(
    ticket: Ticket, problem: Problem | None, linked_id: int | None, *, kind_field: str
) -> None:
    """Only an incident links to a problem, and only to an open one (a ticket already linked
    to `problem`, `linked_id`, may keep it whatever the problem's state)."""
    if problem is None:
        return
    if ticket.kind != TicketKind.INCIDENT:
        raise ValidationError({kind_field: "Only incidents are linked to problems"})
    if problem.status not in OPEN_PROBLEM_STATUSES and linked_id != problem.pk:
        raise ValidationError(
            {"problem": f"{problem.reference} is {problem.get_status_display().lower()}"}
        )


def link_to_problem(ticket: Ticket, problem: Problem | None) -> Ticket:
    """Link an incident (of any council) to the problem behind it; None unlinks it."""
    _check_problem(ticket, problem, ticket.problem_id, kind_field="ticket")
    ticket.problem = problem
    ticket.save(update_fields=["problem"])
    return ticket


# Changes linked to tickets -----------------------------------------------------------------


def check_change_link(
    ticket: Ticket, change: ChangeRequest | None, linked_id: int | None, *, field: str
) -> None:
    """A ticket links only to a change that affects its council (one for every council, or
    one naming the ticket's), so that a council never reads of another's ticket on its change
    nor of a change not its own on its ticket. A ticket already linked to `change`
    (`linked_id`) keeps it, whatever the change's councils have become since."""
    if change is None or change.pk == linked_id:
        return
    if not change.for_all_councils and ticket.partner_id not in change.owning_partner_ids():
        raise ValidationError(
            {
                field: f"{change.reference} does not affect {ticket.partner.name}: link a "
                "change to the tickets of the councils it affects"
            }
        )


def link_to_change(ticket: Ticket, change: ChangeRequest | None) -> Ticket:
    """Link a ticket (incident or request) to a change request; None unlinks it. The caller
    has checked that the person may change the ticket and see the change."""
    check_change_link(ticket, change, ticket.change_id, field="ticket")
    ticket.change = change
    ticket.save(update_fields=["change"])
    return ticket


def ticket_councils_for_change(person: Any, change: ChangeRequest) -> list[Any]:
    """The councils the change affects whose tickets `person` may change (and so link to
    it), by name: none for someone who only reads the change."""
    from core.tenancy.models import Partner

    works = access_for(person).partner_ids(CHANGE, Ticket.area)  # None: every council's
    ids = [pid for pid in change.owning_partner_ids() if works is None or pid in works]
    return list(Partner.objects.visible_to(person).filter(pk__in=ids).order_by("name"))


def find_ticket_for_change(
    person: Any, change: ChangeRequest, text: str, council: str = ""
) -> Ticket:
    """The ticket `person` names to link to `change`: by its reference (INC0001234) or id,
    among the tickets they may change; `council` (a council's code) says whose, when the
    reference is that of tickets of several councils. A ticket the person may not change is
    reported as not there, never as another council's."""
    text, council = (text or "").strip(), (council or "").strip()
    if not text:
        raise ValidationError({"ticket": "Give the ticket's reference, like INC0001234"})
    rows = Ticket.objects.visible_to(person, CHANGE)
    if council:
        rows = rows.filter(partner__code__iexact=council)
    if text.isdigit() and int(text) <= 2**63 - 1:
        found = list(rows.filter(pk=int(text)).select_related("partner")[:2])
    else:
        found = list(rows.filter(reference__iexact=text).select_related("partner")[:2])
    if not found:
        where = f" of the council “{council[:30]}”" if council else ""
        raise ValidationError(
            {"ticket": f"There is no ticket “{text[:30]}”{where} that you may change"}
        )
    if len(found) > 1:
        raise ValidationError(
            {"council": f"Tickets of several councils are {text[:30]}: say which council's"}
        )
    return found[0]


def tickets_of_change(change: ChangeRequest, person: Any) -> Any:
    """The tickets linked to `change` that `person` may see, most recent first."""
    return (
        Ticket.objects.visible_to(person)
        .filter(change=change)
        .select_related("partner")
        .order_by("-opened_at", "-id")
    )


def known_errors_for(ticket: Ticket, person: Any) -> list[Problem]:
    """The known errors an agent working `ticket` should see: its own problem's, then open
    known errors about the same service or category; none for someone who may not read
    problems."""
    rows = Problem.objects.visible_to(person)
    found: list[Problem] = []
    if ticket.problem_id is not None:
        own = rows.filter(pk=ticket.problem_id).first()
        if own is not None and own.workaround.strip():
            found.append(own)
    similar = Q()
    if ticket.service_id is not None:
        similar |= Q(service_id=ticket.service_id)
    if ticket.category_id is not None:
        similar |= Q(category_id=ticket.category_id)
    if similar:
        found += list(
            rows.filter(similar, status=ProblemStatus.KNOWN_ERROR)
            .exclude(pk=ticket.problem_id or 0)
            .order_by("-opened_at", "-id")[:5]
        )
    return found


#: The most tickets one bulk update changes.
BULK_LIMIT = 200


@transaction.atomic
def bulk_update(
    tickets: list[Ticket],
    person: Any,
    *,
    assignee: Any = None,
    unassign: bool = False,
    queue: Any = None,
    status: str | None = None,
) -> list[Ticket]:
    """Change several tickets at once (the agent console): assign them (to a person, or to
    nobody with `unassign`), move them to a queue, or to another open status, each through the
    desk's own rules and into the change log. All or nothing: if any ticket cannot be changed,
    none is, and the ValidationError names each one that could not and why."""
    if not tickets:
        raise ValidationError({"tickets": "Choose the tickets to change"})
    if len(tickets) > BULK_LIMIT:
        raise ValidationError({"tickets": f"Change at most {BULK_LIMIT} tickets at once"})
    if assignee is None and not unassign and queue is None and not status:
        raise ValidationError({"__all__": "Say what to change: the assignee, queue or status"})
    if assignee is not None and not access_for(assignee).is_service_staff:
        raise ValidationError({"assignee": "Choose one of the service desk's people"})
    if status and status not in MOVES:
        raise ValidationError({"status": "Choose an open status (resolve and close one by one)"})
    problems: list[str] = []
    for ticket in tickets:
        if not ticket_actions(person, ticket)["assign"]:
            problems.append(f"{ticket.reference}: you may not change it")
            continue
        try:
            with transaction.atomic():
                if assignee is not None or unassign or queue is not None:
                    assign(
                        ticket,
                        None if unassign else (assignee or ticket.assignee),
                        queue,
                        save=False,
                    )
                if status and status != ticket.status:
                    move(ticket, status, save=False)
                ticket.save()
        except ValidationError as exc:
            problems.append(f"{ticket.reference}: {' '.join(exc.messages)}")
    if problems:
        raise ValidationError({"tickets": problems})
    return tickets
