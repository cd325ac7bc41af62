"""The one shape of every email Concord writes by itself, and how it is sent.

Every app's notifications (a ticket's events, a contract's or a licence's reminder, a risk's
review, a monthly pack) are machine-written messages to people, and each must be the same in
the ways that matter to mail systems and to the people reading them:

- plain text and HTML, from the templates ``<template>.txt`` and ``<template>.html`` rendered
  with the same context;
- a subject on one line, at most 200 characters (a title with a line break in it would
  otherwise break the header);
- a Message-ID of Concord's own domain (the sending address's), so that mail coming back is
  known as a reply to Concord (servicedesk.mail_in reads it);
- said to be a machine's (``Auto-Submitted: auto-generated``, ``X-Auto-Response-Suppress``),
  so that out-of-office replies and other robots do not answer it and no loop starts;
- to one person, each message on its own, so that nobody sees who else was told.

Who may be told is the app's: `may_read` asks the one visibility rule whether a person can
open the record now (never another council's people), at the moment of sending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

#: The longest subject written; a longer one is cut.
SUBJECT_LENGTH = 200


def mail_domain() -> str:
    """The domain of Concord's own Message-IDs: its sending address's (``localhost`` if none)."""
    return str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip(">") or "localhost"


def one_line(text: str) -> str:
    """`text` with every run of white space (line breaks included) made one space."""
    return " ".join(str(text).split())


def automated_email(
    *,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    to: str,
    kind: str,
    headers: Mapping[str, str] | None = None,
    sender: str | None = None,
    reply_to: str | None = None,
) -> EmailMultiAlternatives:
    """A machine-written email to the address `to`, in the one shape (see the module).

    `template` names the pair ``<template>.txt`` / ``<template>.html``; `kind` goes into the
    Message-ID (``<...kind@domain>``); `headers` adds or overrides headers (a record's
    reference, a thread's ``In-Reply-To``)."""
    message = EmailMultiAlternatives(
        subject=one_line(subject)[:SUBJECT_LENGTH],
        body=render_to_string(f"{template}.txt", dict(context)),
        from_email=sender or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers={
            "Message-ID": make_msgid(idstring=kind, domain=mail_domain()),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            **(headers or {}),
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", dict(context)), "text/html")
    return message


def send_all(messages: Iterable[EmailMultiAlternatives]) -> int:
    """Send `messages` over one connection to the mail server; how many were sent."""
    messages = list(messages)
    if not messages:
        return 0
    with get_connection() as connection:
        return int(connection.send_messages(messages) or 0)


def may_read(model: Any, pk: Any, person: Any) -> bool:
    """Whether `person` may be written to about the `model` record `pk`: active, with an
    address, and able to open the record now (the model's one visibility rule)."""
    if person is None or not person.is_active or not person.email:
        return False
    return bool(model.objects.visible_to(person).filter(pk=pk).exists())
