"""The generic test families (core.testing.families) for the service desk's models.

Tickets are a requester's own records: the requester (``wcc_staff``) sees theirs, a colleague
of the same council (``wcc_colleague``) sees none of them, the council's lead manages them
all, its auditor reads them, another council's lead gets a 404 everywhere. The desk's set-up
follows its area: catalogue records (categories, services, queues, the priority matrix) read by
all and written by the shared service; configuration (routing rules, queue members) seen by the
shared service's staff alone; SLA policies and working calendars each council's, read by its
lead and set by the shared-service manager.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from core.services import set_audience
from core.testing.cast import Cast
from core.testing.families import ModelFamily
from servicedesk import changes, knowledge, services
from servicedesk.choices import Impact, MailState, MailVia, Priority, TicketKind, Urgency
from servicedesk.models import (
    Category,
    ChangeApproval,
    ChangeRequest,
    InboundMail,
    KnowledgeArticle,
    PriorityRule,
    Problem,
    Queue,
    QueueMember,
    RequestItem,
    RoutingRule,
    Service,
    ServiceCalendar,
    SlaPolicy,
    Ticket,
)

pytestmark = pytest.mark.django_db


class TestTicket(ModelFamily):
    """A council's tickets: the requester's own, the lead's all, another council's none."""

    model = Ticket
    owner = "wcc"
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    own_person = "wcc_staff"
    colleague = "wcc_colleague"
    edited_field = "subject"
    identity_field = "subject"
    # A ticket stays in the council it was raised in.
    movable = False
    list_queries = 9
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> Ticket:
        n = self.seq()
        requester = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
        return services.raise_ticket(
            partner=partner,
            requester=requester,
            subject=f"Laptop will not start {n:03d}",
            impact=Impact.LOW,
            urgency=Urgency.MEDIUM,
        )

    def search_term(self, obj: Any) -> str:
        return obj.reference

    def secrets(self, cast: Cast, obj: Any) -> list[str]:
        # References are numbered within each council (INC0000001 is also the other
        # council's first incident): what names this ticket is its subject and its link.
        return [obj.subject, self.link(obj)]

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        requester = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
        return {
            "partner": partner.pk,
            "requester": requester.pk,
            "kind": TicketKind.INCIDENT,
            "subject": "Printer on floor 3 is offline",
            "description": "It shows an error light.",
            "impact": Impact.MEDIUM,
            "urgency": Urgency.MEDIUM,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "subject": "Laptop will not start (battery)",
            "description": obj.description,
            "status": obj.status,
            "impact": obj.impact,
            "urgency": obj.urgency,
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        requester = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
        return {
            "partner": partner.code,
            "requester": requester.username,
            "kind": TicketKind.INCIDENT,
            "subject": "Printer on floor 3 is offline",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner.code,
            "kind": obj.kind,
            "subject": "Laptop will not start (battery)",
        }


class TestProblem(ModelFamily):
    """The shared service's own: its desk staff work problems, no council sees them."""

    model = Problem
    permitted = "agent"
    denied = ("finance",)
    # Councils do not see problems at all (their lists are a 403).
    outsider = None
    edited_field = "title"
    identity_field = "title"
    list_queries = 6
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> Problem:
        return services.raise_problem(title=f"Email delays {self.seq():03d}")

    def search_term(self, obj: Any) -> str:
        return obj.reference

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "title": "Wi-Fi drops in libraries",
            "description": "",
            "status": "open",
            "priority": Priority.HIGH,
            "root_cause": "",
            "workaround": "",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "title": "Email delays (queue backlog)",
            "description": obj.description,
            "status": "known_error",
            "priority": obj.priority,
            "root_cause": "",
            "workaround": "Send large files by link",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"title": "Wi-Fi drops in libraries", "priority": Priority.HIGH}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"title": "Email delays (queue backlog)"}


