"""Tables of the asset register's pages."""

from __future__ import annotations

from assets.models import (
    Asset,
    CIRelationship,
    ConfigurationItem,
    HardwareModel,
    Manufacturer,
    StocktakePolicy,
)
from core.tables import Column, Table


class ManufacturerTable(Table):
    """Makers of hardware (a catalogue shared by every council)."""

    name = Column("Name", link=True, sortable=True)

    class Meta:
        model = Manufacturer


class HardwareModelTable(Table):
    """Models of hardware and their end of life."""

    name = Column("Name", link=True, sortable=True)
    manufacturer = Column("Manufacturer", sort_by="manufacturer__name")
    kind = Column("Kind")
    end_of_life = Column("End of life")

    class Meta:
        model = HardwareModel


class AssetTable(Table):
    """A council's hardware, co-owned kit included."""

    asset_tag = Column("Asset tag", link=True, sortable=True)
    serial_number = Column("Serial number", sortable=True)
    kind = Column("Kind")
    hardware_model = Column("Model")
    os_name = Column("Operating system")
    support_ends = Column("Support ends")
    state = Column("State")
    site = Column("Site")

    class Meta:
        model = Asset


class StocktakePolicyTable(Table):
    """Each council's stock-take interval."""

    partner = Column("Council", sort_by="partner__name")
    kind = Column("Kind of asset")
    check_every_months = Column("Check every (months)", link=True, numeric=True)
    note = Column("Note")

    class Meta:
        model = StocktakePolicy


class ConfigurationItemTable(Table):
    """Services, applications and infrastructure in the dependency graph."""

    name = Column("Name", link=True, sortable=True)
    kind = Column("Kind")
    owner = Column("Service owner")
    is_live = Column("Live")

    class Meta:
        model = ConfigurationItem


class CIRelationshipTable(Table):
    """What runs on, depends on or is connected to what."""

    source = Column("Item", link=True)
    kind = Column("Relationship")
    target = Column("Related item")
    note = Column("Note")

    class Meta:
        model = CIRelationship
