"""Tables of the procurement pages."""

from __future__ import annotations

from contracts.procurement import (
    CallOff,
    CallOffLine,
    Framework,
    FrameworkExtension,
    FrameworkLot,
    LotSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    PurchasingSettings,
)
from core.tables import Column, Table


class FrameworkTable(Table):
    """Framework agreements the reader's councils may call off from."""

    reference = Column("Reference", link=True, sortable=True)
    name = Column("Name", sortable=True)
    ceiling_value = Column("Ceiling (£)", numeric=True, sortable=True)
    start_date = Column("Starts", sortable=True)

    class Meta:
        model = Framework


class FrameworkExtensionTable(Table):
    """Frameworks' extension options."""

    sequence = Column("Number", link=True)
    framework = Column("Framework")
    months = Column("Months", numeric=True)
    exercised = Column("Exercised")
    exercised_on = Column("Exercised on")
    note = Column("Note")

    class Meta:
        model = FrameworkExtension


class FrameworkLotTable(Table):
    """Lots of frameworks."""

    number = Column("Lot", link=True)
    title = Column("Title")
    framework = Column("Framework")

    class Meta:
        model = FrameworkLot


class LotSupplierTable(Table):
    """Suppliers appointed to lots."""

    supplier = Column("Supplier", link=True)
    appointment_reference = Column("Reference")
    lot = Column("Lot")

    class Meta:
        model = LotSupplier


class CallOffTable(Table):
    """Call-offs from frameworks' lots."""

    reference = Column("Reference", link=True, sortable=True)
    partner = Column(sort_by="partner__name")
    lot = Column("Lot")
    supplier = Column("Supplier")
    value = Column("Value (£)", numeric=True, sortable=True)
    invoiced = Column("Invoiced (£)", numeric=True)
    start_date = Column("Starts", sortable=True)
    status = Column("Status")

    class Meta:
        model = CallOff


class CallOffLineTable(Table):
    """The people and skills call-offs supply."""

    role = Column("Role", link=True)
    person_name = Column("Person")
    day_rate = Column("Day rate (£)", numeric=True)
    days = Column("Days", numeric=True)
    call_off = Column("Call-off")

    class Meta:
        model = CallOffLine


class PurchasingSettingsTable(Table):
    """Each council's purchasing settings."""

    partner = Column(link=True, sort_by="partner__name")
    applies_from = Column("Applies from", sortable=True)
    approval_threshold = Column("Approval threshold (£)", numeric=True)
    note = Column("Note")

    class Meta:
        model = PurchasingSettings


class PurchaseRequestTable(Table):
    """Purchase requests."""

    reference = Column("Reference", link=True)
    title = Column("Title")
    partner = Column()
    requester = Column("Requester")
    total = Column("Total (£)", numeric=True)
    status = Column("Status")

    class Meta:
        model = PurchaseRequest


class PurchaseRequestLineTable(Table):
    """Lines of purchase requests."""

    description = Column("Item", link=True)
    quantity = Column("Quantity", numeric=True)
    unit_price = Column("Unit price (£)", numeric=True)
    is_hardware = Column("Hardware")
    request = Column("Request")

    class Meta:
        model = PurchaseRequestLine


class PurchaseOrderTable(Table):
    """Purchase orders, one council's or joint."""

    reference = Column("Reference", link=True, sortable=True)
    supplier = Column("Supplier")
    ordered_on = Column("Ordered", sortable=True)
    total = Column("Total (£)", numeric=True, sortable=True)
    status = Column("Status")

    class Meta:
        model = PurchaseOrder


class PurchaseOrderLineTable(Table):
    """Lines of purchase orders, and how many have been received."""

    description = Column("Item", link=True)
    quantity = Column("Quantity", numeric=True)
    received_quantity = Column("Received", numeric=True)
    unit_price = Column("Unit price (£)", numeric=True)
    order = Column("Order")

    class Meta:
        model = PurchaseOrderLine
