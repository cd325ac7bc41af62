"""Choices the contracts models, forms, filters and API share."""

from __future__ import annotations

from django.db import models


class Renewal(models.TextChoices):
    """How a contract renews at the end of its term."""

    NONE = "none", "None: it ends"
    EXPRESS = "express", "Express: renewed only by a decision"
    TACIT = "tacit", "Tacit: renews by itself unless notice is given"


class ProcurementRoute(models.TextChoices):
    """How the contract was bought."""

    QUOTATION = "quotation", "Quotation"
    TENDER = "tender", "Tender"
    FRAMEWORK_CALL_OFF = "framework_call_off", "Framework call-off"
    DIRECT_AWARD = "direct_award", "Direct award"


class ContractStatus(models.TextChoices):
    """Where a contract is in its life (services.STATUS_MOVES says which moves are allowed)."""

    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    IN_NOTICE = "in_notice", "In notice"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


class Rag(models.TextChoices):
    """Red, amber, green: how a milestone or a measure stands."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class MilestoneKind(models.TextChoices):
    """The steps of an exit or closedown plan."""

    DATA_RETURN = "data_return", "Data return"
    ASSET_TRANSFER = "asset_transfer", "Asset transfer"
    KNOWLEDGE_TRANSFER = "knowledge_transfer", "Knowledge transfer"
    STAFF_CONSULTATION = "staff_consultation", "Staff consultation"
    SUCCESSOR_START = "successor_start", "Successor start"
    OTHER = "other", "Other"


class ReminderKind(models.TextChoices):
    """The dates a reminder is about."""

    NOTICE_DEADLINE = "notice_deadline", "Last day to give notice"
    END_DATE = "end_date", "End of the term"
