"""The desk's emails, received by a real SMTP server on loopback: who is told of what, in
plain text and HTML, threaded by the ticket; never another council's people, never an
internal note, never the author their own words. And the jobs on a timetable: the SLA watch
warns once and escalates once; resolved tickets close after the council's working days."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from servicedesk import jobs, services
from servicedesk.choices import SlaState, TicketStatus
from servicedesk.models import Queue, QueueMember, RoutingRule, ServiceCalendar, Ticket

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
#: A Monday morning in term time: no bank holiday near.
MONDAY = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=LONDON)


@pytest.fixture
def desk(cast: Any) -> Any:
    """The cast with email addresses, and a desktop queue the agent is a member of, which
    every wcc and rbkc ticket is routed to."""
    with system_scope("test"):
        for person in (
            cast.wcc_staff,
            cast.wcc_colleague,
            cast.wcc_lead,
            cast.rbkc_staff,
            cast.rbkc_lead,
            cast.agent,
            cast.manager,
        ):
            person.email = f"{person.username}@example.test"
            person.save()
        cast.queue = Queue.objects.create(name="Desktop", email="desktop@concord.example.test")
        QueueMember.objects.create(queue=cast.queue, user=cast.agent)
        RoutingRule.objects.create(order=1, name="Everything", queue=cast.queue)
    return cast


def raise_for(cast: Any, **extra: Any) -> Ticket:
    with system_scope("test"):
        return services.raise_ticket(
            partner=extra.pop("partner", cast.wcc),
            requester=extra.pop("requester", cast.wcc_staff),
            subject=extra.pop("subject", "Printer on floor 3 jams"),
            **extra,
        )


def parts(message: Any) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_a_logged_ticket_tells_its_requester_and_contact_in_text_and_html(
    desk, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = raise_for(desk, contact=desk.wcc_colleague)
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        "wcc.colleague@example.test",
        "wcc.staff@example.test",
    ]
    message = smtp_server.to("wcc.staff@example.test")[0]
    assert message["Subject"] == f"[{ticket.reference}] Logged: Printer on floor 3 jams"
    assert message["From"] == "desktop@concord.example.test"  # the queue's own address
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Concord-Ticket"] == ticket.reference
    thread = message["References"]
    assert ticket.reference.lower() in thread and message["In-Reply-To"] == thread
    text, html = parts(message)
    assert f"We have logged your request as {ticket.reference}" in text
    assert f"See the ticket: http://127.0.0.1:8000{ticket.get_absolute_url()}" in text
    assert '<html lang="en-GB">' in html and ticket.reference in html
    # Each person gets their own message: nobody sees who else was told.
    assert all(len(str(m["To"]).split(",")) == 1 for m in smtp_server.messages)
    # Every message about the ticket is in one thread.
    assert {m["References"] for m in smtp_server.messages} == {thread}


def test_the_desk_reply_reaches_the_requester_not_its_author(
    desk, smtp_server, django_capture_on_commit_callbacks
):
    ticket = raise_for(desk)
    with django_capture_on_commit_callbacks(execute=True), system_scope("test"):
        services.comment(ticket, desk.agent, "Please try the other tray.\nThen tell us.")
    [message] = smtp_server.messages
    assert str(message["To"]) == "wcc.staff@example.test"
    assert message["Subject"].startswith(f"[{ticket.reference}] New reply")
    text, html = parts(message)
    assert "Please try the other tray." in text
    assert "Please try the other tray.<br>Then tell us." in html


def test_an_internal_note_is_never_emailed(desk, smtp_server, django_capture_on_commit_callbacks):
    ticket = raise_for(desk, contact=desk.wcc_colleague)
    with django_capture_on_commit_callbacks(execute=True), system_scope("test"):
        services.comment(ticket, desk.agent, "Vendor says firmware bug", public=False)
    assert smtp_server.messages == []


def test_the_requester_reply_tells_the_desk(desk, smtp_server, django_capture_on_commit_callbacks):
    ticket = raise_for(desk)
    with system_scope("test"):
        services.assign(ticket, desk.agent)
    with django_capture_on_commit_callbacks(execute=True), system_scope("test"):
        services.comment(ticket, desk.wcc_staff, "It jams again")
    [message] = smtp_server.messages
    assert str(message["To"]) == "agent@example.test"
    assert "Customer replied" in message["Subject"]
    text, _ = parts(message)
    assert "It jams again" in text and "SLA: On track" in text


def test_awaiting_and_resolved_tell_the_requester(
    desk, smtp_server, django_capture_on_commit_callbacks
):
    ticket = raise_for(desk)
    with django_capture_on_commit_callbacks(execute=True), system_scope("test"):
        services.move(ticket, TicketStatus.AWAITING_CUSTOMER)
    with django_capture_on_commit_callbacks(execute=True), system_scope("test"):
        services.resolve(ticket, "Replaced the fuser unit")
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert [s.split("]")[1].split(":")[0].strip() for s in subjects] == [
        "Waiting for you",
        "Resolved",
    ]
    text, _ = parts(smtp_server.messages[1])
    assert "Replaced the fuser unit" in text


def test_nobody_outside_the_council_is_ever_told(
    desk, smtp_server, django_capture_on_commit_callbacks
):
    ticket = raise_for(desk, contact=desk.wcc_colleague)
    # The contact leaves Westminster for Kensington and Chelsea; the ticket still names them.
    with system_scope("test"):
        Membership.objects.filter(user=desk.wcc_colleague).delete()
        Membership.objects.create(user=desk.wcc_colleague, partner=desk.rbkc, role="requester")
    with django_capture_on_commit_callbacks(execute=True), system_scope("test"):
        services.comment(ticket, desk.agent, "Fixed, we think")
    assert [str(m["To"]) for m in smtp_server.messages] == ["wcc.staff@example.test"]


def test_an_api_reply_emails_once_committed(
    desk, smtp_server, client_for, django_capture_on_commit_callbacks
):
    ticket = raise_for(desk)
    api = client_for(desk.agent)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            f"/api/v1/tickets/{ticket.pk}/reply/",
            {"body": "On our way"},
            content_type="application/json",
        )
    assert answer.status_code == 200, answer.content
    assert [str(m["To"]) for m in smtp_server.messages] == ["wcc.staff@example.test"]


# The SLA watch ----------------------------------------------------------------------------


def test_the_sla_watch_warns_once_then_escalates_once(
    desk, smtp_server, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False):
        ticket = raise_for(desk)
    assert ticket.sla_state == SlaState.ON_TRACK
    # P4: respond within 8 working hours. 75% is 6 hours: Monday 15:30.
    with time_machine.travel(ticket.at_risk_at + datetime.timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True), system_scope("test"):
            assert jobs.sla_watch() == {"at_risk": 1, "breached": 0}
        with django_capture_on_commit_callbacks(execute=True), system_scope("test"):
            assert jobs.sla_watch() == {"at_risk": 0, "breached": 0}  # once only
    [warning] = smtp_server.messages
    assert str(warning["To"]) == "agent@example.test" and "SLA at risk" in warning["Subject"]
    smtp_server.clear()
    breach = ticket.response_due + datetime.timedelta(minutes=1)
    with (
        time_machine.travel(breach, tick=False),
        django_capture_on_commit_callbacks(execute=True),
        system_scope("test"),
    ):
        assert jobs.sla_watch() == {"at_risk": 0, "breached": 1}
        assert jobs.sla_watch() == {"at_risk": 0, "breached": 0}
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        "agent@example.test",
        "manager@example.test",
    ]
    with system_scope("test"):
        ticket.refresh_from_db()
    assert ticket.sla_state == SlaState.BREACHED and ticket.breach_escalated_at is not None


def test_a_paused_ticket_is_not_warned(desk, smtp_server, django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False):
        ticket = raise_for(desk)
        with system_scope("test"):
            services.move(ticket, TicketStatus.AWAITING_CUSTOMER)
    smtp_server.clear()
    with (
        time_machine.travel(MONDAY + datetime.timedelta(days=10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
        system_scope("test"),
    ):
        assert jobs.sla_watch() == {"at_risk": 0, "breached": 0}
    assert smtp_server.messages == []


# Closing resolved tickets -----------------------------------------------------------------


def test_resolved_tickets_close_after_the_councils_working_days(cast):
    with system_scope("test"):
        ServiceCalendar.objects.create(partner=cast.wcc, close_resolved_after=2)
    friday = datetime.datetime(2026, 4, 3, 11, 0, tzinfo=LONDON)  # Good Friday: a bank holiday
    with time_machine.travel(friday - datetime.timedelta(days=1), tick=False):
        ticket = raise_for(cast)
        with system_scope("test"):
            services.resolve(ticket, "Done")  # Thursday 2 April, 11:00
    # Good Friday and Easter Monday are not working days: the two are Tuesday and Wednesday.
    with system_scope("test"):
        assert jobs.close_resolved(datetime.datetime(2026, 4, 8, 10, 59, tzinfo=LONDON)) == 0
        assert jobs.close_resolved(datetime.datetime(2026, 4, 8, 11, 0, tzinfo=LONDON)) == 1
        ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED


def test_a_council_without_a_calendar_waits_five_working_days(cast):
    with time_machine.travel(MONDAY, tick=False):
        ticket = raise_for(cast)
        with system_scope("test"):
            services.resolve(ticket, "Done")
    with system_scope("test"):
        assert jobs.close_resolved(MONDAY + datetime.timedelta(days=6)) == 0  # Sunday
        assert jobs.close_resolved(MONDAY + datetime.timedelta(days=7)) == 1  # next Monday


def test_tick_queues_the_desks_periodic_jobs(cast, capsys):
    call_command("tick", "--list")
    listed = capsys.readouterr().out
    assert "servicedesk.jobs.watch_slas" in listed
    assert "servicedesk.jobs.close_resolved_tickets" in listed
    assert "servicedesk.jobs.retry_received_mail" in listed
    call_command("tick")  # the tests run jobs at once
    queued = capsys.readouterr().out
    assert "Queued " in queued
    for job in ("watch_slas", "close_resolved_tickets", "retry_received_mail"):
        assert f"servicedesk.jobs.{job}" in queued


def test_ticket_and_change_emails_are_made_by_one_builder(desk):
    """A ticket's and a change's emails have one shape (notifications.desk_email): the
    reference in the subject and its own header, threaded, said to be a machine's, plain text
    and HTML."""
    from servicedesk import notifications
    from servicedesk.tests.test_changes import make_change

    with system_scope("test"):
        ticket = services.raise_ticket(
            partner=desk.wcc, requester=desk.wcc_staff, subject="Printer offline"
        )
        change = make_change(desk, [desk.wcc], title="Printer firmware")
        ticket_mail = notifications.message_for("logged", ticket, desk.wcc_staff)
        change_mail = notifications.change_message("approved", change, desk.wcc_lead)
    for mail, reference, header, about in (
        (ticket_mail, ticket.reference, "X-Concord-Ticket", "Printer offline"),
        (change_mail, change.reference, "X-Concord-Change", "Printer firmware"),
    ):
        message = mail.message()
        assert message["Subject"].startswith(f"[{reference}] ") and about in message["Subject"]
        assert message[header] == reference
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["In-Reply-To"] == message["References"]
        assert message["Message-ID"].startswith("<") and reference.lower() in message["Message-ID"]
        assert [kind for _, kind in mail.alternatives] == ["text/html"]
        assert reference in mail.body
    assert ticket_mail.message()["In-Reply-To"] == notifications.thread_id(ticket)
