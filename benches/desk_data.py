"""The service desk benchmarks' data: a million tickets across thirty councils, filled once.

Used by benches/bench_desk.py (queues, pages, creation, SLA re-timing) and
benches/bench_search.py (full-text search): whichever runs first fills the database, the other
finds the rows there and goes straight to measuring.

The tables are filled with raw SQL (COPY on PostgreSQL, batched INSERT on SQLite): the
benchmarks measure reading and working the tickets, not loading them. The shape is a desk's
after some years: tickets opened one every few minutes over about three years, the newest
mostly still open (about one in twenty open in all), queues and agents, priorities, SLA states,
a public reply on one ticket in four and an internal note on one in eight, a hundred
requesters in each council.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership, Partner, User
from core.tenancy.scoping import system_scope
from servicedesk.models import Queue, QueueMember, Ticket, TicketComment

DEVICES = [
    "printer", "laptop", "monitor", "keyboard", "scanner", "router", "phone", "headset",
    "projector", "tablet", "docking station", "webcam", "badge reader", "server", "switch",
]  # fmt: skip
FAULTS = [
    "will not start", "keeps restarting", "is very slow", "shows an error", "is jammed",
    "lost its connection", "needs replacing", "makes a noise", "flickers", "overheats",
]  # fmt: skip
WORDS = [
    "the", "council", "office", "floor", "user", "reports", "since", "monday", "morning",
    "after", "update", "cannot", "login", "password", "email", "calendar", "shared", "drive",
    "vpn", "wifi", "network", "cable", "power", "battery", "screen", "driver", "software",
    "licence", "account", "locked", "reset", "access", "permission", "folder", "file", "backup",
    "outlook", "teams", "meeting", "room", "library", "depot", "hall", "annexe", "contact",
    "manager", "urgent", "again", "please", "help", "thanks", "replacement", "ordered",
    "warranty", "engineer", "visit", "remote", "session", "restarted", "cleared", "cache",
]  # fmt: skip
QUEUES = [
    "First line", "Desktop", "Network", "Applications", "Security", "Telephony", "Servers",
    "Identity and access",
]  # fmt: skip
TICKET_COLUMNS = (
    "created_at", "updated_at", "version", "partner_id", "kind", "number", "reference",
    "subject", "description", "requester_id", "queue_id", "assignee_id", "impact", "urgency",
    "priority", "status", "source", "opened_at", "first_response_at", "resolved_at",
    "closed_at", "resolution", "satisfaction_comment", "reopen_count", "response_target",
    "resolution_target", "response_due", "resolution_due", "at_risk_at", "sla_state",
    "paused_for", "response_met", "resolution_met", "answers",
)  # fmt: skip
COMMENT_COLUMNS = (
    "created_at", "updated_at", "version", "partner_id", "ticket_id", "author_label", "body",
    "public", "source", "email_message_id", "minutes_spent",
)  # fmt: skip
OPEN = ["new", "assigned", "in_progress", "awaiting_customer", "awaiting_supplier", "reopened"]
OPEN_WEIGHTS = [15, 25, 35, 12, 8, 5]
#: Response and resolution targets by priority, in hours (the defaults' shape).
TARGETS = {1: (1, 4), 2: (2, 8), 3: (4, 24), 4: (8, 40)}
REQUESTERS_PER_COUNCIL = 100
AGENTS = 40
#: Opened one every this many seconds, newest first: a million span about three years.
SPACING = 95


@dataclass
class Desk:
    """What the fill made: councils, their requesters, the queues and the agents."""

    partners: list[Partner]
    requesters: dict[int, list[User]]
    queues: list[Queue]
    agents: list[User]


def person(username: str, service_role: str = "", partner: Any = None, role: str = "") -> User:
    with system_scope("benchmark people"):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"service_role": service_role}
        )
        if partner is not None:
            Membership.objects.get_or_create(user=user, partner=partner, role=role)
    return user


def _insert(table: str, columns: tuple[str, ...], rows: Any) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 20000:
                cur.executemany(sql, batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)


def _people(partners: list[Partner]) -> tuple[dict[int, list[User]], list[Queue], list[User]]:
    """The requesters, queues and agents (each agent works two queues), made once."""
    with system_scope("benchmark people"):
        have = set(
            User.objects.filter(username__startswith="bench").values_list("username", flat=True)
        )
        wanted = [
            (f"{p.code}.requester{i:03d}", p) for p in partners
            for i in range(REQUESTERS_PER_COUNCIL)
        ]  # fmt: skip
        missing = [(name, p) for name, p in wanted if name not in have]
        if missing:
            User.objects.unlogged("benchmark data").bulk_create(
                [User(username=name) for name, _ in missing]
            )
            made = dict(
                User.objects.filter(username__in=[n for n, _ in missing]).values_list(
                    "username", "pk"
                )
            )
            Membership.objects.unlogged("benchmark data").bulk_create(
                [
                    Membership(user_id=made[name], partner=p, role=CouncilRole.REQUESTER)
                    for name, p in missing
                ]
            )
        by_name = {
            u.username: u
            for u in User.objects.filter(username__in=[n for n, _ in wanted]).order_by("pk")
        }
        requesters = {
            p.pk: [by_name[f"{p.code}.requester{i:03d}"] for i in range(REQUESTERS_PER_COUNCIL)]
            for p in partners
        }
        queues = [Queue.objects.get_or_create(name=name)[0] for name in QUEUES]
        agents = [person(f"bench.agent{i:02d}", ServiceRole.AGENT) for i in range(AGENTS)]
        for i, agent in enumerate(agents):
            for queue in (queues[i % len(queues)], queues[(i * 3 + 1) % len(queues)]):
                QueueMember.objects.get_or_create(queue=queue, user=agent)
    return requesters, queues, agents


def fill(tickets: int, partners: int) -> Desk:
    """`partners` councils (bench01...) and `tickets` tickets among them, unless already there."""
    with system_scope("benchmark fill"):
        made = [
            Partner.objects.get_or_create(
                code=f"bench{i:02d}", defaults={"name": f"Benchmark Council {i:02d}"}
            )[0]
            for i in range(1, partners + 1)
        ]
    requesters, queues, agents = _people(made)
    desk = Desk(made, requesters, queues, agents)
    with system_scope("benchmark fill"):
        if Ticket.objects.filter(partner__in=made).count() == tickets:
            return desk
        print(f"filling {tickets:,} tickets across {partners} councils...", file=sys.stderr)
        TicketComment.objects.filter(partner__in=made)._raw_delete(connection.alias)
        Ticket.objects.filter(partner__in=made)._raw_delete(connection.alias)
    rng = random.Random(20261204)
    now = datetime.now(UTC).replace(microsecond=0)
    pg = connection.vendor == "postgresql"
    recent = int(tickets * 0.08)

    def duration(value: timedelta) -> Any:
        return value if pg else int(value.total_seconds() * 1_000_000)

    numbers: dict[tuple[int, str], int] = {}

    def ticket_rows() -> Any:
        for n in range(tickets):
            partner = made[n % len(made)]
            kind = "request" if rng.random() < 0.2 else "incident"
            key = (partner.pk, kind)
            numbers[key] = number = numbers.get(key, 0) + 1
            reference = f"{'REQ' if kind == 'request' else 'INC'}{number:07d}"
            words = rng.choices(WORDS, k=rng.randrange(8, 40))
            if rng.random() < 0.0002:
                words.append("zeppelin")
            opened = now - timedelta(seconds=n * SPACING)
            priority = rng.choices([1, 2, 3, 4], weights=[2, 10, 50, 38])[0]
            response, resolution = (timedelta(hours=h) for h in TARGETS[priority])
            # Working hours are about a quarter of the clock: due times in wall-clock terms.
            response_due = opened + response * 4
            resolution_due = opened + resolution * 4
            at_risk = opened + resolution * 3
            is_open = rng.random() < (0.6 if n < recent else 0.002)
            status = rng.choices(OPEN, weights=OPEN_WEIGHTS)[0] if is_open else "closed"
            if not is_open and n < recent and rng.random() < 0.3:
                status = "resolved"
            queue = rng.choice(queues)
            assignee = None if status == "new" else rng.choice(agents).pk
            responded = None if status == "new" else opened + response * rng.random() * 5
            resolved = closed = None
            response_met = resolution_met = None
            if is_open:
                if status == "awaiting_customer":
                    state = "paused"
                elif now > resolution_due:
                    state = "breached"
                elif now > at_risk:
                    state = "at_risk"
                else:
                    state = "on_track"
            else:
                resolved = opened + resolution * rng.random() * 5
                closed = resolved + timedelta(days=5) if status == "closed" else None
                response_met = responded is not None and responded <= response_due
                resolution_met = resolved <= resolution_due
                state = "met" if resolution_met else "missed"
            yield (
                now, now, 1, partner.pk, kind, number, reference,
                f"{rng.choice(DEVICES).capitalize()} {rng.choice(FAULTS)}", " ".join(words),
                rng.choice(requesters[partner.pk]).pk, queue.pk, assignee, 3, 2, priority,
                status, "portal", opened, responded, resolved, closed, "", "", 0,
                duration(response), duration(resolution), response_due, resolution_due,
                at_risk, state, duration(timedelta()), response_met, resolution_met, "{}",
            )  # fmt: skip

    start = time.perf_counter()
    with transaction.atomic():
        _insert("servicedesk_ticket", TICKET_COLUMNS, ticket_rows())
        with system_scope("benchmark fill"):
            ids = list(Ticket.objects.filter(partner__in=made).values_list("pk", "partner_id"))

        def comment_rows() -> Any:
            for pk, partner_id in ids:
                draw = rng.random()
                if draw < 0.25:
                    body = " ".join(rng.choices(WORDS, k=12))
                    yield (now, now, 1, partner_id, pk, "", body, True, "agent", "", 0)
                if draw < 0.125:
                    body = "internal " + " ".join(rng.choices(WORDS, k=12))
                    yield (now, now, 1, partner_id, pk, "", body, False, "agent", "", 0)

        _insert("servicedesk_ticketcomment", COMMENT_COLUMNS, comment_rows())
    with connection.cursor() as cur:
        # On PostgreSQL, VACUUM as well: rows just written carry no visibility map, so the
        # index-only scans the counts and queues use went to the table for every row: at a
        # million, the agent's queue lists through the API took 20 ms at the median on a
        # database just filled and 10 to 12 ms after a VACUUM. A database in use is vacuumed
        # by autovacuum. VACUUM cannot run in a transaction.
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"filled in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    return desk
