"""Problems: the cause behind one or more incidents, investigated by the shared service.

A problem is the shared service's own record (area ``problems``): its staff see and work it;
no council role does, since one problem may lie behind incidents of several councils and says
things about all of them. Incidents are linked to it (`Ticket.problem`), each council's
incident staying that council's. Once the cause is known and there is a way round it, the
problem is a known error: its workaround is shown to agents on its linked incidents and on
open incidents about the same service or category (servicedesk.services.known_errors_for).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from core.search import Searchable
from core.tenancy.records import CatalogueModel
from servicedesk.choices import Priority, ProblemStatus
from servicedesk.models.setup import Category, Service


class Problem(CatalogueModel):
    """The cause behind incidents: investigated, worked round (a known error), resolved."""

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(
        max_length=20, editable=False, help_text="PRB0001234: numbered across the service."
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="What is seen: the symptoms.")
    status = models.CharField(
        max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assignee = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The shared-service person investigating it.",
    )
    root_cause = models.TextField(blank=True, help_text="Why it happens, once known.")
    workaround = models.TextField(
        blank=True,
        help_text="How to get round it until it is fixed: shown to agents on its incidents and "
        "on open incidents about the same service or category.",
    )
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)

    area: ClassVar[str] = "problems"
    natural_key: ClassVar[str | None] = None
    #: Full-text search (core.search): found by those who may read problems.
    search: ClassVar[Searchable] = Searchable(
        title=("reference", "title"), body=("description", "workaround", "root_cause")
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                name="problem_unique_reference",
                violation_error_message="A problem with this reference already exists",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "service"], name="problem_status_service"),
            models.Index(fields=["status", "category"], name="problem_status_category"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_known_error(self) -> bool:
        return self.status == ProblemStatus.KNOWN_ERROR

    @staticmethod
    def format_reference(number: int) -> str:
        return f"PRB{number:07d}"
