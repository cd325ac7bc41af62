"""The KPI roll-ups (reporting.rollups keeps them from the records) and the partnership's
reporting setting.

- `KpiFigure`: one council's figure of one KPI for one day, as a numerator and a denominator
  (decision 0037): a count is a numerator alone; a percentage or an average keeps both, so
  that a month's (or the partnership's) value is the sum of numerators over the sum of
  denominators, never an average of averages. ``dimension`` is "" for the council's total,
  ``queue:<code>`` or ``category:<code>`` for the desk's figures per queue and category.
  Made only by the roll-up jobs and ``concord rollup --rebuild``: nobody adds, edits or deletes
  one by hand.
- `ReportingSettings`: one row, the shared-service manager's: whether the partnership's totals
  are shown to the councils' people too (reporting.figures.scopes_for).
- `RollupMark`: the roll-up jobs' own bookkeeping (how far the change log has been read).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from core.tenancy.records import CatalogueModel, PartnerOwnedModel


class KpiFigure(PartnerOwnedModel):
    """One council's figure of one KPI on one day (the roll-up jobs write it)."""

    day = models.DateField(help_text="The day the figure is of.")
    kpi = models.CharField(
        "KPI", max_length=50, help_text="The KPI's key (reporting.kpis.KPIS): tickets_opened."
    )
    dimension = models.CharField(
        max_length=120,
        blank=True,
        help_text='Empty for the council\'s total; "queue:<code>" or "category:<code>".',
    )
    numerator = models.DecimalField(
        max_digits=20,
        decimal_places=2,
        help_text="The count, or the top of a percentage or average.",
    )
    denominator = models.DecimalField(
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The bottom of a percentage or average (empty for a count).",
    )

    area: ClassVar[str] = "reporting"
    natural_key: ClassVar[str | None] = None
    import_fields: ClassVar[tuple[str, ...]] = ()
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "KPI figure"
    noun_plural: ClassVar[str | None] = "KPI figures"

    class Meta:
        ordering = ["-day", "kpi", "dimension", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kpi", "dimension", "day"],
                name="kpifigure_unique",
                violation_error_message=(
                    "This council already has a figure of this KPI for this day"
                ),
            )
        ]
        indexes = [
            models.Index(fields=["-day", "kpi", "dimension", "id"], name="kpifigure_day"),
            # The partnership's figures: every council's rows of a KPI over some months, read
            # from the index alone (it holds the figures too: a covering index on SQLite and
            # PostgreSQL alike), 1.2 million rows at 30 councils (docs/performance.md).
            models.Index(
                fields=["kpi", "dimension", "day", "partner", "numerator", "denominator"],
                name="kpifigure_kpi_day_cover",
            ),
        ]

    def __str__(self) -> str:
        where = f" {self.dimension}" if self.dimension else ""
        return f"{self.kpi}{where} on {self.day:%d %b %Y}"

    def deletion_refused(self) -> str:
        return (
            "KPI figures are made from the records by the roll-up jobs; "
            "run concord rollup --rebuild to make them again"
        )


class ReportingSettings(CatalogueModel):
    """How the partnership shares its figures: one row, edited by the shared-service manager
    (reporting.figures reads it with `current`)."""

    share_partnership_totals = models.BooleanField(
        "Show the partnership's totals to the councils",
        default=False,
        help_text="When ticked, each council's people who read reports also see the "
        "partnership's totals (every council together), never another council's own figures.",
    )
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the partnership decided so (the board's minute, say).",
    )

    area: ClassVar[str] = "configuration"
    attachable: ClassVar[bool] = False

    class Meta:
        ordering = ["id"]
        verbose_name = "reporting settings"
        verbose_name_plural = "reporting settings"

    def __str__(self) -> str:
        shared = "shared" if self.share_partnership_totals else "not shared"
        return f"Reporting settings (partnership totals {shared})"

    def deletion_refused(self) -> str:
        return "The reporting settings are kept: change them instead"

    @classmethod
    def current(cls) -> ReportingSettings:
        """The partnership's setting: the first row, or the defaults (unsaved) while nobody
        has saved one. Read for every reader, whatever they may see of the setting itself."""
        rows = cls.objects.unscoped("the partnership's setting decides every reader's scope")
        found = rows.order_by("pk").first()
        return found or cls()

    @classmethod
    def ensure(cls) -> ReportingSettings:
        """The row itself, made with the defaults if there is none yet (the settings page)."""
        found = cls.current()
        if found.pk is None:
            found.save()
        return found


class RollupMark(models.Model):
    """Bookkeeping of the roll-up jobs (never shown, never in the change log or an export):
    the moment up to which the change log has been read for records that changed after their
    day was rolled up (reporting.rollups). One row, ``name="nightly"``."""

    name = models.CharField(max_length=50, unique=True)
    changes_read_until = models.DateTimeField(
        help_text="Changes logged before this moment have been rolled up."
    )

    def __str__(self) -> str:
        return f"{self.name}: changes read until {self.changes_read_until:%Y-%m-%d %H:%M}"
