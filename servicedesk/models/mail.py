"""Inbound mail: each message email brought to the desk, kept as it came, and what came of it.

The shared service's own record (area ``mail``): which council a mail belongs to is what
processing it decides, so no council role sees the mailbox; the desk's staff read it, retry a
mail that failed, raise a ticket for a held mail's sender or discard it. The message itself is
kept whole (``raw``), so nothing email brings is ever lost and any mail can be processed
again (servicedesk.mail_in).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy.records import CatalogueModel
from servicedesk.choices import MAIL_NEEDS_ACTION, MailState, MailVia
from servicedesk.models.tickets import Ticket


class InboundMail(CatalogueModel):
    """One message that reached the desk by email (its SMTP listener or its mailbox)."""

    raw = models.BinaryField(editable=False, help_text="The message as it was received.")
    size = models.PositiveIntegerField(default=0, editable=False, help_text="In bytes.")
    via = models.CharField(max_length=10, choices=MailVia.choices, editable=False)
    envelope_from = models.CharField("Envelope sender", max_length=320, blank=True, editable=False)
    recipients = models.TextField(blank=True, editable=False)
    from_address = models.CharField("From", max_length=320, blank=True, editable=False)
    subject = models.CharField(max_length=255, blank=True, editable=False)
    message_id = models.CharField("Message-ID", max_length=255, blank=True, editable=False)
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    state = models.CharField(
        max_length=20, choices=MailState.choices, default=MailState.RECEIVED, editable=False
    )
    reason = models.TextField(
        blank=True, editable=False, help_text="Why the mail was held, failed or ignored."
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="The ticket the mail raised or replied to.",
    )
    person = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="The person the sender was matched to.",
    )
    council = models.ForeignKey(
        "tenancy.Partner",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="The council the mail was worked out to belong to.",
    )
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True, editable=False)
    note = models.TextField(
        "Desk note", blank=True, help_text="What the desk decided about this mail, and why."
    )

    area: ClassVar[str] = "mail"
    noun: ClassVar[str | None] = "inbound mail"
    noun_plural: ClassVar[str | None] = "inbound mail"
    # The message is kept whole here; the change log records what happened to it, not its bytes.
    change_log_omits: ClassVar[frozenset[str]] = frozenset({"raw"})

    class Meta:
        verbose_name = "inbound mail"
        verbose_name_plural = "inbound mail"
        ordering = ["-received_at", "-id"]
        constraints = [
            # A message (by its Message-ID) is worked into the desk once, however often it
            # arrives: a second copy is ignored rather than making a second ticket or reply.
            models.UniqueConstraint(
                fields=["message_id"],
                condition=Q(state="processed") & ~Q(message_id=""),
                name="inboundmail_processed_once",
                violation_error_message="A mail with this Message-ID has been processed already",
            )
        ]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="inboundmail_received"),
            models.Index(fields=["state", "-received_at", "-id"], name="inboundmail_state"),
            models.Index(fields=["message_id"], name="inboundmail_message_id"),
            models.Index(fields=["from_address", "received_at"], name="inboundmail_sender"),
        ]

    def __str__(self) -> str:
        return self.subject or f"Mail {self.pk} from {self.from_address or 'an unknown sender'}"

    @classmethod
    def export_fields(cls) -> list[str]:
        """Every field but the message's bytes (its parts are on the record's page)."""
        return [name for name in super().export_fields() if name != "raw"]

    @property
    def needs_action(self) -> bool:
        """Whether the desk still has something to do with it (retry, raise, discard)."""
        return self.state in MAIL_NEEDS_ACTION

    def as_bytes(self) -> bytes:
        """The raw message as bytes (PostgreSQL hands back a memoryview)."""
        value: Any = self.raw
        return bytes(value) if value is not None else b""
