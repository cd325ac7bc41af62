"""Changes: what the shared service plans to do to a service, when, and who agreed to it.

A change request (`ChangeRequest`, CHG0000001, numbered across the service) is the shared
service's plan, kept for the councils it affects (`AudienceModel`: those it names, or every
council): its desk staff raise and work it; the lead of each council it affects reads it and
decides for their council (`ChangeApproval`, one per affected council, owned by that council).
The rules (who approves which kind, what an edit does to the approvals, the overlap warning)
are in servicedesk.changes; docs/servicedesk.md, "Changes", says them for people.

A person's secret address of the forward schedule as an iCalendar feed is core's
`FeedSecret` (feed "changes", core.feeds), which the contracts' feed uses too.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import F, Q

from core.tenancy.records import AudienceModel, PartnerOwnedModel
from servicedesk.choices import ApprovalDecision, ChangeKind, ChangeLevel, ChangeStatus
from servicedesk.models.problems import Problem
from servicedesk.models.setup import Service


class ChangeRequest(AudienceModel):
    """A change to a service: its kind, risk and impact, the councils it affects, its
    implementation window, how to back it out, and where it is in its life."""

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(
        max_length=20, editable=False, help_text="CHG0001234: numbered across the service."
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="What will be done, and why.")
    kind = models.CharField(
        max_length=20,
        choices=ChangeKind.choices,
        default=ChangeKind.NORMAL,
        help_text="Standard changes are pre-approved; normal changes need the lead of every "
        "council they affect; emergency changes one affected lead or the service manager.",
    )
    risk = models.CharField(max_length=10, choices=ChangeLevel.choices, default=ChangeLevel.LOW)
    impact = models.CharField(
        max_length=10,
        choices=ChangeLevel.choices,
        default=ChangeLevel.LOW,
        help_text="How much people will notice while it is done.",
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The service it changes.",
    )
    planned_start = models.DateTimeField(
        "Planned start", help_text="When the implementation window opens (UK time)."
    )
    planned_end = models.DateTimeField(
        "Planned end", help_text="When the implementation window closes (UK time)."
    )
    backout_plan = models.TextField(
        "Backout plan", blank=True, help_text="How to put things back if it goes wrong."
    )
    status = models.CharField(
        max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT, editable=False
    )
    requested_by = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name="requested by",
    )
    implementer = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The shared-service person who will carry it out.",
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The problem it fixes, if any (PRB0001234).",
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="Whose decision approved it: the last affected lead to approve, or, for an "
        "emergency change, the lead or service manager who approved it.",
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = models.TextField(
        blank=True, editable=False, help_text="What happened, said when it completed or failed."
    )

    area: ClassVar[str] = "changes"
    natural_key: ClassVar[str | None] = "reference"
    noun: ClassVar[str | None] = "change request"
    noun_plural: ClassVar[str | None] = "change requests"
    constraint_fields: ClassVar[dict[str, str]] = {"change_window_ends_after_start": "planned_end"}

    class Meta:
        ordering = ["-planned_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                name="changerequest_unique_reference",
                violation_error_message="A change request with this reference already exists",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gt=F("planned_start")),
                name="change_window_ends_after_start",
                violation_error_message="The planned end must be after the planned start",
            ),
        ]
        indexes = [
            models.Index(fields=["-planned_start", "-id"], name="change_planned_start"),
            models.Index(fields=["service", "planned_start"], name="change_service_start"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @staticmethod
    def format_reference(number: int) -> str:
        return f"CHG{number:07d}"

    @property
    def kind_name(self) -> str:
        """The kind in a word: "Standard", "Normal", "Emergency"."""
        return str(self.get_kind_display()).split(":")[0]


class ChangeApproval(PartnerOwnedModel):
    """One affected council's decision on a change: made by that council's lead (or, for an
    emergency change, settled by another's decision or the service manager's). No pages of
    its own: shown on its change's page and decided there, or listed and decided through
    ``/api/v1/change-approvals/``."""

    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(
        max_length=20, choices=ApprovalDecision.choices, default=ApprovalDecision.PENDING
    )
    decided_by = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, help_text="Why (required to reject).")

    area: ClassVar[str] = "approvals"
    noun: ClassVar[str | None] = "change approval"
    noun_plural: ClassVar[str | None] = "change approvals"
    attachable: ClassVar[bool] = False

    class Meta:
        ordering = ["change_id", "partner_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "partner"],
                name="changeapproval_one_per_council",
                violation_error_message="This council already has an approval for the change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.get_decision_display()}"
