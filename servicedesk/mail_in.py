"""Email in: messages to the desk raise tickets and reply on them, through the desk's rules.

Every message is first kept whole as an `InboundMail` (`receive`), whichever way it came (the
SMTP listener, ``concord mail-in``, or the mailbox, ``concord mail-poll``), and only then
worked on (`process`), so nothing email brings is lost: a message that cannot be worked on is
kept with the reason, and can be tried again (`retry`). Working on one decides, in order:

1. **Can it be read, and is it small enough** (``CONCORD_MAIL_MAX_BYTES``)? Else: failed.
2. **Is it a machine's** (an out-of-office or other automatic reply, a bounce, a delivery
   report, a list's mail, the desk's own message come back, or a sender writing more than
   ``CONCORD_MAIL_RATE_LIMIT`` mails an hour)? Then it is ignored, and nothing is ever sent
   back, so mail cannot loop.
3. **Was it worked on already** (the same Message-ID processed before)? Then ignored: a mail
   seen twice makes one ticket.
4. **Who sent it**: the one active person with the From address (any case) who may raise or
   follow up tickets. Nobody, or a person who cannot: held for the desk to review.
5. **Which ticket it answers**: the ticket whose thread its In-Reply-To or References name
   (the ids servicedesk.notifications writes, and the Message-IDs of mails taken before), else
   the reference in its subject (``[INC0000123]``). The ticket must be one the sender can see
   and reply to; any other (another council's, or none at all) is refused alike, held with a
   reason that says nothing of that ticket, and the ticket is untouched.
6. **What it says**: the plain text part, else its HTML as text (scripts and styles dropped),
   decoded from its charset, with the quoted message it answers cut off.

A reply becomes the sender's public reply on the ticket (``services.comment``: a reply to a
resolved ticket reopens it, to a closed one raises a new ticket); a new mail raises a ticket
in the sender's council (``services.raise_ticket``), chosen by the desk address it was sent to
(``CONCORD_MAIL_COUNCIL_ADDRESSES``) when the sender belongs to several. Its attachments are
attached to the ticket through core.attachments, and one the upload rules refuse is named on
the ticket with the reason.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import logging
import re
from collections.abc import Iterable
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.attachments import attach_file, describe_size
from core.context import acting_as
from core.tenancy.access import ADD, access_for
from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from core.tenancy.validators import unsafe_characters
from servicedesk import notifications, services
from servicedesk.choices import MAIL_NEEDS_ACTION, MailState, Source, TicketStatus
from servicedesk.models import InboundMail, Queue, Ticket, TicketComment

logger = logging.getLogger(__name__)

#: A ticket's reference as people write it in a subject: INC0001234, REQ0001234.
REFERENCE = re.compile(r"\b((?:INC|REQ)\d{7,})\b", re.IGNORECASE)
#: What mail programs put before a subject they reply to or forward.
SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv|vs|antw|wg|tr|rif)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
#: Precedence values of mail sent to many (lists, bulk mail) or junk.
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
#: Local parts of the addresses mail servers send bounces from.
BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
#: The subject a ticket gets when the mail had none.
NO_SUBJECT = "(no subject)"


class Refused(Exception):
    """A mail that is not worked into the desk: `state` says how (held, ignored, failed)."""

    def __init__(self, state: str, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason


# Settings ---------------------------------------------------------------------------------


def max_bytes() -> int:
    """The largest message taken (settings.CONCORD_MAIL_MAX_BYTES)."""
    return int(getattr(settings, "CONCORD_MAIL_MAX_BYTES", 25 * 1024 * 1024))


def rate_limit() -> int:
    """How many mails one sender may send in an hour (settings.CONCORD_MAIL_RATE_LIMIT)."""
    return int(getattr(settings, "CONCORD_MAIL_RATE_LIMIT", 30))


def council_addresses() -> dict[str, str]:
    """Each council's own desk address, lower case, to the council's code."""
    found: dict[str, str] = {}
    for item in getattr(settings, "CONCORD_MAIL_COUNCIL_ADDRESSES", []):
        code, sep, address = str(item).partition("=")
        if sep and code.strip() and address.strip():
            found[address.strip().lower()] = code.strip()
    return found


# Text -------------------------------------------------------------------------------------


def clean_text(value: str, *, multiline: bool, limit: int | None = None) -> str:
    """`value` keeping to the text rule (core.tenancy.validators): the characters it refuses
    dropped, line breaks made plain, surrounding whitespace trimmed, cut to `limit`."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        value = " ".join(value.split())
    refused = {position - 1 for position, _ in unsafe_characters(value, multiline=multiline)}
    if refused:
        value = "".join(ch for i, ch in enumerate(value) if i not in refused)
    value = value.strip()
    return value[:limit] if limit is not None else value


