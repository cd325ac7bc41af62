"""Email in, through the real SMTP listener on loopback (`concord mail-in`'s, in this process
on a free port) with messages sent by smtplib: a mail raises a ticket or replies on one, in
the desk's rules; its files are attached, whatever its charset it reads right, HTML is read
as text; an unknown sender is held, a machine's mail ignored and never answered, a mail too
big refused with 552; a forged reply to another council's ticket changes nothing and tells
nothing. What comes of each mail is on its record, and a mail that failed is tried again."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from django.utils import timezone

from core.models import Attachment
from core.tenancy.scoping import system_scope
from core.testing.mail import free_port
from servicedesk import mail_in, notifications, services
from servicedesk.choices import MailState, Source, TicketStatus
from servicedesk.mailbox import listener
from servicedesk.models import InboundMail, Ticket, TicketComment

DESK = "servicedesk@desk.example.test"

#: These tests send through a listener whose thread writes the database: what the test made
#: must be committed for it to see.
listening = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(cast: Any, media_folder: Any) -> Any:
    """The cast with email addresses (the requesters' in mixed case, as people type them)."""
    with system_scope("test"):
        for person in (cast.wcc_staff, cast.wcc_lead, cast.rbkc_staff, cast.agent):
            person.email = f"{person.username}@Example.test"
            person.save()
    return cast


class Desk:
    """The desk's SMTP listener on a free loopback port, and a way to send to it."""

    def __init__(self, port: int) -> None:
        self.port = port

    def send(self, message: EmailMessage, sender: str | None = None) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            client.send_message(
                message, from_addr=sender if sender is not None else str(message["From"])
            )


@pytest.fixture
def desk(settings: Any) -> Iterator[Desk]:
    settings.CONCORD_MAIL_MAX_BYTES = 200_000
    controller = listener("127.0.0.1", free_port())
    controller.start()
    try:
        yield Desk(controller.port)
    finally:
        controller.stop()


def mail(
    sender: str, subject: str, body: str | None = "The printer on floor 3 jams.", **headers: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = DESK
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.org")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if body is not None:
        message.set_content(body)
    return message


def mails() -> list[InboundMail]:
    return list(InboundMail.objects.unscoped("test").order_by("id"))


def tickets() -> list[Ticket]:
    return list(Ticket.objects.unscoped("test").order_by("id"))


def comments(ticket: Ticket) -> list[TicketComment]:
    return list(TicketComment.objects.unscoped("test").filter(ticket=ticket).order_by("id"))


def raised(cast: Any, partner: Any = None, requester: Any = None, **extra: Any) -> Ticket:
    with system_scope("test"):
        return services.raise_ticket(
            partner=partner or cast.wcc,
            requester=requester or cast.wcc_staff,
            subject=extra.pop("subject", "Laptop will not start"),
            **extra,
        )


# New tickets ------------------------------------------------------------------------------


@listening
def test_a_multipart_mail_raises_a_ticket_with_its_file(
    people: Any, desk: Desk, smtp_server: Any
) -> None:
    message = mail("Ana <WCC.STAFF@example.test>", "Printer jams", "It jams on every page.")
    message.add_alternative("<p>It jams on <b>every</b> page.</p>", subtype="html")
    message.add_attachment(
        b"%PDF-1.4 the error report", maintype="application", subtype="pdf", filename="error.pdf"
    )
    desk.send(message)

    [kept] = mails()
    [ticket] = tickets()
    assert kept.state == MailState.PROCESSED, kept.reason
    assert (kept.ticket_id, kept.person_id, kept.council_id) == (
        ticket.pk,
        people.wcc_staff.pk,
        people.wcc.pk,
    )
    assert b"Subject: Printer jams" in kept.as_bytes() and kept.size == len(kept.as_bytes())
    assert ticket.partner_id == people.wcc.pk
    assert ticket.requester_id == people.wcc_staff.pk
    assert ticket.source == Source.EMAIL
    assert ticket.subject == "Printer jams"
    assert ticket.description == "It jams on every page."
    [attached] = Attachment.objects.unscoped("test").filter(object_id=ticket.pk)
    assert attached.original_name == "error.pdf"
    assert attached.uploaded_by_id == people.wcc_staff.pk
    with attached.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4 the error report"
    # The requester is told the ticket is logged, as for a ticket raised on the portal.
    [told] = smtp_server.messages
    assert ticket.reference in str(told["Subject"])
    assert "wcc.staff@example.test" in str(told["To"]).lower()


@listening
def test_an_html_only_mail_is_read_as_text_without_its_scripts(people: Any, desk: Desk) -> None:
    message = mail("wcc.staff@example.test", "Cannot sign in", body=None)
    message.set_content(
        "<html><head><style>p {color: red}</style><script>alert('x')</script></head>"
        "<body><p>I cannot sign in to <b>the revenues system</b>.</p><ul><li>since Monday</li>"
        "</ul><script>document.cookie</script></body></html>",
        subtype="html",
    )
    desk.send(message)

    [ticket] = tickets()
    assert "I cannot sign in to the revenues system." in ticket.description
    assert "- since Monday" in ticket.description
    for hidden in ("alert", "cookie", "color", "<"):
        assert hidden not in ticket.description


@listening
@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-8859-1", "Café on the 3rd floor: 50 °C"),
        ("windows-1252", "It says \u201cpaper jam\u201d \u2013 again"),
    ],
)
def test_a_mail_in_another_charset_is_read_right(
    people: Any, desk: Desk, charset: str, text: str
) -> None:
    message = mail("wcc.staff@example.test", "Heating", body=None)
    message.set_content(text.encode(charset), maintype="text", subtype="plain")
    message.set_param("charset", charset)
    desk.send(message)

    [ticket] = tickets()
    assert ticket.description == text


