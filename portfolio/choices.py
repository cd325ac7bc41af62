"""The portfolio app's choices: a project's stage, red-amber-green, a risk's status.

The names are fixed: the reporting app's KPI code reads `Stage` and `Rag` (docs/portfolio.md).
"""

from __future__ import annotations

from django.db import models


class Stage(models.TextChoices):
    """Where a programme or project is in its life."""

    IDEA = "idea", "Idea"
    BUSINESS_CASE = "business_case", "Business case"
    APPROVED = "approved", "Approved"
    IN_DELIVERY = "in_delivery", "In delivery"
    CLOSED = "closed", "Closed"


class Rag(models.TextChoices):
    """Red, amber, green: how one side of a project stands in a month."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


#: Worst first: the overall RAG of a report is the first of these any of its four has.
RAG_ORDER = (Rag.RED, Rag.AMBER, Rag.GREEN)


class EntryStatus(models.TextChoices):
    """Whether a risk or an issue is still being managed."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class LinkKind(models.TextChoices):
    """The kind of record a project's link names."""

    CONTRACT = "contract", "Contract"
    EXIT_PLAN = "exit_plan", "Exit plan"
    CHANGE = "change", "Change request"
    BUSINESS_CASE = "business_case", "Business case"
    COST_LINE = "cost_line", "Cost line"
