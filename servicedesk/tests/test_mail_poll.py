"""`concord mail-poll` against a real IMAP server on loopback (dovecot, core.testing.imap):
each unseen message is kept, marked seen (or moved), and worked into the desk like mail to
the SMTP listener; a message read twice makes one ticket; a mailbox that cannot be read is
a plain error, never a traceback."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core.tenancy.scoping import system_scope
from servicedesk import services
from servicedesk.choices import MailState, MailVia
from servicedesk.models import InboundMail, Ticket, TicketComment

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(imap_server: Any, settings: Any, cast: Any, media_folder: Any) -> Any:
    """The desk's settings pointed at the IMAP server, and the cast with addresses."""
    settings.CONCORD_MAIL_IMAP_HOST = imap_server.host
    settings.CONCORD_MAIL_IMAP_PORT = imap_server.port
    settings.CONCORD_MAIL_IMAP_USER = imap_server.user
    settings.CONCORD_MAIL_IMAP_PASSWORD = imap_server.password
    settings.CONCORD_MAIL_IMAP_FOLDER = "INBOX"
    settings.CONCORD_MAIL_IMAP_DONE_FOLDER = ""
    settings.CONCORD_MAIL_IMAP_SSL = False
    with system_scope("test"):
        for person in (cast.wcc_staff, cast.rbkc_staff):
            person.email = f"{person.username}@example.test"
            person.save()
    return imap_server


def message(sender: str, subject: str, body: str, **headers: str) -> bytes:
    built = EmailMessage()
    built["From"] = sender
    built["To"] = "servicedesk@desk.example.test"
    built["Subject"] = subject
    built["Message-ID"] = make_msgid(domain="mail.example.org")
    built["Return-Path"] = f"<{sender}>"
    for name, value in headers.items():
        built[name.replace("_", "-")] = value
    built.set_content(body)
    return built.as_bytes()


def poll() -> str:
    out = StringIO()
    call_command("mail_poll", "--once", stdout=out)
    return out.getvalue()


def kept() -> dict[str, InboundMail]:
    return {m.subject: m for m in InboundMail.objects.unscoped("test").order_by("id")}


def test_mail_poll_takes_each_unseen_message_once(mailbox: Any, cast: Any) -> None:
    with system_scope("test"):
        ticket = services.raise_ticket(
            partner=cast.wcc, requester=cast.wcc_staff, subject="Laptop will not start"
        )
    mailbox.append(message("wcc.staff@example.test", "Printer jams", "It jams on every page."))
    mailbox.append(
        message("wcc.staff@example.test", f"Re: [{ticket.reference}] Logged", "It beeps twice.")
    )
    mailbox.append(message("stranger@elsewhere.example", "Help", "Who do I ask?"))
    mailbox.append(
        message("rbkc.staff@example.test", "Away", "Out of office.", Auto_Submitted="auto-replied")
    )

    assert poll() == "Took 4 mail(s): 1 held, 1 ignored, 2 processed.\n"

    mails = kept()
    assert {m.via for m in mails.values()} == {MailVia.IMAP}
    assert mails["Printer jams"].state == MailState.PROCESSED
    assert mails["Printer jams"].envelope_from == "<wcc.staff@example.test>"
    new = Ticket.objects.unscoped("test").get(subject="Printer jams")
    assert new.requester_id == cast.wcc_staff.pk and new.description == "It jams on every page."
    assert mails[f"Re: [{ticket.reference}] Logged"].ticket_id == ticket.pk
    [reply] = TicketComment.objects.unscoped("test").filter(ticket=ticket)
    assert reply.body == "It beeps twice." and reply.author_id == cast.wcc_staff.pk
    assert mails["Help"].state == MailState.HELD
    assert mails["Away"].state == MailState.IGNORED
    # Every message is marked seen: the next reading takes nothing.
    assert mailbox.unseen() == 0
    assert poll() == "No new mail.\n"
    assert InboundMail.objects.unscoped("test").count() == 4


def test_a_message_read_twice_makes_one_ticket(mailbox: Any) -> None:
    # As if a reading had kept it but stopped before marking it seen: it is there again.
    same = message("wcc.staff@example.test", "Keyboard", "The E key is gone.")
    mailbox.append(same)
    mailbox.append(same)

    assert poll() == "Took 2 mail(s): 1 ignored, 1 processed.\n"
    assert Ticket.objects.unscoped("test").filter(subject="Keyboard").count() == 1


def test_mail_poll_moves_what_it_took_to_the_done_folder(mailbox: Any, settings: Any) -> None:
    connection = mailbox.connect()
    try:
        assert connection.create("Done")[0] == "OK"
    finally:
        connection.logout()
    settings.CONCORD_MAIL_IMAP_DONE_FOLDER = "Done"
    mailbox.append(message("wcc.staff@example.test", "Mouse", "It does not click."))

    assert poll() == "Took 1 mail(s): 1 processed.\n"
    connection = mailbox.connect()
    try:
        assert connection.select("INBOX")[1] == [b"0"]
        assert connection.select("Done")[1] == [b"1"]
    finally:
        connection.logout()


def test_a_mailbox_that_cannot_be_read_is_a_plain_error(mailbox: Any, settings: Any) -> None:
    settings.CONCORD_MAIL_IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match=r"The mailbox at 127\.0\.0\.1 could not be read"):
        poll()
    settings.CONCORD_MAIL_IMAP_HOST = ""
    with pytest.raises(CommandError, match="CONCORD_MAIL_IMAP_HOST is not set"):
        poll()


def test_the_commands_are_typed_with_hyphens(settings: Any, capsys: Any) -> None:
    from concord.cli import main

    settings.CONCORD_MAIL_IMAP_HOST = ""
    with pytest.raises(SystemExit):
        main(["concord", "mail-poll", "--once"])
    assert "CONCORD_MAIL_IMAP_HOST is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["concord", "mail-in", "--help"])
    assert "Listen for mail to the service desk" in capsys.readouterr().out