class _HtmlText(HTMLParser):
    """HTML to plain text: the words people see, never a script's or a style's."""

    SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})
    BLOCK = frozenset(
        {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
         "blockquote", "pre", "hr", "section", "article", "header", "footer"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """The text of an HTML body, as its reader sees it (no markup, no scripts)."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.text()


#: Lines where the message a reply quotes begins: "On ... wrote:", Outlook's headers.
_QUOTE_STARTS = (
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*From:\s.+$"),
)


def trim_quoted(text: str) -> str:
    """The new words of a reply: up to where the message it answers is quoted. A mail that
    is all quotation (or where nothing was written above it) is kept whole."""
    lines = text.split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if any(p.match(line) for p in _QUOTE_STARTS) or (
            line.strip().startswith("On ") and _QUOTE_STARTS[0].match(joined)
        ):
            cut = index
            break
        if line.startswith(">"):
            cut = index
            break
    kept = "\n".join(lines[:cut]).strip()
    return kept or text.strip()


def _decoded(part: Message) -> str:
    """A text part's content as text, whatever charset it declares (Latin-1 read as the
    Windows-1252 it nearly always is; an unknown charset read as Windows-1252 too)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    charset = (part.get_content_charset() or "us-ascii").lower()
    if charset in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso_8859-1"}:
        charset = "windows-1252"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("windows-1252", errors="replace")


def body_of(message: EmailMessage) -> str:
    """What the mail says: its plain text part, else its HTML as text; the quoted message it
    answers cut off; keeping to the text rule."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _decoded(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return clean_text(trim_quoted(text.replace("\r\n", "\n")), multiline=True)


def attachments_of(message: EmailMessage) -> list[tuple[str, bytes]]:
    """The files a mail carries, (name, content), the body's own parts left out."""
    found: list[tuple[str, bytes]] = []
    if not message.is_multipart():
        return found
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes):
            continue
        if not name:
            if part.get_content_type() == "message/rfc822":
                name = "forwarded-message.eml"
            else:
                continue
        found.append((name, content))
    return found


def subject_of(message: Message) -> str:
    """The mail's subject on one line, keeping to the text rule."""
    try:
        return clean_text(str(message.get("Subject", "") or ""), multiline=False)
    except Exception:  # a header too broken to read is no subject
        return ""


def address_of(value: str) -> str:
    """The address in a header value (``Ana <ana@x.gov.uk>`` gives ``ana@x.gov.uk``)."""
    return clean_text(parseaddr(value)[1], multiline=False).lower()


# Receiving --------------------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    """The message, parsed the modern way (email.policy.default)."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except Exception:  # a header too broken to read is an empty one
        return ""


@transaction.atomic
def receive(
    raw: bytes, *, via: str, envelope_from: str = "", recipients: Iterable[str] = ()
) -> InboundMail:
    """Keep a message as it came, before anything is decided about it.

    `envelope_from` is the SMTP sender (``<>`` for a bounce's null sender); for a mail read
    from a mailbox, its Return-Path. Nothing in the message can stop it being kept: what
    cannot be read of its headers is left empty, and a message over the size limit is kept
    as failed, saying so.
    """
    try:
        message: Message = parse(raw)
    except Exception:  # kept all the same: processing says it cannot be read
        message = Message()
    if envelope_from in ("", "<>") and via == "imap":
        envelope_from = _header(message, "Return-Path").strip()
    mail = InboundMail(
        raw=raw,
        size=len(raw),
        via=via,
        envelope_from=clean_text(envelope_from or "", multiline=False, limit=320),
        recipients=clean_text(", ".join(recipients), multiline=True),
        from_address=address_of(_header(message, "From"))[:320],
        subject=subject_of(message)[:255],
        message_id=clean_text(_header(message, "Message-ID"), multiline=False, limit=255),
        received_at=timezone.now(),
    )
    if len(raw) > max_bytes():
        mail.state = MailState.FAILED
        mail.reason = (
            f"The message is {describe_size(len(raw))}, more than the "
            f"{describe_size(max_bytes())} the desk takes (CONCORD_MAIL_MAX_BYTES)."
        )
    mail.save()
    return mail