class TestInboundMail(ModelFamily):
    """The desk's mailbox: its staff read and work it, the manager may delete a mail, no
    council role sees it; nobody adds one by hand (mail arrives)."""

    model = InboundMail
    permitted = "manager"
    denied = ("finance",)
    # Councils do not see the desk's mailbox at all (their lists are a 403).
    outsider = None
    pages = frozenset({"list", "detail", "update", "delete", "history", "export"})
    api_actions = frozenset({"list", "retrieve", "update", "partial_update", "destroy", "export"})
    edited_field = "note"
    identity_field = "subject"
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> InboundMail:
        n = self.seq()
        raw = (
            f"From: Someone <someone{n}@example.org>\r\nTo: desk@example.org\r\n"
            f"Subject: Printer jammed {n:03d}\r\nMessage-ID: <m{n}@example.org>\r\n\r\n"
            "It will not print.\r\n"
        ).encode()
        return InboundMail.objects.create(
            raw=raw,
            size=len(raw),
            via=MailVia.SMTP,
            envelope_from=f"someone{n}@example.org",
            recipients="desk@example.org",
            from_address=f"someone{n}@example.org",
            subject=f"Printer jammed {n:03d}",
            message_id=f"<m{n}@example.org>",
            state=MailState.HELD,
            reason="No active person has the address.",
        )

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"note": "Spam, checked by the desk"}

    def secrets(self, cast: Cast, obj: Any) -> list[str]:
        return [obj.subject, self.link(obj)]


def change_service() -> Service:
    """The service the families' changes are to."""
    return Service.objects.unscoped("test set-up").get_or_create(name="Email")[0]


class TestChangeRequest(ModelFamily):
    """Changes: the shared service raises and works them; the lead (and auditor) of a council
    a change affects reads it; another council's lead gets a 404 everywhere."""

    model = ChangeRequest
    owner = "wcc"
    permitted = "agent"
    denied = ("wcc_lead", "wcc_auditor")
    outsider = "rbkc_lead"
    identity_field = "title"
    edited_field = "title"
    list_queries = 5
    api_list_queries = 8

    def make(self, cast: Cast, partner: Any) -> ChangeRequest:
        n = self.seq()
        start = datetime.datetime(2027, 3, 1, 19, tzinfo=datetime.UTC) + datetime.timedelta(days=n)
        change = ChangeRequest(
            title=f"Mail server patch {n:03d}",
            service=change_service(),
            planned_start=start,
            planned_end=start + datetime.timedelta(hours=2),
        )
        with transaction.atomic():  # numbered in the transaction that saves it
            changes.number(change, cast.agent)
            change.save()
            set_audience(change, [partner])
        return change

    def search_term(self, obj: Any) -> str:
        return obj.reference

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "title": "Firewall firmware upgrade",
            "description": "Version 9.2",
            "kind": "normal",
            "risk": "medium",
            "impact": "low",
            "service": change_service().pk,
            "planned_start": "2027-04-10 19:00",
            "planned_end": "2027-04-10 21:00",
            "backout_plan": "Reinstall 9.1",
            "councils": [partner.pk],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "title": "Mail server patch (reboot)",
            "description": obj.description,
            "kind": obj.kind,
            "risk": obj.risk,
            "impact": obj.impact,
            "service": obj.service_id,
            "planned_start": obj.planned_start.strftime("%Y-%m-%d %H:%M"),
            "planned_end": obj.planned_end.strftime("%Y-%m-%d %H:%M"),
            "backout_plan": obj.backout_plan,
            "councils": [p.pk for p in obj.audience() if not p.is_former],
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "title": "Firewall firmware upgrade",
            "service": change_service().name,
            "planned_start": "2027-04-10T19:00:00Z",
            "planned_end": "2027-04-10T21:00:00Z",
            "councils": [partner.code],
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "title": "Mail server patch (reboot)",
            "service": obj.service.name,
            "planned_start": obj.planned_start.isoformat(),
            "planned_end": obj.planned_end.isoformat(),
        }


class TestChangeApproval(ModelFamily):
    """Each affected council's decision on a change: no pages of its own, read-only in the
    API (decided with its approve and reject actions: servicedesk/tests/test_changes.py).
    The council's lead and auditor read it; another council's lead gets a 404."""

    model = ChangeApproval
    owner = "wcc"
    permitted = "wcc_lead"
    denied = ()
    outsider = "rbkc_lead"
    pages = frozenset()
    api_actions = frozenset({"list", "retrieve", "export"})
    identity_field = "comment"
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> ChangeApproval:
        change = TestChangeRequest().make(cast, partner)
        changes.submit(change, cast.agent)
        approval = ChangeApproval.objects.unscoped("test").get(change=change, partner=partner)
        approval.comment = f"Checked with the housing team {self.seq():03d}"
        approval.save()
        return approval

    def search_term(self, obj: Any) -> str:
        return obj.change.reference

    def secrets(self, cast: Cast, obj: Any) -> list[str]:
        return [obj.change.reference, obj.change.title, obj.comment]