@listening
def test_a_mail_too_big_is_refused_with_552_and_nothing_is_kept(people: Any, desk: Desk) -> None:
    message = mail("wcc.staff@example.test", "Huge", "x" * 300_000)
    with pytest.raises(smtplib.SMTPResponseException) as refused:
        desk.send(message)
    assert refused.value.smtp_code == 552
    assert mails() == [] and tickets() == []


@pytest.mark.django_db
def test_a_mail_too_big_from_the_mailbox_is_kept_as_failed(people: Any, settings: Any) -> None:
    settings.CONCORD_MAIL_MAX_BYTES = 1000
    kept = mail_in.receive_and_process(
        mail("wcc.staff@example.test", "Huge", "x" * 5000).as_bytes(), via="imap"
    )
    assert kept.state == MailState.FAILED
    assert "more than the 1000 bytes the desk takes" in kept.reason
    assert tickets() == []
    # Once the limit allows it, trying it again raises the ticket: nothing was lost.
    settings.CONCORD_MAIL_MAX_BYTES = 100_000
    mail_in.retry(kept)
    assert kept.state == MailState.PROCESSED and kept.ticket is not None


# Replies ----------------------------------------------------------------------------------


@listening
def test_a_reply_threads_by_the_reference_in_its_subject(
    people: Any, desk: Desk, smtp_server: Any
) -> None:
    ticket = raised(people)
    with system_scope("test"):
        services.comment(ticket, people.agent, "Is it plugged in?")
    smtp_server.clear()
    reply = mail(
        "wcc.staff@example.test",
        f"RE: [{ticket.reference}] New reply: Laptop will not start",
        "Yes, it is plugged in.\n\nOn Mon, 2 Mar 2026 at 09:30, Concord wrote:\n"
        "> Is it plugged in?",
    )
    desk.send(reply)

    [kept] = mails()
    assert kept.state == MailState.PROCESSED, kept.reason
    assert kept.ticket_id == ticket.pk
    *_, answer = comments(ticket)
    assert answer.author_id == people.wcc_staff.pk
    assert answer.body == "Yes, it is plugged in."
    assert answer.public and answer.source == Source.EMAIL
    assert answer.email_message_id == str(reply["Message-ID"])
    assert len(tickets()) == 1


