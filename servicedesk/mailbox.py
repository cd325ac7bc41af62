"""How mail reaches the desk: the SMTP listener (`concord mail-in`) and the mailbox reader
(`concord mail-poll`). Both hand each message to servicedesk.mail_in, which keeps it before
anything else happens to it.

- `DeskHandler` is the listener's aiosmtpd handler. A message is accepted (250) only once it
  is kept in the database; if it cannot be kept the sender is told to try again later (451),
  so its own server keeps it meanwhile. A message bigger than ``CONCORD_MAIL_MAX_BYTES`` is
  refused while it arrives (552, `listener`), so its sender's server tells its sender.
- `poll` reads the UNSEEN messages of an IMAP folder: each is kept first, then marked seen
  (and moved, when a folder is named), then worked on. A message marked seen that was not
  kept cannot happen; one kept and not yet marked seen is read again next time, and taken
  once (mail_in ignores a Message-ID processed before).
"""

from __future__ import annotations

import asyncio
import imaplib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connections

from core.context import acting_as
from servicedesk import mail_in
from servicedesk.choices import MailVia

logger = logging.getLogger(__name__)


class DeskHandler:
    """The SMTP listener's handler: keep each message, then work on it (mail_in)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        # The database is reached from a worker thread: Django's database access is not for
        # the event loop's.
        loop = asyncio.get_running_loop()
        try:
            mail = await loop.run_in_executor(
                None, take, bytes(raw), envelope.mail_from or "<>", list(envelope.rcpt_tos)
            )
        except Exception:  # not kept: the sender's server keeps it and tries again
            logger.exception("an inbound mail could not be kept")
            return "451 4.3.0 The message could not be kept: try again later"
        logger.info("inbound mail %s: %s", mail.pk, mail.state)
        return "250 2.0.0 Message accepted"


def take(raw: bytes, envelope_from: str, recipients: list[str]) -> Any:
    """Keep and work on one message from the listener, in a worker thread, which leaves no
    database connection open behind it."""
    try:
        return mail_in.receive_and_process(
            raw, via=MailVia.SMTP, envelope_from=envelope_from, recipients=recipients
        )
    finally:
        connections.close_all()


def listener(host: str, port: int) -> Controller:
    """The SMTP listener (not started): refuses a message over the size limit with 552."""
    return Controller(
        DeskHandler(),
        hostname=host,
        port=port,
        data_size_limit=mail_in.max_bytes(),
        ident="Concord service desk",
    )


# The mailbox ------------------------------------------------------------------------------


@dataclass
class PollResult:
    """What one reading of the mailbox took: the mails kept, by id, and their states."""

    kept: list[int] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.kept:
            return "No new mail."
        counts = ", ".join(f"{n} {state}" for state, n in sorted(self.states.items()))
        return f"Took {len(self.kept)} mail(s): {counts}."


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextmanager
def imap_connection() -> Iterator[imaplib.IMAP4]:
    """A signed-in connection to the desk's mailbox (CONCORD_MAIL_IMAP_*)."""
    host = settings.CONCORD_MAIL_IMAP_HOST
    port = int(settings.CONCORD_MAIL_IMAP_PORT)
    connection: imaplib.IMAP4 = (
        imaplib.IMAP4_SSL(host, port, timeout=30)
        if settings.CONCORD_MAIL_IMAP_SSL
        else imaplib.IMAP4(host, port, timeout=30)
    )
    try:
        connection.login(settings.CONCORD_MAIL_IMAP_USER, settings.CONCORD_MAIL_IMAP_PASSWORD)
        yield connection
    finally:
        try:
            connection.logout()
        except (imaplib.IMAP4.error, OSError):
            logger.warning("the mailbox connection did not close cleanly")


def _fetched(data: list[Any]) -> bytes | None:
    """The message's bytes in a FETCH answer."""
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def poll() -> PollResult:
    """Read the mailbox's unseen messages once: keep, mark seen (move), work on each."""
    result = PollResult()
    folder = settings.CONCORD_MAIL_IMAP_FOLDER or "INBOX"
    done = settings.CONCORD_MAIL_IMAP_DONE_FOLDER
    with acting_as(label="mail-in:imap"), imap_connection() as connection:
        status, _ = connection.select(_quoted(folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"The mailbox has no folder {folder!r}")
        status, found = connection.uid("SEARCH", "UNSEEN")
        uids = found[0].split() if status == "OK" and found and found[0] else []
        for uid in uids:
            status, data = connection.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = _fetched(data) if status == "OK" else None
            if raw is None:
                logger.warning("mail %s of the mailbox could not be fetched", uid)
                continue
            mail = mail_in.receive(raw, via=MailVia.IMAP)
            # Kept: now it may be marked seen (and moved), then worked on.
            connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            if done:
                status, _ = connection.uid("COPY", uid, _quoted(done))
                if status == "OK":
                    connection.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            if mail.state == "received":
                mail_in.process(mail)
            result.kept.append(mail.pk)
            result.states[mail.state] = result.states.get(mail.state, 0) + 1
        if done and uids:
            connection.expunge()
    return result
