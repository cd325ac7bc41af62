"""Tables of the licences' pages: products, agreements, assignments."""

from __future__ import annotations

from core.tables import Column, Table
from licences.models import Installation, LicenceAgreement, LicenceAssignment, SoftwareProduct


class SoftwareProductTable(Table):
    """Software councils license (a catalogue shared by every council)."""

    name = Column("Name", link=True, sortable=True)
    publisher = Column("Publisher")
    eol_product = Column("End-of-life product")

    class Meta:
        model = SoftwareProduct


class LicenceAgreementTable(Table):
    """Licence agreements, one council's or co-owned."""

    reference = Column("Reference", link=True, sortable=True)
    product = Column("Product")
    kind = Column("Kind")
    quantity = Column("Seats", numeric=True, sortable=True)
    total_cost = Column("Total cost (£)", numeric=True, sortable=True)
    renewal_on = Column("Renews")
    ends_on = Column("Ends")

    class Meta:
        model = LicenceAgreement


class LicenceAssignmentTable(Table):
    """Seats assigned to people and devices."""

    assigned_on = Column("Assigned", link=True, sortable=True)
    agreement = Column("Agreement")
    person = Column("Person")
    device = Column("Device")
    partner = Column(sort_by="partner__name")
    note = Column("Note")

    class Meta:
        model = LicenceAssignment


class InstallationTable(Table):
    """Software found installed on devices."""

    detected_on = Column("Detected", link=True, sortable=True)
    product = Column("Product")
    product_version = Column("Version")
    device = Column("Device")
    partner = Column(sort_by="partner__name")
    source = Column("Found by")

    class Meta:
        model = Installation
