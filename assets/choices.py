"""Choices the asset models, forms and filters share."""

from __future__ import annotations

from django.db import models


class AssetKind(models.TextChoices):
    """What kind of hardware an asset (or a hardware model) is."""

    LAPTOP = "laptop", "Laptop"
    DESKTOP = "desktop", "Desktop"
    PHONE = "phone", "Phone"
    TABLET = "tablet", "Tablet"
    SERVER = "server", "Server"
    NETWORK = "network", "Network device"
    PRINTER = "printer", "Printer"
    PERIPHERAL = "peripheral", "Peripheral"


class LifecycleState(models.TextChoices):
    """Where an asset is in its life, in order (services.MOVES says which moves are allowed)."""

    ORDERED = "ordered", "Ordered"
    IN_STOCK = "in_stock", "In stock"
    DEPLOYED = "deployed", "Deployed"
    IN_REPAIR = "in_repair", "In repair"
    RETIRED = "retired", "Retired"
    DISPOSED = "disposed", "Disposed"


class DisposalMethod(models.TextChoices):
    """How a disposed asset left the councils' hands."""

    RECYCLED = "recycled", "Recycled (WEEE)"
    DESTROYED = "destroyed", "Destroyed (data-bearing parts shredded)"
    RESOLD = "resold", "Resold"
    DONATED = "donated", "Donated"
    RETURNED = "returned", "Returned to the supplier or lessor"


class CIKind(models.TextChoices):
    """What a configuration item is."""

    SERVICE = "service", "Business service"
    APPLICATION = "application", "Application"
    DATABASE = "database", "Database"
    CLUSTER = "cluster", "Cluster"
    SERVER = "server", "Server"
    VIRTUAL_MACHINE = "virtual_machine", "Virtual machine"
    NETWORK = "network", "Network device"
    HARDWARE = "hardware", "Other hardware"


class RelationshipKind(models.TextChoices):
    """How one configuration item relates to another (source -> target)."""

    RUNS_ON = "runs_on", "Runs on"
    DEPENDS_ON = "depends_on", "Depends on"
    CONNECTED_TO = "connected_to", "Connected to"
