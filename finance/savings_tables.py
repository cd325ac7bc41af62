"""Tables of the business case and savings pages."""

from __future__ import annotations

from core.tables import Column, Table
from finance.models.savings import (
    BusinessCase,
    ImplementationCost,
    RealisedSaving,
    SavingsSplit,
    SavingsTarget,
)


class BusinessCaseTable(Table):
    """Business cases for the reader's councils."""

    reference = Column("Reference", link=True, sortable=True)
    name = Column("Name")
    baseline_cost = Column("Baseline (£ a year)", numeric=True)
    first_year = Column("First year")
    status = Column("Status")

    class Meta:
        model = BusinessCase


class SavingsTargetTable(Table):
    year = Column("Year", link=True)
    business_case = Column("Business case")
    cashable = Column("Cashable (£)", numeric=True)
    non_cashable = Column("Non-cashable (£)", numeric=True)

    class Meta:
        model = SavingsTarget


class ImplementationCostTable(Table):
    description = Column("Description", link=True)
    partner = Column("Council")
    business_case = Column("Business case")
    amount = Column("Amount (£)", numeric=True)

    class Meta:
        model = ImplementationCost


class SavingsSplitTable(Table):
    percent = Column("Share (%)", link=True, numeric=True)
    partner = Column("Council")
    business_case = Column("Business case")
    note = Column("Agreed")

    class Meta:
        model = SavingsSplit


class RealisedSavingTable(Table):
    year = Column("Year", link=True)
    partner = Column("Council")
    business_case = Column("Business case")
    basis = Column("Basis")
    cashable = Column("Cashable (£)", numeric=True)
    non_cashable = Column("Non-cashable (£)", numeric=True)

    class Meta:
        model = RealisedSaving