@listening
def test_a_reply_threads_by_the_headers_the_desk_wrote(
    people: Any, desk: Desk, smtp_server: Any
) -> None:
    ticket = raised(people, subject="Monitor flickers")
    with system_scope("test"):
        ticket = (
            Ticket.objects.unscoped("test").select_related("partner", "queue").get(pk=ticket.pk)
        )
        services.move(ticket, TicketStatus.AWAITING_CUSTOMER)
        ticket.save()
        sent = notifications.message_for("awaiting", ticket, people.wcc_staff).message()
    # The person's mail program drops the reference from the subject; the headers remain.
    reply = mail(
        "wcc.staff@example.test",
        "Re: my monitor",
        "It flickers when the laptop is docked.",
        In_Reply_To=str(sent["Message-ID"]),
        References=f"{sent['References']} {sent['Message-ID']}",
    )
    desk.send(reply)

    [kept] = mails()
    assert kept.state == MailState.PROCESSED, kept.reason
    fresh = Ticket.objects.unscoped("test").get(pk=ticket.pk)
    assert kept.ticket_id == ticket.pk
    assert comments(ticket)[-1].body == "It flickers when the laptop is docked."
    # The requester's reply to a ticket awaiting them starts its clocks again.
    assert fresh.status == TicketStatus.IN_PROGRESS
    # A reply to that reply (the desk's own Message-ID for it) threads there too.
    again = mail(
        "wcc.staff@example.test",
        "Re: Re: my monitor",
        "And now it is black.",
        In_Reply_To=str(reply["Message-ID"]),
    )
    desk.send(again)
    assert comments(ticket)[-1].body == "And now it is black."


# What is not worked into the desk ---------------------------------------------------------


@listening
def test_mail_from_an_unknown_sender_is_held_not_dropped(
    people: Any, desk: Desk, smtp_server: Any
) -> None:
    desk.send(mail("stranger@elsewhere.example", "Please help", "My laptop is broken."))

    [kept] = mails()
    assert kept.state == MailState.HELD
    assert kept.reason == "No active person has the address stranger@elsewhere.example."
    assert tickets() == []
    assert smtp_server.messages == []  # nothing is sent to an unknown sender
    # The desk gives the sender an account and tries again: the ticket is raised.
    with system_scope("test"):
        people.wcc_colleague.email = "stranger@elsewhere.example"
        people.wcc_colleague.save()
    mail_in.retry(kept)
    assert kept.state == MailState.PROCESSED
    assert kept.ticket is not None and kept.ticket.requester_id == people.wcc_colleague.pk
    assert kept.attempts == 2


@listening
@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, None, "An automatic reply (Auto-Submitted"),
        ({"Precedence": "bulk"}, None, "A bulk or list mail"),
        ({"X_Auto_Response_Suppress": "All"}, None, "An automatic reply"),
        ({}, "", "A bounce (its sender is empty)"),
    ],
)
def test_an_automatic_reply_or_bounce_is_ignored_and_never_answered(
    people: Any, desk: Desk, smtp_server: Any, headers: dict[str, str], sender: Any, reason: str
) -> None:
    ticket = raised(people)
    smtp_server.clear()
    message = mail(
        "wcc.staff@example.test",
        f"Out of office: [{ticket.reference}] Logged",
        "I am away until Monday.",
        **headers,
    )
    desk.send(message, sender=sender)

    [kept] = mails()
    assert kept.state == MailState.IGNORED
    assert kept.reason.startswith(reason), kept.reason
    assert comments(ticket) == []
    assert smtp_server.messages == []


