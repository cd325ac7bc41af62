"""The service desk's demo (servicedesk/demo.py): its set-up, knowledge base, a problem with
incidents, and a year of history that reads like a real desk's, made once however often the
demo runs. Loaded at a tenth of its size (CONCORD_DEMO_HISTORY_PERCENT)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from core.demo import load_demo
from core.models import ChangeRecord
from core.tenancy.models import Partner, User
from core.tenancy.scoping import system_scope
from core.testing.shared_data import kept_for_module
from servicedesk.choices import ArticleStatus, MailState, TicketStatus
from servicedesk.models import (
    InboundMail,
    KnowledgeArticle,
    Problem,
    Queue,
    QueueMember,
    RequestApproval,
    RequestItem,
    SlaPolicy,
    Ticket,
    TicketComment,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Any]:
    """The demo as far as the desk, loaded once for this module's tests (each test runs in a
    savepoint of it: core/testing/shared_data.py), its files in a folder of the module's."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(CONCORD_DEMO_HISTORY_PERCENT=10, MEDIA_ROOT=str(media)),
        kept_for_module(django_db_blocker, lambda: load_demo(through="servicedesk")) as run,
    ):
        yield run


def test_the_desk_is_set_up_and_agent_works_every_queue(demo):
    with system_scope("test"):
        agent = User.objects.get(username="agent")
        queues = set(Queue.objects.values_list("name", flat=True))
        assert {"First line", "Network", "Security", "Desktop", "Applications"} <= queues
        worked = set(QueueMember.objects.filter(user=agent).values_list("queue__name", flat=True))
        assert worked == queues
        for partner in Partner.objects.all():
            assert SlaPolicy.objects.filter(partner=partner).count() == 4
    # The demo accounts keep their names.
    assert {a.username for a in demo.accounts} >= {"agent", "manager", "wcc.staff", "rbkc.lead"}


def test_a_year_of_history_for_each_council_and_lbhfs_up_to_its_leaving(demo):
    now = timezone.now()
    with system_scope("test"):
        tickets = Ticket.objects.unscoped("test")
        for code in ("wcc", "rbkc", "lbhf"):
            assert tickets.filter(partner__code=code).count() >= 40
        recent = tickets.filter(partner__code__in=["wcc", "rbkc"])
        assert recent.filter(opened_at__lt=now - datetime.timedelta(days=300)).exists()
        assert recent.filter(opened_at__gt=now - datetime.timedelta(days=60)).exists()
        lbhf = Partner.objects.get(code="lbhf")
        left = datetime.datetime.combine(lbhf.left_on, datetime.time(23, 59), tzinfo=datetime.UTC)
        theirs = tickets.filter(partner=lbhf)
        assert not theirs.filter(opened_at__gt=left).exists()
        # Handed over when it left: nothing of a former partner's is still being worked.
        assert set(theirs.values_list("status", flat=True)) == {TicketStatus.CLOSED}
        # Met and missed service levels, both kinds of ticket, several people asking.
        assert tickets.filter(resolution_met=True).exists()
        assert tickets.filter(resolution_met=False).exists()
        assert set(tickets.values_list("kind", flat=True)) == {"incident", "request"}
        assert tickets.values("requester").distinct().count() > 10
        # Replies are dated when they were written, after their ticket was opened.
        comments = TicketComment.objects.unscoped("test")
        assert comments.exists()
        assert not comments.filter(created_at__lt=F("ticket__opened_at")).exists()
        assert comments.filter(created_at__lt=now - datetime.timedelta(days=200)).exists()


