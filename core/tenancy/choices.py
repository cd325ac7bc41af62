"""Choices for partners: nations, council roles and service roles."""

from django.db import models


class Nation(models.TextChoices):
    """The UK nation whose bank holidays a partner keeps (codes as the `holidays` package uses)."""

    ENGLAND = "ENG", "England"
    WALES = "WLS", "Wales"
    SCOTLAND = "SCT", "Scotland"
    NORTHERN_IRELAND = "NIR", "Northern Ireland"


class CouncilRole(models.TextChoices):
    """What a council's person may do within that council."""

    REQUESTER = "requester", "Requester"
    LEAD = "lead", "IT lead"
    FINANCE = "finance", "Finance"
    PROCUREMENT = "procurement", "Procurement"
    AUDITOR = "auditor", "Auditor (read-only)"


class ServiceRole(models.TextChoices):
    """What a member of the shared service's own staff does; they work across every partner."""

    AGENT = "agent", "Service desk agent"
    RESOLVER = "resolver", "Resolver"
    MANAGER = "manager", "Service manager"
    FINANCE = "finance", "Service finance"
    PROCUREMENT = "procurement", "Service procurement"