class TestKnowledgeArticle(ModelFamily):
    """Written by the desk for chosen councils: their people read it once published (and
    may not write it); another council's people never see it."""

    model = KnowledgeArticle
    owner = "wcc"
    permitted = "agent"
    denied = ("wcc_lead", "wcc_staff", "wcc_auditor")
    outsider = "rbkc_lead"
    edited_field = "title"
    identity_field = "title"
    list_queries = 6
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> KnowledgeArticle:
        article = KnowledgeArticle(
            title=f"Connecting to the VPN {self.seq():03d}",
            summary="From home or a library.",
            body="Open the client.\n\n- Sign in\n- Choose your council",
            status="published",
        )
        return knowledge.save_article(article, [partner])

    def sample(self, cast: Cast) -> KnowledgeArticle:
        # Also for a former partner, whose name must not reach rbkc either.
        article = self.make(cast, cast.wcc)
        from core.services import set_audience

        set_audience(article, [cast.wcc, cast.lbhf])
        return article

    def search_term(self, obj: Any) -> str:
        return obj.reference

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "title": "Resetting your password",
            "summary": "",
            "body": "Go to the sign-in page and choose “Forgotten password”.",
            "keywords": "password, locked out",
            "status": "published",
            "councils": [partner.pk],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "title": "Connecting to the VPN (new client)",
            "summary": obj.summary,
            "body": obj.body,
            "keywords": obj.keywords,
            "status": obj.status,
            "councils": [p.pk for p in obj.audience() if not p.is_former],
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "title": "Resetting your password",
            "body": "Go to the sign-in page and choose “Forgotten password”.",
            "status": "published",
            "councils": [partner.code],
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        # A PUT: the whole article (the councils one may not change are kept).
        return {"title": "Connecting to the VPN (new client)", "body": obj.body}


class TestRequestItem(ModelFamily):
    """Offered by the desk to chosen councils: their people see the active items (and may
    not write them); another council's people never see them."""

    model = RequestItem
    owner = "wcc"
    permitted = "agent"
    denied = ("wcc_lead", "wcc_staff", "wcc_auditor")
    outsider = "rbkc_lead"
    edited_field = "name"
    identity_field = "name"
    list_queries = 6
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> RequestItem:
        from core.services import set_audience

        item = RequestItem.objects.create(
            name=f"Software install {self.seq():03d}",
            questions="Software | text | required\nWhy | paragraph | optional",
            tasks="Check the licence\nInstall",
        )
        set_audience(item, [partner])
        return item

    def sample(self, cast: Cast) -> RequestItem:
        from core.services import set_audience

        item = self.make(cast, cast.wcc)
        set_audience(item, [cast.wcc, cast.lbhf])
        return item

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "New starter laptop",
            "description": "",
            "questions": "Start date | date | required",
            "tasks": "Build\nHand over",
            "is_active": "on",
            "councils": [partner.pk],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "name": "Software install (renamed)",
            "description": obj.description,
            "questions": obj.questions,
            "tasks": obj.tasks,
            "is_active": "on",
            "councils": [p.pk for p in obj.audience() if not p.is_former],
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "New starter laptop",
            "questions": "Start date | date | required",
            "councils": [partner.code],
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"name": "Software install (renamed)", "questions": obj.questions}


class TestCategory(ModelFamily):
    model = Category
    permitted = "manager"
    denied = ("wcc_lead", "rbkc_lead", "wcc_staff")
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> Category:
        return Category.objects.create(name=f"Telephony {self.seq():03d}")

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"name": "Printing", "description": "Printers and copiers"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"name": "Renamed category", "description": ""}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [{"name": f"Imported category {n}", "description": ""} for n in (1, 2)]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {"name": "", "description": "No name"}, "name"