@listening
def test_a_forged_reply_to_another_councils_ticket_changes_and_tells_nothing(
    people: Any, desk: Desk, smtp_server: Any
) -> None:
    theirs = raised(people, subject="Payroll export for the chief executive")
    before = Ticket.objects.unscoped("test").get(pk=theirs.pk)
    smtp_server.clear()
    # Kensington and Chelsea's requester answers Westminster's ticket, by reference and by
    # the thread id the desk writes.
    forged = mail(
        "rbkc.staff@example.test",
        f"Re: [{theirs.reference}] Payroll",
        "Please send me the export.",
        In_Reply_To=notifications.thread_id(theirs),
        References=notifications.thread_id(theirs),
    )
    desk.send(forged)
    # And a reply naming a ticket that exists nowhere.
    desk.send(mail("rbkc.staff@example.test", "Re: [INC0999999] Payroll", "Send it."))

    forged_mail, nowhere_mail = mails()
    assert forged_mail.state == nowhere_mail.state == MailState.HELD
    # The refusal reads the same whether the ticket is another council's or nobody's.
    assert forged_mail.reason.replace(theirs.reference, "X") == nowhere_mail.reason.replace(
        "INC0999999", "X"
    )
    for secret in (theirs.subject, "Westminster", "wcc.staff", str(theirs.pk)):
        assert secret not in forged_mail.reason
    assert forged_mail.ticket_id is None
    after = Ticket.objects.unscoped("test").get(pk=theirs.pk)
    assert (after.version, after.status) == (before.version, before.status)
    assert comments(theirs) == []
    assert len(tickets()) == 1
    assert smtp_server.messages == []  # no reply, to anyone


@listening
def test_a_mail_seen_twice_makes_one_ticket(people: Any, desk: Desk) -> None:
    message = mail("wcc.staff@example.test", "Keyboard missing keys", "The E key is gone.")
    desk.send(message)
    desk.send(message)

    first, second = mails()
    assert first.state == MailState.PROCESSED
    assert second.state == MailState.IGNORED
    assert f"processed as mail {first.pk}" in second.reason
    assert len(tickets()) == 1


# Without the listener: the rules themselves ----------------------------------------------


def take(message: EmailMessage, **kwargs: Any) -> InboundMail:
    kwargs.setdefault("envelope_from", str(message["From"]))
    kwargs.setdefault("recipients", [DESK])
    return mail_in.receive_and_process(message.as_bytes(), via="smtp", **kwargs)


@pytest.mark.django_db
def test_a_file_the_upload_rules_refuse_is_named_on_the_ticket(people: Any) -> None:
    message = mail("wcc.staff@example.test", "Installer", "Please install this.")
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="octet-stream",
                           filename="setup.exe")  # fmt: skip
    message.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="list.csv")
    kept = take(message)

    assert kept.state == MailState.PROCESSED, kept.reason
    ticket = kept.ticket
    assert ticket is not None
    names = set(Attachment.objects.unscoped("test").values_list("original_name", flat=True))
    assert names == {"list.csv"}
    [note] = comments(ticket)
    assert note.body.startswith("Not attached from the email:\n- setup.exe: Files of type .exe")


@pytest.mark.django_db
def test_a_reply_to_a_closed_ticket_raises_a_new_one(people: Any) -> None:
    ticket = raised(people)
    with system_scope("test"):
        services.resolve(ticket, "Replaced the battery")
        services.close(ticket)
    kept = take(mail("wcc.staff@example.test", f"Re: [{ticket.reference}] Resolved", "Again!"))

    assert kept.state == MailState.PROCESSED
    assert kept.ticket is not None and kept.ticket.pk != ticket.pk
    assert kept.ticket.description == f"Follows up {ticket.reference}, which is closed.\n\nAgain!"


@pytest.mark.django_db
def test_a_reply_to_a_resolved_ticket_reopens_it(people: Any) -> None:
    ticket = raised(people)
    with system_scope("test"):
        services.resolve(ticket, "Replaced the battery")
    take(mail("wcc.staff@example.test", f"Re: [{ticket.reference}] Resolved", "Still dead."))
    assert Ticket.objects.unscoped("test").get(pk=ticket.pk).status == TicketStatus.REOPENED


