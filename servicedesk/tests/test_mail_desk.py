"""The desk's inbound mail, in its pages and the API: its staff see every mail and why it was
held or failed, and act on one (try it again, raise a ticket for its sender, discard it); the
shared service's finance people only read; no council role sees the mailbox at all, not even
its own council's mail (a 403 list, a 404 mail, in pages and API alike)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest

from core.tenancy.scoping import system_scope
from core.tests.test_page_templates import problems_of
from servicedesk import mail_in
from servicedesk.choices import MailState
from servicedesk.models import InboundMail, Ticket

pytestmark = pytest.mark.django_db


def held(cast: Any, sender: str = "stranger@elsewhere.example") -> InboundMail:
    message = EmailMessage()
    message["From"] = f"A Stranger <{sender}>"
    message["To"] = "servicedesk@desk.example.test"
    message["Subject"] = "My laptop <b>is</b> broken"
    message["Message-ID"] = make_msgid(domain="mail.example.org")
    message.set_content("It will not start.\n<script>alert(1)</script>")
    message.add_attachment(b"a,b\n", maintype="text", subtype="csv", filename="serials.csv")
    kept = mail_in.receive_and_process(message.as_bytes(), via="smtp", envelope_from=sender)
    assert kept.state == MailState.HELD
    return kept


def page(mail: InboundMail, action: str = "") -> str:
    return mail.get_absolute_url() + (f"{action}/" if action else "")


def api(mail: InboundMail, action: str = "") -> str:
    return f"/api/v1/inbound-mail/{mail.pk}/" + (f"{action}/" if action else "")


def test_the_desk_sees_a_held_mail_and_why(cast: Any, client_for: Any, media_folder: Any) -> None:
    mail = held(cast)
    agent = client_for(cast.agent)

    listing = agent.get("/inbound-mail/?state=held").content.decode()
    assert "stranger@elsewhere.example" in listing
    shown = agent.get(page(mail))
    text = shown.content.decode()
    assert shown.status_code == 200
    assert "No active person has the address stranger@elsewhere.example." in text
    assert "It will not start." in text
    assert "<script>alert(1)</script>" not in text  # shown as text, never run
    assert "serials.csv" in text
    for action in ("Try this mail again", "Raise the ticket", "Discard this mail"):
        assert action in text
    assert problems_of(text) == []
    # Service finance reads the mailbox, and is offered nothing to do with it.
    finance = client_for(cast.finance).get(page(mail)).content.decode()
    assert "Try this mail again" not in finance


def test_no_council_role_sees_the_mailbox(cast: Any, client_for: Any, api_client_for: Any) -> None:
    with system_scope("test"):
        cast.wcc_lead.email = "wcc.lead@example.test"
        cast.wcc_lead.save()
    # Even a mail from the council's own lead, about the council.
    mail = mail_in.receive_and_process(
        b"From: wcc.lead@example.test\r\nSubject: Budget\r\nMessage-ID: <b1@x.example>\r\n\r\n"
        b"Our budget.\r\n",
        via="smtp",
        envelope_from="wcc.lead@example.test",
    )
    assert mail.state == MailState.PROCESSED
    for name in ("wcc_lead", "wcc_auditor", "wcc_staff", "rbkc_lead"):
        person = getattr(cast, name)
        browser, client = client_for(person), api_client_for(person)
        assert browser.get("/inbound-mail/").status_code == 403, name
        assert browser.get(page(mail)).status_code == 404, name
        assert browser.post(page(mail, "retry")).status_code == 404, name
        assert client.get("/api/v1/inbound-mail/").status_code == 403, name
        assert client.get(api(mail)).status_code == 404, name
        assert client.post(api(mail, "retry")).status_code == 404, name
    # The ticket it raised is the council's, as any ticket is.
    assert Ticket.objects.visible_to(cast.wcc_lead).filter(pk=mail.ticket_id).exists()


def test_the_desk_raises_a_ticket_for_a_held_mails_sender(
    cast: Any, client_for: Any, media_folder: Any
) -> None:
    mail = held(cast)
    agent = client_for(cast.agent)

    wrong = agent.post(
        page(mail, "raise"), {"partner": cast.wcc.pk, "requester": cast.rbkc_staff.pk}
    )
    assert wrong.status_code == 400
    text = wrong.content.decode()
    assert "Choose one of City of Westminster\u2019s people" in text
    assert problems_of(text) == []
    assert InboundMail.objects.unscoped("test").get(pk=mail.pk).state == MailState.HELD

    done = agent.post(
        page(mail, "raise"),
        {"partner": cast.wcc.pk, "requester": cast.wcc_staff.pk, "note": "Ana's home address"},
    )
    assert done.status_code == 302
    fresh = InboundMail.objects.unscoped("test").get(pk=mail.pk)
    assert fresh.state == MailState.PROCESSED and fresh.note == "Ana's home address"
    ticket = Ticket.objects.unscoped("test").get(pk=fresh.ticket_id)
    assert (ticket.partner_id, ticket.requester_id) == (cast.wcc.pk, cast.wcc_staff.pk)
    assert ticket.subject == "My laptop <b>is</b> broken"
    assert ticket.description.startswith("It will not start.")
    # Done is done: a processed mail is neither tried again nor discarded.
    again = agent.post(page(mail, "discard"), {"why": "late"}, follow=True)
    assert "cannot be discarded" in again.content.decode()


def test_the_desk_discards_and_retries_by_page_and_api(
    cast: Any, client_for: Any, api_client_for: Any, media_folder: Any
) -> None:
    spam, other = held(cast), held(cast, "someone@elsewhere.example")
    agent = client_for(cast.agent)
    assert agent.post(page(spam, "discard"), {"why": "Spam"}).status_code == 302
    fresh = InboundMail.objects.unscoped("test").get(pk=spam.pk)
    assert (fresh.state, fresh.note) == (MailState.DISCARDED, "Spam")

    client = api_client_for(cast.agent)
    with system_scope("test"):
        cast.wcc_colleague.email = "someone@elsewhere.example"
        cast.wcc_colleague.save()
    answer = client.post(api(other, "retry"))
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "processed"
    assert answer.json()["ticket"].startswith("INC")
    assert answer.json()["person"] == "wcc.colleague"
    refused = client.post(api(other, "discard"), {"note": "x"}, format="json")
    assert refused.status_code == 400
    assert "cannot be discarded" in str(refused.json())


def test_the_api_raises_a_ticket_and_refuses_what_it_must(
    cast: Any, api_client_for: Any, media_folder: Any
) -> None:
    mail = held(cast)
    finance = api_client_for(cast.finance)
    assert finance.get(api(mail)).status_code == 200
    assert finance.post(api(mail, "retry")).status_code == 403
    agent = api_client_for(cast.agent)
    assert agent.post("/api/v1/inbound-mail/", {"subject": "x"}, format="json").status_code == 403
    bad = agent.post(api(mail, "raise-ticket"), {"partner": "wcc", "requester": "nobody"})
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["requester"]
    made = agent.post(
        api(mail, "raise-ticket"), {"partner": "wcc", "requester": "wcc.staff"}, format="json"
    )
    assert made.status_code == 200, made.content
    assert made.json()["state"] == "processed"
    assert made.json()["council"] == "wcc"


def test_the_desks_home_page_counts_mail_to_review(cast: Any, client_for: Any) -> None:
    held(cast)
    home = client_for(cast.agent).get("/").content.decode()
    assert "Inbound mail held or failed" in home
    assert "Inbound mail" not in client_for(cast.wcc_lead).get("/").content.decode()


def test_a_second_copy_of_a_held_mail_raises_no_second_ticket(
    cast: Any, client_for: Any, media_folder: Any
) -> None:
    first = held(cast)
    second = mail_in.receive_and_process(first.as_bytes(), via="imap")
    assert second.state == MailState.HELD  # the first was not processed yet: held too
    agent = client_for(cast.agent)
    chosen = {"partner": cast.wcc.pk, "requester": cast.wcc_staff.pk}
    assert agent.post(page(first, "raise"), chosen).status_code == 302
    refused = agent.post(page(second, "raise"), chosen)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert f"processed as mail {first.pk}" in text
    assert problems_of(text) == []
    assert Ticket.objects.unscoped("test").count() == 1
    assert InboundMail.objects.unscoped("test").get(pk=second.pk).state == MailState.HELD
