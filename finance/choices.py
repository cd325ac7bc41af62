"""Choices the finance models, forms, filters and API share (docs/finance.md)."""

from __future__ import annotations

from django.db import models


class CostCategory(models.TextChoices):
    """What a cost is for: each category has at most one apportionment rule in force."""

    STAFF = "staff", "Staff"
    CONTRACT = "contract", "Contract"
    LICENCE = "licence", "Licence"
    HARDWARE = "hardware", "Hardware"
    CALL_OFF = "call_off", "Call-off"
    OTHER = "other", "Other"


class SpendType(models.TextChoices):
    """Revenue (running costs) or capital (buying assets): budgeted and booked apart."""

    REVENUE = "revenue", "Revenue"
    CAPITAL = "capital", "Capital"


class ApportionmentMethod(models.TextChoices):
    """How a rule splits a shared cost between the councils."""

    FIXED = "fixed", "Fixed percentages"
    DRIVER = "driver", "Measured driver"
    MIX = "mix", "Weighted mix of drivers"


class Driver(models.TextChoices):
    """A measure of how much of the shared service each council uses in a period."""

    HEADCOUNT = "headcount", "Headcount served"
    TICKETS = "tickets", "Tickets logged"
    DEVICES = "devices", "Devices managed"
    LICENCE_SEATS = "licence_seats", "Licence seats used"
    STAFF_TIME = "staff_time", "Staff time on tickets"


class FigureSource(models.TextChoices):
    """Where a driver figure came from: measured from the other apps, or entered by a person
    (an entered figure wins over a measured one for the same council and period)."""

    MEASURED = "measured", "Measured"
    ENTERED = "entered", "Entered"
