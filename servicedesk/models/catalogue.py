"""The request catalogue: what council staff can ask the shared service for (a new starter's
laptop, a software install, access to a system), each with its own questions, perhaps needing
the council lead's approval, and fulfilled as a list of tasks.

A `RequestItem` is a record for chosen councils (core.tenancy.records.AudienceModel, decision
0015): the desk offers it to every council or to some, and the councils' people see the active
items offered to them. A request made from an item is a ticket of kind "request" that keeps
the item and the answers (`Ticket.request_item`, `Ticket.answers`); its council lead's decision
is a `RequestApproval`, and the work to fulfil it `FulfilmentTask`s (servicedesk.catalogue has
the rules).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q

from core.search import Searchable
from core.tenancy.access import access_for
from core.tenancy.records import AudienceModel, PartnerOwnedModel
from servicedesk.choices import Decision
from servicedesk.models.setup import Category, Service


class RequestItem(AudienceModel):
    """Something council staff may ask for, with the questions its form asks."""

    name = models.CharField(
        max_length=200, help_text="What people ask for, e.g. “New starter laptop”."
    )
    description = models.TextField(
        blank=True, help_text="What it is, who may ask, how long it takes."
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    questions = models.TextField(
        blank=True,
        help_text="One question per line: label | kind | required or optional | choices "
        "separated by semicolons (for a choice). Kinds: text, paragraph, choice, date, number, "
        "yesno, email. For example: “Start date | date | required” or “Laptop size | choice | "
        "required | 13 inch; 15 inch”.",
    )
    needs_approval = models.BooleanField(
        default=False,
        help_text="A request waits for the council lead's approval before it is worked.",
    )
    tasks = models.TextField(
        "Fulfilment tasks",
        blank=True,
        help_text="The work that fulfils a request, one task per line (created once it is "
        "approved, or at once if it needs no approval).",
    )
    is_active = models.BooleanField(
        "Offered", default=True, help_text="Unticked, councils no longer see it."
    )

    area: ClassVar[str] = "knowledge"
    search: ClassVar[Searchable] = Searchable(title=("name",), body=("description",))
    noun: ClassVar[str | None] = "request item"
    noun_plural: ClassVar[str | None] = "request catalogue"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("name",)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["is_active", "name", "id"], name="requestitem_active")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """The councils' people see the items offered to them; the desk sees every item."""
        condition = super().visibility_filter(user, action)
        if condition is None:
            return None
        if access_for(user).partner_ids("change", cls.area) is None:
            return condition
        return condition & Q(is_active=True)

    def clean(self) -> None:
        from servicedesk.catalogue import parse_questions

        super().clean()
        parse_questions(self.questions)  # raises ValidationError naming the line

    def task_titles(self) -> list[str]:
        return [line.strip()[:200] for line in self.tasks.splitlines() if line.strip()]


class RequestApproval(PartnerOwnedModel):
    """A council lead's decision on a catalogue request that needs approval (the request's
    council's record)."""

    ticket = models.OneToOneField(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="approval"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    comment = models.TextField(blank=True, help_text="Why, for a rejection.")

    area: ClassVar[str] = "servicedesk"
    attachable: ClassVar[bool] = False
    own_fields: ClassVar[tuple[str, ...]] = ("ticket__requester", "ticket__contact")
    without_family: ClassVar[str] = (
        "a part of its request, decided on the request's page, by a signed link or through "
        "the API's approve and reject: servicedesk/tests/test_catalogue.py"
    )

    class Meta:
        indexes = [models.Index(fields=["partner", "decision"], name="approval_pending")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.ticket_id})"


class FulfilmentTask(PartnerOwnedModel):
    """One piece of the work that fulfils a catalogue request (the request's council's record)."""

    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="fulfilment_tasks"
    )
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    done_by = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    area: ClassVar[str] = "servicedesk"
    attachable: ClassVar[bool] = False
    # The requester follows their request's tasks.
    own_fields: ClassVar[tuple[str, ...]] = ("ticket__requester", "ticket__contact")
    without_family: ClassVar[str] = (
        "a part of its request, made when it is approved and marked done on the request's "
        "page or through the API: servicedesk/tests/test_catalogue.py"
    )

    class Meta:
        ordering = ["ticket", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