def receive_and_process(
    raw: bytes, *, via: str, envelope_from: str = "", recipients: Iterable[str] = ()
) -> InboundMail:
    """Keep the message (committed on its own), then work on it: what the SMTP listener and
    the mailbox reader call for each message."""
    with system_scope("taking in a mail"), acting_as(label=f"mail-in:{via}"):
        mail = receive(raw, via=via, envelope_from=envelope_from, recipients=recipients)
        if mail.state == MailState.RECEIVED:
            process(mail)
        return mail


# Processing -------------------------------------------------------------------------------


def process(mail: InboundMail) -> InboundMail:
    """Work a kept mail into the desk (module doc), and record what came of it on the mail:
    processed (with its ticket), held, ignored or failed, with the reason. Whatever goes wrong
    goes no further than the mail: the desk is left as it was, and the mail says why."""
    if mail.state == MailState.PROCESSED:
        return mail
    with system_scope("working on an inbound mail"):
        mail.attempts += 1
        try:
            with transaction.atomic():
                outcome = _work(mail)
                mail.state = MailState.PROCESSED
                mail.reason = outcome
                mail.processed_at = timezone.now()
                mail.save()
        except Refused as refused:
            _settle(mail, refused.state, refused.reason)
        except ValidationError as exc:
            _settle(mail, MailState.FAILED, "The desk refused it: " + " ".join(exc.messages))
        except IntegrityError as exc:
            if _processed_elsewhere(mail):
                # The same message was processed meanwhile (inboundmail_processed_once).
                _settle(
                    mail,
                    MailState.IGNORED,
                    "A mail with the same Message-ID has been processed already.",
                )
            else:
                logger.exception("inbound mail %s failed", mail.pk)
                _settle(mail, MailState.FAILED, f"Processing failed: IntegrityError: {exc}")
        except Exception as exc:  # kept as failed, with the reason: never lost
            logger.exception("inbound mail %s failed", mail.pk)
            _settle(mail, MailState.FAILED, f"Processing failed: {type(exc).__name__}: {exc}")
    return mail


def _processed_elsewhere(mail: InboundMail) -> bool:
    """Whether another mail with this one's Message-ID has been processed."""
    return bool(mail.message_id) and (
        InboundMail.objects.unscoped("a mail seen before")
        .filter(message_id=mail.message_id, state=MailState.PROCESSED)
        .exclude(pk=mail.pk)
        .exists()
    )


def _settle(mail: InboundMail, state: str, reason: str) -> None:
    """Record that `mail` was not worked into the desk (its work was rolled back)."""
    mail.state = state
    mail.reason = reason[:2000]
    mail.ticket = None
    mail.processed_at = timezone.now()
    if mail.pk is not None:
        # The record as it is in the database (the rolled-back work may have changed the
        # instance), with what came of it.
        fresh = InboundMail.objects.unscoped("recording what came of a mail").get(pk=mail.pk)
        fresh.state, fresh.reason, fresh.ticket = mail.state, mail.reason, None
        fresh.person, fresh.council = mail.person, mail.council
        fresh.attempts, fresh.processed_at = mail.attempts, mail.processed_at
        fresh.save()
        mail.version = fresh.version


def retry_after() -> datetime.timedelta:
    """How old a mail left received is before the job works on it again
    (settings.CONCORD_MAIL_RETRY_AFTER_MINUTES)."""
    return datetime.timedelta(
        minutes=int(getattr(settings, "CONCORD_MAIL_RETRY_AFTER_MINUTES", 10))
    )


