"""Change freezes: periods when no change should be made to the councils' services (the
year-end close, an election count). A freeze is for the councils it affects
(core.tenancy.records.AudienceModel, area ``changes``); a change whose window falls in one
is warned about on its page, and the forward schedule and the joint roadmap show them
(docs/servicedesk.md, docs/portfolio.md)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import F, Q

from core.tenancy.records import AudienceModel


class ChangeFreeze(AudienceModel):
    """A period when changes to the services of the councils it affects should not be made."""

    name = models.CharField(max_length=200, help_text="Like Year-end close 2027.")
    starts_on = models.DateField("Starts on", help_text="The freeze's first day.")
    ends_on = models.DateField("Ends on", help_text="The freeze's last day.")
    reason = models.TextField(blank=True, help_text="Why changes must wait.")

    area: ClassVar[str] = "changes"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "change freeze"
    noun_plural: ClassVar[str | None] = "change freezes"
    constraint_fields: ClassVar[dict[str, str]] = {"changefreeze_dates_in_order": "ends_on"}

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="changefreeze_dates_in_order",
                violation_error_message="The last day must be the same as or after the first day",
            ),
        ]
        indexes = [
            models.Index(fields=["-starts_on", "-id"], name="changefreeze_starts"),
            models.Index(fields=["ends_on", "starts_on"], name="changefreeze_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d %b %Y} to {self.ends_on:%d %b %Y})"