@pytest.mark.django_db
def test_a_person_of_several_councils_is_placed_by_the_desk_address(
    people: Any, settings: Any
) -> None:
    from core.tenancy.models import Membership

    with system_scope("test"):
        Membership.objects.create(user=people.wcc_staff, partner=people.rbkc, role="requester")
    held = take(mail("wcc.staff@example.test", "Wi-Fi", "No Wi-Fi."))
    assert held.state == MailState.HELD
    assert "more than one council" in held.reason

    settings.CONCORD_MAIL_COUNCIL_ADDRESSES = ["wcc=desk@wcc.example", "rbkc=desk@rbkc.example"]
    message = mail("wcc.staff@example.test", "Wi-Fi again", "Still no Wi-Fi.")
    placed = take(message, recipients=["desk@rbkc.example"])
    assert placed.state == MailState.PROCESSED, placed.reason
    assert placed.ticket is not None and placed.ticket.partner_id == people.rbkc.pk


@pytest.mark.django_db
def test_the_desks_own_mail_coming_back_is_ignored(people: Any) -> None:
    ticket = raised(people)
    with system_scope("test"):
        ticket = (
            Ticket.objects.unscoped("test").select_related("partner", "queue").get(pk=ticket.pk)
        )
        ours = notifications.message_for("logged", ticket, people.wcc_staff).message()
    del ours["Auto-Submitted"], ours["X-Auto-Response-Suppress"]
    ours.replace_header("From", "wcc.staff@example.test")
    kept = mail_in.receive_and_process(ours.as_bytes(), via="smtp", envelope_from="x@y.example")
    assert kept.state == MailState.IGNORED
    assert "own message came back" in kept.reason


@pytest.mark.django_db
def test_a_sender_over_the_rate_limit_is_ignored_as_a_loop(people: Any, settings: Any) -> None:
    settings.CONCORD_MAIL_RATE_LIMIT = 2
    states = [take(mail("wcc.staff@example.test", f"Thing {n}", "Words.")).state for n in range(4)]
    assert states == [MailState.PROCESSED, MailState.PROCESSED, MailState.IGNORED,
                      MailState.IGNORED]  # fmt: skip


