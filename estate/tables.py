"""Tables of the estate pages: sites, site types, agreements."""

from __future__ import annotations

from core.tables import Column, Table
from estate.models import Agreement, Site, SiteType


class SiteTable(Table):
    """A council's buildings and offices."""

    name = Column("Name", link=True, sortable=True)
    code = Column("Code", sortable=True)
    partner = Column(sort_by="partner__name")
    site_type = Column("Type")
    postcode = Column("Postcode")
    is_active = Column("In use")

    class Meta:
        model = Site


class SiteTypeTable(Table):
    """Kinds of building (a catalogue shared by every council)."""

    name = Column("Name", link=True, sortable=True)
    description = Column("Description")

    class Meta:
        model = SiteType


class AgreementTable(Table):
    """Inter-authority agreements."""

    title = Column("Title", link=True, sortable=True)
    reference = Column("Reference", sortable=True)
    starts_on = Column("Starts", sortable=True)
    ends_on = Column("Ends")

    class Meta:
        model = Agreement