def give_up_after() -> datetime.timedelta:
    """How old a mail left received is when the job stops trying it and marks it failed
    (settings.CONCORD_MAIL_RETRY_GIVE_UP_HOURS)."""
    return datetime.timedelta(hours=int(getattr(settings, "CONCORD_MAIL_RETRY_GIVE_UP_HOURS", 24)))


#: Mails the job works on per run at most (the rest wait for the next tick).
RETRY_BATCH = 200


def retry_received(now: datetime.datetime | None = None) -> dict[str, int]:
    """Work again on the mails left received past the grace period (kept, but their
    processing never finished: the listener or reader died, or the database went away
    mid-way), oldest first; one received longer ago than the give-up age is marked failed
    instead, saying so, for the desk to retry by hand. Each mail is locked while it is worked
    on, and skipped if another run has it or it was settled meanwhile, so two runs at once work
    no mail twice. The counts: retried, given up."""
    now = now or timezone.now()
    counts = {"retried": 0, "given_up": 0}
    rows = InboundMail.objects.unscoped("the mail left received, to work on again")
    waiting = list(
        rows.filter(state=MailState.RECEIVED, received_at__lt=now - retry_after())
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    for pk in waiting:
        with transaction.atomic():
            mail = (
                rows.select_for_update(skip_locked=True)
                .filter(pk=pk, state=MailState.RECEIVED)
                .first()
            )
            if mail is None:
                continue
            if mail.received_at < now - give_up_after():
                _settle(
                    mail,
                    MailState.FAILED,
                    "Its processing never finished, and it was not tried again after "
                    f"{give_up_after().total_seconds() / 3600:g} hours: retry it or discard it.",
                )
                counts["given_up"] += 1
                continue
            process(mail)
            counts["retried"] += 1
    return counts


def retry(mail: InboundMail) -> InboundMail:
    """Work on a received, held or failed mail again (the desk's "retry"): a sender since
    given an account, a limit since raised, a fault since fixed."""
    if mail.state not in MAIL_NEEDS_ACTION:
        raise ValidationError({"state": f"A mail that is {mail.get_state_display().lower()} "
                                        "is not tried again"})  # fmt: skip
    mail.state = MailState.RECEIVED
    mail.person = None
    mail.council = None
    return process(mail)


def discard(mail: InboundMail, note: str = "") -> InboundMail:
    """The desk decides a held or failed mail needs nothing (spam, a wrong address): kept,
    marked discarded, with the desk's note."""
    if mail.state not in MAIL_NEEDS_ACTION:
        raise ValidationError({"state": f"A mail that is {mail.get_state_display().lower()} "
                                        "cannot be discarded"})  # fmt: skip
    mail.state = MailState.DISCARDED
    if note.strip():
        mail.note = note.strip()
    mail.processed_at = timezone.now()
    mail.save()
    return mail


@transaction.atomic
def raise_for(mail: InboundMail, partner: Any, requester: Any, note: str = "") -> Ticket:
    """The desk raises a ticket from a held (or failed) mail, for `requester` in `partner`:
    a sender with no account of their own, writing for someone who has one. The mail's
    words and files go on the ticket as if the requester had sent it."""
    if mail.state not in MAIL_NEEDS_ACTION:
        raise ValidationError({"state": f"A mail that is {mail.get_state_display().lower()} "
                                        "raises no ticket"})  # fmt: skip
    message = parse(mail.as_bytes())
    mail.person, mail.council = requester, partner
    with system_scope("raising a ticket from a held mail"):
        try:
            _refuse_if_seen(mail)
        except Refused as seen:
            raise ValidationError({"state": seen.reason}) from seen
        ticket = _raise(mail, partner, requester, body_of(message))
        _attach(ticket, requester, message)
        mail.state = MailState.PROCESSED
        mail.ticket = ticket
        mail.reason = f"Raised {ticket.reference} in {partner.name} by the desk."
        if note.strip():
            mail.note = note.strip()
        mail.processed_at = timezone.now()
        mail.save()
    return ticket


def _work(mail: InboundMail) -> str:
    """Decide and do (module doc); what was done, in words. Raises Refused otherwise."""
    try:
        message = parse(mail.as_bytes())
    except Exception as exc:  # what cannot be parsed is failed, and kept
        raise Refused(MailState.FAILED, f"The message could not be read: {exc}") from exc
    if mail.size > max_bytes():
        raise Refused(
            MailState.FAILED,
            f"The message is {describe_size(mail.size)}, more than the "
            f"{describe_size(max_bytes())} the desk takes (CONCORD_MAIL_MAX_BYTES).",
        )
    machine = machine_reason(message, mail)
    if machine:
        raise Refused(MailState.IGNORED, machine)
    _refuse_if_seen(mail)
    person = sender_person(mail)
    mail.person = person
    body = body_of(message)
    ticket = thread_ticket(message, person, mail)
    with acting_as(user=person, label=f"email: inbound mail {mail.pk}"):
        if ticket is not None and ticket.status != TicketStatus.CLOSED:
            mail.council = ticket.partner
            files = _attach(ticket, person, message)
            text = body or ("(Files only.)" if files else "")
            if not text:
                raise Refused(MailState.FAILED, f"The mail has no words for {ticket.reference}.")
            services.comment(
                ticket,
                person,
                text,
                source=Source.EMAIL,
                author_label=mail.from_address,
                message_id=mail.message_id,
            )
            mail.ticket = ticket
            return f"Replied on {ticket.reference} as {person}."
        if ticket is not None:
            # A closed ticket takes no reply: a new ticket, saying which one it follows.
            partner = ticket.partner
            body = f"Follows up {ticket.reference}, which is closed.\n\n{body}".strip()
        else:
            partner = council_for(person, mail)
        mail.council = partner
        new = _raise(mail, partner, person, body)
        _attach(new, person, message)
        mail.ticket = new
        return f"Raised {new.reference} in {partner.name} for {person}."


def _raise(mail: InboundMail, partner: Any, requester: Any, body: str) -> Ticket:
    subject = SUBJECT_PREFIX.sub("", mail.subject).strip()
    ticket = services.raise_ticket(
        partner=partner,
        requester=requester,
        subject=clean_text(subject, multiline=False, limit=200) or NO_SUBJECT,
        description=body,
        source=Source.EMAIL,
    )
    mail.ticket = ticket
    return ticket


def _attach(ticket: Ticket, person: Any, message: EmailMessage) -> list[str]:
    """Attach the mail's files to `ticket` (the upload rules apply); a file refused is named
    on the ticket with the reason. The names attached."""
    attached: list[str] = []
    refused: list[str] = []
    for name, content in attachments_of(message):
        upload = SimpleUploadedFile(name, content)
        try:
            with transaction.atomic():
                attach_file(ticket, upload, person, title="From the email")
        except ValidationError as exc:
            refused.append(f"{upload.name}: {' '.join(exc.messages)}")
        else:
            attached.append(str(upload.name))
    if refused:
        services.comment(
            ticket,
            None,
            "Not attached from the email:\n" + "\n".join(f"- {line}" for line in refused),
            source=Source.EMAIL,
            author_label="Concord",
        )
    return attached


# Deciding ---------------------------------------------------------------------------------


def own_addresses() -> set[str]:
    """The addresses the desk sends from: mail from them is the desk's own come back."""
    found = {address_of(str(settings.DEFAULT_FROM_EMAIL))}
    queues = Queue.objects.unscoped("the desk's own addresses").exclude(email="")
    found.update(address.lower() for address in queues.values_list("email", flat=True))
    return {a for a in found if a}


def machine_reason(message: Message, mail: InboundMail) -> str:
    """Why the mail is a machine's, to be ignored and never answered ("" for a person's)."""
    auto = _header(message, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return f"An automatic reply (Auto-Submitted: {auto[:40]}): ignored, never answered."
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"A bulk or list mail (Precedence: {precedence}): ignored, never answered."
    if (
        _header(message, "X-Auto-Response-Suppress").strip()
        or _header(message, "X-Autoreply").strip()
        or _header(message, "X-Autorespond").strip()
    ):
        return "An automatic reply (it asks not to be answered): ignored, never answered."
    if mail.envelope_from.strip() in ("<>", "") and mail.via == "smtp":
        return "A bounce (its sender is empty): ignored, never answered."
    if _header(message, "Return-Path").strip() == "<>":
        return "A bounce (its Return-Path is empty): ignored, never answered."
    if message.get_content_type() == "multipart/report":
        return "A delivery or read report: ignored, never answered."
    sender = mail.from_address
    if sender.partition("@")[0] in BOUNCE_SENDERS:
        return f"A bounce (from {sender}): ignored, never answered."
    if _header(message, "X-Concord-Ticket") or is_own_message_id(mail.message_id):
        return "The desk's own message came back: ignored, never answered."
    if sender and sender in own_addresses():
        return f"Mail from the desk's own address ({sender}): ignored, never answered."
    if sender:
        since = timezone.now() - datetime.timedelta(hours=1)
        recent = (
            InboundMail.objects.unscoped("counting a sender's mails")
            .filter(from_address=sender, received_at__gte=since)
            .exclude(pk=mail.pk)
            .count()
        )
        if recent >= rate_limit():
            return (
                f"{sender} sent more than {rate_limit()} mails within an hour "
                "(CONCORD_MAIL_RATE_LIMIT): ignored as a likely mail loop, never answered."
            )
    return ""


def is_own_message_id(value: str) -> bool:
    """Whether a Message-ID is one the desk wrote (servicedesk.notifications): a ticket's
    thread id, or a message's own id, which ends with the ticket's reference, at the desk's
    domain. Other mail from the same domain (the councils' own mail servers) is not."""
    domain = re.escape(notifications.desk_domain().lower())
    return bool(
        re.fullmatch(
            rf"<[^<>@\s]*\b(?:inc|req)\d{{7,}}(?:\.[^<>@.\s]+\.\d+)?@{domain}>", value.lower()
        )
    )


def _refuse_if_seen(mail: InboundMail) -> None:
    """A message processed before (by its Message-ID) is not worked in twice."""
    if not mail.message_id:
        return
    earlier = (
        InboundMail.objects.unscoped("a mail seen before")
        .filter(message_id=mail.message_id, state=MailState.PROCESSED)
        .exclude(pk=mail.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if earlier is not None:
        raise Refused(
            MailState.IGNORED, f"The same message (Message-ID) was processed as mail {earlier}."
        )
    replied = TicketComment.objects.unscoped("a mail seen before").filter(
        email_message_id=mail.message_id
    )
    if replied.exists():
        raise Refused(MailState.IGNORED, "The same message (Message-ID) is on a ticket already.")


def sender_person(mail: InboundMail) -> Any:
    """The one active person whose address is the mail's From (any case); else held."""
    address = mail.from_address
    if not address:
        raise Refused(MailState.HELD, "The mail says nobody sent it (no From address).")
    User = get_user_model()
    people = list(User.objects.filter(email__iexact=address, is_active=True)[:2])
    if not people:
        raise Refused(MailState.HELD, f"No active person has the address {address}.")
    if len(people) > 1:
        raise Refused(
            MailState.HELD, f"More than one person has the address {address}: choose who it is."
        )
    person = people[0]
    if access_for(person).access_ended:
        raise Refused(
            MailState.HELD, f"{person}'s council has left the partnership: they raise no tickets."
        )
    return person


def thread_ids(message: Message) -> list[str]:
    """The Message-IDs a reply names (In-Reply-To, then References, nearest first)."""
    ids: list[str] = []
    for name in ("In-Reply-To", "References"):
        found = re.findall(r"<[^<>\s]+>", _header(message, name))
        ids.extend(reversed(found) if name == "References" else found)
    return list(dict.fromkeys(ids))


def _threaded(message: Message) -> list[int]:
    """The ids of the tickets the mail's thread headers name: the thread ids notifications
    write (``<inc0000123.wcc.42@desk>``) and the Message-IDs of replies taken by email."""
    domain = notifications.desk_domain().lower()
    pks: list[int] = []
    ids = thread_ids(message)
    for value in ids:
        local, _, at = value[1:-1].rpartition("@")
        parts = local.split(".")
        if at.lower() != domain or len(parts) < 3 or not parts[-1].isdigit():
            continue
        if not REFERENCE.fullmatch(parts[0]) or len(parts[-1]) > 18:
            continue
        ticket = (
            Ticket.objects.unscoped("the ticket a mail's thread names")
            .filter(
                pk=int(parts[-1]), reference=parts[0].upper(), partner__code=".".join(parts[1:-1])
            )
            .values_list("pk", flat=True)
            .first()
        )
        if ticket is not None:
            pks.append(ticket)
    if ids:
        pks += list(
            TicketComment.objects.unscoped("the ticket a mail's thread names")
            .filter(email_message_id__in=ids[:50])
            .values_list("ticket_id", flat=True)
        )
    return list(dict.fromkeys(pks))


def thread_ticket(message: Message, person: Any, mail: InboundMail) -> Ticket | None:
    """The ticket the mail answers (None: it answers none, so it is a new one). One the
    sender cannot see or reply to is refused, and held, the same way whether it exists in
    another council or not at all."""
    visible = Ticket.objects.visible_to(person).select_related("partner")
    threaded = _threaded(message)
    if threaded:
        found = list(visible.filter(pk__in=threaded)[:2])
        if len(found) == 1:
            return _may_reply(found[0], person)
    references = sorted({ref.upper() for ref in REFERENCE.findall(mail.subject)})
    if not references and threaded:
        raise Refused(MailState.HELD, _not_theirs("The mail answers a ticket", person))
    if not references:
        return None
    found = list(visible.filter(reference__in=references)[:2])
    if len(found) > 1:
        raise Refused(
            MailState.HELD,
            f"The subject names {', '.join(references)}, and {person} can see more than one "
            "ticket so numbered: choose which it answers.",
        )
    if not found:
        raise Refused(
            MailState.HELD, _not_theirs(f"The subject names {', '.join(references)}", person)
        )
    return _may_reply(found[0], person)


def _not_theirs(what: str, person: Any) -> str:
    return f"{what}, which is not a ticket {person} can see: not threaded, nothing changed."


def _may_reply(ticket: Ticket, person: Any) -> Ticket:
    if ticket.status == TicketStatus.CLOSED or services.ticket_actions(person, ticket)["reply"]:
        return ticket
    raise Refused(MailState.HELD, f"{person} can read {ticket.reference} but may not reply to it.")


def council_for(person: Any, mail: InboundMail) -> Any:
    """The council a new mail's ticket is raised in: the sender's, where they may raise
    tickets; with several, the one whose desk address the mail was sent to; else held."""
    access = access_for(person)
    councils = Partner.objects.unscoped("the councils a sender raises tickets in")
    if access.is_service_staff:
        ids = None
    else:
        ids = sorted(pid for pid in access.roles_by_partner if access.can(ADD, Ticket.area, [pid]))
        if not ids:
            raise Refused(MailState.HELD, f"{person} may not raise tickets.")
        councils = councils.filter(pk__in=ids)
    councils = councils.exclude(left_on__lte=timezone.localdate())
    by_address = council_addresses()
    sent_to = {
        address.lower()
        for _, address in getaddresses([mail.recipients])
        if address.lower() in by_address
    }
    codes = {by_address[address] for address in sent_to}
    if codes:
        chosen = list(councils.filter(code__in=sorted(codes))[:2])
        if len(chosen) == 1:
            return chosen[0]
    if ids is not None and len(ids) == 1:
        only = councils.first()
        if only is not None:
            return only
    if ids is None:
        raise Refused(
            MailState.HELD,
            f"{person} works for the shared service, and the mail names no council's desk "
            "address: raise the ticket for the council it is about.",
        )
    raise Refused(
        MailState.HELD,
        f"{person} raises tickets in more than one council, and the mail names no council's "
        "desk address: raise it in the right one.",
    )
