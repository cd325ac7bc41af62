"""The monthly packs made for each council and for the joint board (reporting.packs).

A pack is made once per month per scope by a job (reporting.pack_jobs) and kept, so that last
month's can be downloaded again exactly as it was sent: the PDF itself is stored (the
foundation's default storage, under ``packs/``), never made again from figures that may have
moved since. A council's pack is that council's record; the joint board's (``partner`` empty)
is the partnership's, read by the shared service's staff and, where the partnership shares
its totals with the councils (reporting's setting), by the councils' people too: the same rule
as the partnership's dashboard (reporting.figures.scopes_for). Decision 0038.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q

from core.tenancy.records import ConcordModel

__all__ = ["MonthlyPack"]


class MonthlyPack(ConcordModel):
    """One month's pack of KPIs, charts, project RAGs and contract decisions due, as a PDF, for
    one council or (no council) for the joint board."""

    partner = models.ForeignKey(
        "tenancy.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Council",
        help_text="The council the pack is for; empty for the joint board's (every council).",
    )
    period = models.DateField(help_text="The month the pack reports (its first day).")
    file = models.FileField(upload_to="packs/%Y/%m/", max_length=300, editable=False)
    size = models.PositiveIntegerField("Size (bytes)", default=0, editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, editable=False)
    made_at = models.DateTimeField(editable=False)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    recipients = models.PositiveIntegerField(
        "People emailed", default=0, editable=False, help_text="How many people it was sent to."
    )

    area: ClassVar[str] = "reporting"
    ownership: ClassVar[str] = "partner"
    ownership_field: ClassVar[str | None] = "partner"
    # The pack's own file: not an attachment, and where it is stored is the server's business.
    attachable: ClassVar[bool] = False
    change_log_omits: ClassVar[frozenset[str]] = frozenset({"file"})
    noun: ClassVar[str | None] = "monthly pack"
    noun_plural: ClassVar[str | None] = "monthly packs"

    class Meta:
        verbose_name = "monthly pack"
        verbose_name_plural = "monthly packs"
        ordering = ["-period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period"],
                condition=Q(partner__isnull=False),
                name="monthlypack_unique_council_month",
                violation_error_message="This council already has a pack for this month",
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(partner__isnull=True),
                name="monthlypack_unique_board_month",
                violation_error_message="The joint board already has a pack for this month",
            ),
        ]
        indexes = [
            models.Index(fields=["-period", "id"], name="monthlypack_period_id"),
            models.Index(fields=["partner", "-period"], name="monthlypack_partner_period"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_name}: {self.period:%B %Y}" if self.period else self.scope_name

    @property
    def scope_name(self) -> str:
        """Whose pack it is, in words."""
        if self.partner is None:
            return "Joint board"
        return self.partner.name

    @property
    def filename(self) -> str:
        """The name a download is saved under."""
        who = self.partner.code if self.partner is not None else "joint-board"
        return f"monthly-pack-{who}-{self.period:%Y-%m}.pdf"

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return Q(partner_id__in=list(partner_ids))

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """A council's packs as its other records; the joint board's to whoever may read the
        partnership's figures (reporting.figures.scopes_for: the shared service's staff, and
        the councils' people only where the partnership shares its totals)."""
        condition = super().visibility_filter(user, action)
        if condition is None or condition == Q():
            return condition
        from reporting.figures import scopes_for

        if None in scopes_for(user):
            return condition | Q(partner__isnull=True)
        return condition

    def owning_partner_ids(self) -> list[int]:
        return [self.partner_id] if self.partner_id else []

    def owning_partner_ids_in(self, values: dict[str, Any]) -> list[int]:
        partner_id = values.get("partner_id", self.partner_id)
        return [partner_id] if partner_id else []