class TestService(TestCategory):
    model = Service  # type: ignore[assignment]

    def make(self, cast: Cast, partner: Any) -> Service:  # type: ignore[override]
        return Service.objects.create(name=f"Revenues system {self.seq():03d}")


class TestQueue(ModelFamily):
    model = Queue
    permitted = "manager"
    denied = ("wcc_lead", "rbkc_lead", "wcc_staff")
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> Queue:
        return Queue.objects.create(name=f"Desktop {self.seq():03d}")

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"name": "Network", "email": "network@desk.example", "description": ""}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"name": "Renamed queue", "email": "", "description": ""}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [{"name": f"Imported queue {n}", "description": "", "email": ""} for n in (1, 2)]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {"name": "Bad", "description": "", "email": "not-an-address"}, "email"


class TestPriorityRule(ModelFamily):
    model = PriorityRule
    permitted = "manager"
    denied = ("wcc_lead", "rbkc_lead", "wcc_staff")
    outsider = None
    edited_field = "priority"
    identity_field = "note"
    list_queries = 4
    api_list_queries = 2
    list_rows = 3

    def make(self, cast: Cast, partner: Any) -> PriorityRule:
        taken = set(PriorityRule.objects.unscoped("test").values_list("impact", "urgency"))
        cell = next((i, u) for i in (1, 2, 3) for u in (1, 2, 3) if (i, u) not in taken)
        return PriorityRule.objects.create(
            impact=cell[0], urgency=cell[1], priority=Priority.LOW, note=f"Board {self.seq():03d}"
        )

    def search_term(self, obj: Any) -> str:
        return obj.note

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        taken = set(PriorityRule.objects.unscoped("test").values_list("impact", "urgency"))
        impact, urgency = next((i, u) for i in (3, 2, 1) for u in (3, 2, 1) if (i, u) not in taken)
        return {"impact": impact, "urgency": urgency, "priority": Priority.LOW, "note": "New"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "impact": obj.impact,
            "urgency": obj.urgency,
            "priority": Priority.HIGH,
            "note": obj.note,
        }


class TestRoutingRule(ModelFamily):
    """The shared service's own configuration: its staff see it, no council does."""

    model = RoutingRule
    permitted = "manager"
    denied = ("agent",)
    # Councils do not see the shared service's configuration at all (their lists are a 403).
    outsider = None
    list_queries = 5
    api_list_queries = 3

    def queue(self) -> Queue:
        return Queue.objects.unscoped("test").get_or_create(name="First line")[0]

    def make(self, cast: Cast, partner: Any) -> RoutingRule:
        n = self.seq()
        return RoutingRule.objects.create(
            name=f"VPN faults {n:03d}", queue=self.queue(), subject_words="vpn"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"order": 10, "name": "Wi-Fi", "queue": self.queue().pk, "subject_words": "wifi"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"order": obj.order, "name": "Renamed rule", "queue": obj.queue_id}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"order": 10, "name": "Wi-Fi", "queue": self.queue().name, "subject_words": "wifi"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"order": obj.order, "name": "Renamed rule", "queue": obj.queue.name}

    def secrets(self, cast: Cast, obj: Any) -> list[str]:
        return [self.search_term(obj), self.link(obj)]


class TestQueueMember(ModelFamily):
    model = QueueMember
    permitted = "manager"
    denied = ("agent",)
    outsider = None
    edited_field = "queue"
    list_queries = 6
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> QueueMember:
        queue = Queue.objects.create(name=f"Applications {self.seq():03d}")
        return QueueMember.objects.create(queue=queue, user=cast.agent)

    def search_term(self, obj: Any) -> str:
        return obj.queue.name

    def find(self, data: dict[str, Any]) -> Any:
        queue = data["queue"]
        rows = QueueMember.objects.unscoped("test")
        return (
            rows.filter(queue_id=queue)
            if isinstance(queue, int)
            else rows.filter(queue__name=queue)
        ).first()

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        queue = Queue.objects.unscoped("test").get_or_create(name="Security")[0]
        return {"queue": queue.pk, "user": cast.agent.pk}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        queue = Queue.objects.unscoped("test").get_or_create(name="Moved to")[0]
        return {"queue": queue.pk, "user": obj.user_id}

    def history_text(self, data: dict[str, Any]) -> str:
        return "Moved to"

    def assert_updated(self, obj: Any, data: dict[str, Any], user: Any) -> None:
        fresh = self.refetch(obj)
        assert fresh.queue_id == data["queue"] or fresh.queue.name == data["queue"]
        self.assert_changed_by(obj.pk, "update", user)

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        queue = Queue.objects.unscoped("test").get_or_create(name="Security")[0]
        return {"queue": queue.name, "user": cast.agent.username}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        queue = Queue.objects.unscoped("test").get_or_create(name="Moved to")[0]
        return {"queue": queue.name, "user": obj.user.username}

    def secrets(self, cast: Cast, obj: Any) -> list[str]:
        return [self.link(obj)]