@pytest.mark.django_db
def test_a_mail_that_fails_is_kept_with_the_reason_and_can_be_retried(
    people: Any, monkeypatch: Any
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the numbering service is down")

    with monkeypatch.context() as patched:
        patched.setattr(services, "raise_ticket", broken)
        kept = take(mail("wcc.staff@example.test", "Phone", "My phone is dead."))
    assert kept.state == MailState.FAILED
    assert kept.reason == "Processing failed: RuntimeError: the numbering service is down"
    assert tickets() == []

    mail_in.retry(kept)
    assert kept.state == MailState.PROCESSED
    assert [t.subject for t in tickets()] == ["Phone"]
    assert InboundMail.objects.unscoped("test").get(pk=kept.pk).attempts == 2


def test_quoted_text_is_cut_and_html_read_safely() -> None:
    assert mail_in.trim_quoted("Thanks!\n\n> earlier words\n> more") == "Thanks!"
    assert mail_in.trim_quoted("Done.\n-----Original Message-----\nFrom: x") == "Done."
    assert (
        mail_in.trim_quoted("Fine.\nOn Tue, 3 Mar 2026, Desk <d@x.example>\nwrote:\n> hi")
        == "Fine."
    )
    assert mail_in.trim_quoted("> only a quotation") == "> only a quotation"
    assert mail_in.html_to_text("<p>a&amp;b</p><script>x()</script><p>c</p>") == "a&b\n\nc"
    assert mail_in.clean_text("a\u202eb\x07c", multiline=False) == "abc"


@pytest.mark.django_db
def test_two_copies_worked_on_at_once_make_one_ticket(people: Any, monkeypatch: Any) -> None:
    # Two listeners take copies of one message at the same moment: neither has seen the other
    # processed when it looks, and the database keeps to one processed mail per Message-ID.
    message = mail("wcc.staff@example.test", "Scanner", "It scans blank pages.")
    first = take(message)
    monkeypatch.setattr(mail_in, "_refuse_if_seen", lambda mail: None)
    second = take(message)

    assert (first.state, second.state) == (MailState.PROCESSED, MailState.IGNORED)
    assert second.reason == "A mail with the same Message-ID has been processed already."
    assert [t.subject for t in tickets()] == ["Scanner"]


@pytest.mark.django_db
def test_a_backup_holds_each_message_byte_for_byte(people: Any, tmp_path: Any) -> None:
    import gzip
    import json

    from django.core import serializers

    from core.backup import write_backup

    message = mail("wcc.staff@example.test", "Caf\u00e9 \u2013 heating", "Warm \u00e9\x00\xff")
    raw = message.as_bytes() + b"\xff\xfe binary tail"
    kept = mail_in.receive(raw, via="imap")
    path = tmp_path / "backup.json.gz"
    write_backup(path)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        [record] = [
            row for row in map(json.loads, lines) if row.get("model") == "servicedesk.inboundmail"
        ]
    (restored,) = serializers.deserialize("python", [record])
    assert restored.object.pk == kept.pk
    assert isinstance(restored.object, InboundMail)
    assert restored.object.as_bytes() == raw


@pytest.mark.django_db
def test_mail_left_received_is_worked_on_again_after_the_grace_period(
    people: Any, settings: Any
) -> None:
    import datetime

    from core.models import ChangeRecord
    from servicedesk import jobs

    settings.CONCORD_MAIL_RETRY_AFTER_MINUTES = 10
    settings.CONCORD_MAIL_RETRY_GIVE_UP_HOURS = 24
    # Kept, but the process died before working on it (receive alone, as the listener does
    # first): it stays "received".
    with system_scope("test"):
        stuck = mail_in.receive(
            mail("wcc.staff@example.test", "Monitor", "It flickers.").as_bytes(),
            via="smtp",
            envelope_from="wcc.staff@example.test",
            recipients=[DESK],
        )
        held = take(mail("nobody@example.org", "Hello", "Who reads this?"))
    assert (stuck.state, held.state) == (MailState.RECEIVED, MailState.HELD)
    came = stuck.received_at
    with system_scope("test"):
        # Within the grace period it is left alone (the listener may be working on it yet).
        assert mail_in.retry_received(came + datetime.timedelta(minutes=9)) == {
            "retried": 0,
            "given_up": 0,
        }
        assert InboundMail.objects.unscoped("test").get(pk=stuck.pk).state == MailState.RECEIVED
        assert mail_in.retry_received(came + datetime.timedelta(minutes=11)) == {
            "retried": 1,
            "given_up": 0,
        }
    done = InboundMail.objects.unscoped("test").get(pk=stuck.pk)
    assert (done.state, done.attempts) == (MailState.PROCESSED, 1), done.reason
    assert done.ticket is not None and done.ticket.subject == "Monitor"
    # Nothing twice; a held mail waits for the desk, whatever its age.
    with system_scope("test"):
        assert mail_in.retry_received(came + datetime.timedelta(hours=2)) == {
            "retried": 0,
            "given_up": 0,
        }
    assert InboundMail.objects.unscoped("test").get(pk=held.pk).state == MailState.HELD
    assert [t.subject for t in tickets()] == ["Monitor"]

    # One left received for longer than the give-up age is failed, saying so, and the job's
    # run is in the change log as the job's (the periodic job, as `concord tick` runs it).
    with system_scope("test"):
        old = mail_in.receive(
            mail("wcc.staff@example.test", "Keyboard", "Keys stick.").as_bytes(),
            via="smtp",
            envelope_from="wcc.staff@example.test",
            recipients=[DESK],
        )
        old.received_at = timezone.now() - datetime.timedelta(hours=25)
        old.save()
    assert jobs.retry_received_mail.call() == {"retried": 0, "given_up": 1}
    old = InboundMail.objects.unscoped("test").get(pk=old.pk)
    assert old.state == MailState.FAILED
    assert old.reason == (
        "Its processing never finished, and it was not tried again after 24 hours: retry it "
        "or discard it."
    )
    with system_scope("test"):
        record = ChangeRecord.objects.filter(object_id=old.pk, action="update").latest("id")
    assert record.actor_label == "job:retry received mail"
    assert [t.subject for t in tickets()] == ["Monitor"]