def test_the_tickets_history_is_dated_as_the_story_tells_it(demo):
    """Each ticket's change log entries carry the moments its story gives (core.context.dated),
    not the moment the demo was loaded: raised when it was opened, resolved and closed when it
    was, a former council's handed over on the day it left."""
    now = timezone.now()
    with system_scope("test"):
        tickets = Ticket.objects.unscoped("test")
        logged = ChangeRecord.objects.unscoped("test").filter(
            content_type=ContentType.objects.get_for_model(Ticket)
        )
        # (This morning's mail raises its ticket as it is taken in: now.)
        by_mail = set(InboundMail.objects.unscoped("test").values_list("ticket_id", flat=True))
        raised = dict(logged.filter(action="create").values_list("object_id", "at"))
        opened = dict(tickets.exclude(pk__in=by_mail).values_list("pk", "opened_at"))
        assert len(opened) > 100
        assert {pk: raised[pk] for pk in opened} == opened
        resolved = tickets.filter(resolved_at__isnull=False, request_item__isnull=True)
        assert resolved.count() > 20
        for ticket in resolved.order_by("pk")[:20]:
            moments = set(
                logged.filter(object_id=ticket.pk, after__status="resolved").values_list(
                    "at", flat=True
                )
            )
            assert ticket.resolved_at in moments, ticket.reference
        # Most of the year's entries are older than the load: the history reads as a year.
        assert logged.filter(at__lt=now - datetime.timedelta(days=200)).count() > 100
        lbhf = Partner.objects.get(code="lbhf")
        left = datetime.datetime.combine(lbhf.left_on, datetime.time(23, 59), tzinfo=datetime.UTC)
        theirs = tickets.filter(partner=lbhf).values_list("pk", flat=True)
        assert not logged.filter(object_id__in=list(theirs), at__gt=left).exists()


def test_a_problem_with_incidents_a_knowledge_base_and_requests(demo):
    with system_scope("test"):
        problem = Problem.objects.get(title="Housing system slow to save")
        assert problem.is_known_error
        assert Ticket.objects.unscoped("test").filter(problem=problem).count() >= 2
        articles = KnowledgeArticle.objects.unscoped("test")
        assert articles.filter(status=ArticleStatus.PUBLISHED, for_all_councils=True).exists()
        assert articles.filter(status=ArticleStatus.PUBLISHED, for_all_councils=False).exists()
        assert articles.filter(status=ArticleStatus.DRAFT).exists()
        # Catalogue requests waiting for, given and refused their lead's approval.
        decisions = set(RequestApproval.objects.values_list("decision", flat=True))
        assert decisions == {"pending", "approved", "rejected"}
        assert RequestItem.objects.filter(needs_approval=True).exists()


def test_the_inbound_mail_threads_holds_ignores_and_fails(demo):
    with system_scope("test"):
        mails = list(InboundMail.objects.unscoped("test").order_by("id"))
        assert [m.state for m in mails] == [
            MailState.PROCESSED,
            MailState.PROCESSED,
            MailState.IGNORED,
            MailState.HELD,
            MailState.FAILED,
        ]
        first, reply, _auto, held, failed = mails
        ticket = first.ticket
        assert ticket is not None and ticket.subject == "Docking station not charging my laptop"
        assert ticket.source == "email" and ticket.partner.code == "wcc"
        # The reply threaded onto the ticket it answers (by its In-Reply-To), quote cut off.
        assert reply.ticket_id == ticket.pk
        bodies = list(
            TicketComment.objects.unscoped("test")
            .filter(ticket=ticket)
            .values_list("body", flat=True)
        )
        assert bodies == [
            "It charges on the docking station at the next desk, so it may be the dock."
        ]
        assert held.from_address == "j.bloggs@mailbox.example" and held.person is None
        assert held.reason
        assert failed.reason == f"The mail has no words for {ticket.reference}."
    assert demo.created["inbound mail"] == 5
    assert load_demo(through="servicedesk").created["inbound mail"] == 0


def test_the_demo_runs_twice_and_makes_its_history_once(demo, settings):
    with system_scope("test"):
        count = Ticket.objects.unscoped("test").count()
    again = load_demo(through="servicedesk")
    assert again.created["tickets"] == 0
    assert again.created["knowledge articles"] == 0
    with system_scope("test"):
        assert Ticket.objects.unscoped("test").count() == count