class TestSlaPolicy(ModelFamily):
    """A council's SLA targets: its lead and auditor read them; the manager sets them."""

    model = SlaPolicy
    permitted = "manager"
    denied = ("wcc_lead", "wcc_auditor", "agent")
    outsider = "rbkc_lead"
    edited_field = "name"
    identity_field = "name"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> SlaPolicy:
        n = self.seq()
        return SlaPolicy.objects.create(
            partner=partner,
            priority=Priority.MEDIUM,
            name=f"Gold {n:03d}",
            valid_from=datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
            response_hours=Decimal("2"),
            resolution_hours=Decimal("8"),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "priority": Priority.HIGH,
            "name": "Silver",
            "valid_from": "2026-04-01",
            "response_hours": "4",
            "resolution_hours": "16",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "priority": obj.priority,
            "name": "Renamed policy",
            "valid_from": obj.valid_from.isoformat(),
            "response_hours": str(obj.response_hours),
            "resolution_hours": str(obj.resolution_hours),
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "partner": partner.code}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "partner": obj.partner.code}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "priority": p,
                "name": f"Imported {p}",
                "valid_from": "2027-04-01",
                "response_hours": "2",
                "resolution_hours": "8",
            }
            for p in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {
            "partner": partner.code,
            "priority": 4,
            "name": "Backwards",
            "valid_from": "2027-04-01",
            "response_hours": "8",
            "resolution_hours": "2",
        }, "resolution_hours"


class TestServiceCalendar(ModelFamily):
    """A council's working calendar: read by its lead, set by the manager."""

    model = ServiceCalendar
    permitted = "manager"
    denied = ("wcc_lead", "wcc_auditor", "agent")
    outsider = "rbkc_lead"
    edited_field = "monday_opens"
    identity_field = "name"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> ServiceCalendar:
        return ServiceCalendar.objects.create(
            partner=partner, name=f"Extended hours {self.seq():03d}", is_default=False
        )

    def hours(self, obj: Any = None, monday: str = "09:00") -> dict[str, Any]:
        data: dict[str, Any] = {}
        for day in ServiceCalendar.DAYS:
            opens = getattr(obj, f"{day}_opens") if obj is not None else datetime.time(9)
            closes = getattr(obj, f"{day}_closes") if obj is not None else datetime.time(17)
            if day in ("saturday", "sunday") and obj is None:
                opens = closes = None
            data[f"{day}_opens"] = opens.strftime("%H:%M") if opens else ""
            data[f"{day}_closes"] = closes.strftime("%H:%M") if closes else ""
        data["monday_opens"] = monday
        return data

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "name": "Schools",
            "close_resolved_after": 5,
            **self.hours(monday="08:30"),
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "name": obj.name,
            "close_resolved_after": 3,
            **self.hours(obj, monday="08:00"),
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        data = {k: (v or None) for k, v in self.create_data(cast, partner).items()}
        return {**data, "partner": partner.code, "is_default": False}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {k: (v or None) for k, v in self.update_data(cast, obj).items()}
        return {**data, "partner": obj.partner.code, "is_default": obj.is_default}

    def assert_updated(self, obj: Any, data: dict[str, Any], user: Any) -> None:
        fresh = self.refetch(obj)
        assert fresh.monday_opens == datetime.time(8)
        self.assert_changed_by(obj.pk, "update", user)

    def history_text(self, data: dict[str, Any]) -> str:
        return "08:00"
