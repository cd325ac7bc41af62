"""Choices of the licences app: the kinds of licence agreement councils hold."""

from __future__ import annotations

from django.db import models


class LicenceKind(models.TextChoices):
    """How an agreement counts its seats, and what its seats are assigned to."""

    PER_DEVICE = "per_device", "Per device"
    PER_USER = "per_user", "Per user"
    CONCURRENT = "concurrent", "Concurrent users"
    SITE = "site", "Site licence"
    ENTERPRISE = "enterprise", "Enterprise agreement"
    SUBSCRIPTION = "subscription", "Subscription"


#: Kinds whose seats go to devices only, and to people only; the rest take either.
DEVICE_ONLY = frozenset({LicenceKind.PER_DEVICE})
PERSON_ONLY = frozenset({LicenceKind.PER_USER, LicenceKind.CONCURRENT})
