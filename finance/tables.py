"""Tables of the finance ledger's pages."""

from __future__ import annotations

from core.tables import Column, Table
from finance.models.ledger import (
    ApportionmentRule,
    Budget,
    BudgetRevision,
    CostCentre,
    CostLine,
    DriverFigure,
    FinancialYear,
    LedgerCode,
    RuleComponent,
    RuleShare,
)


class FinancialYearTable(Table):
    """Financial years, latest first."""

    name = Column("Year", link=True, sortable=True)
    starts_on = Column("Starts", sortable=True)
    ends_on = Column("Ends", sortable=True)

    class Meta:
        model = FinancialYear


class CostCentreTable(Table):
    """A council's cost centres."""

    code = Column("Code", link=True, sortable=True)
    name = Column("Name", sortable=True)
    partner = Column(sort_by="partner__name")

    class Meta:
        model = CostCentre


class LedgerCodeTable(Table):
    """Where each council books its recharged share of each category."""

    account_code = Column("Account code", link=True, sortable=True)
    category = Column("Category", sortable=True)
    spend_type = Column("Revenue or capital", sortable=True)
    cost_centre = Column("Cost centre")
    partner = Column(sort_by="partner__name")

    class Meta:
        model = LedgerCode


class BudgetTable(Table):
    """Budgets per council, cost centre and year."""

    cost_centre = Column("Cost centre", link=True)
    year = Column("Year")
    spend_type = Column("Revenue or capital", sortable=True)
    amount = Column("Budget (£)", numeric=True, sortable=True)
    partner = Column(sort_by="partner__name")

    class Meta:
        model = Budget


class BudgetRevisionTable(Table):
    """A budget's figures, first (the original) to last."""

    revised_on = Column("Agreed on", link=True, sortable=True)
    budget = Column("Budget")
    amount = Column("Amount (£)", numeric=True, sortable=True)
    reason = Column("Reason")

    class Meta:
        model = BudgetRevision


class CostLineTable(Table):
    """Costs, latest first."""

    description = Column("Description", link=True, sortable=True)
    reference = Column("Reference", sortable=True)
    incurred_on = Column("Date", sortable=True)
    category = Column("Category", sortable=True)
    is_shared = Column("Shared")
    supplier = Column("Supplier")
    amount = Column("Amount (£)", numeric=True, sortable=True)

    class Meta:
        model = CostLine


class ApportionmentRuleTable(Table):
    """Apportionment rules, by name."""

    name = Column("Name", link=True, sortable=True)
    method = Column("Method", sortable=True)
    category = Column("Default rule for", sortable=True)
    valid_from = Column("From", sortable=True)
    valid_to = Column("To")

    class Meta:
        model = ApportionmentRule


class RuleComponentTable(Table):
    """The drivers of driver and mixed rules."""

    driver = Column("Driver", link=True, sortable=True)
    rule = Column("Rule")
    weight = Column("Weight (%)", numeric=True, sortable=True)

    class Meta:
        model = RuleComponent


class RuleShareTable(Table):
    """Each council's share under a fixed rule (a council sees only its own)."""

    rule = Column("Rule", link=True)
    partner = Column(sort_by="partner__name")
    percent = Column("Share (%)", numeric=True, sortable=True)

    class Meta:
        model = RuleShare


class DriverFigureTable(Table):
    """Driver figures per council and period, latest first."""

    driver = Column("Driver", link=True, sortable=True)
    period_start = Column("From", sortable=True)
    period_end = Column("To", sortable=True)
    value = Column("Figure", numeric=True, sortable=True)
    source = Column("Source", sortable=True)
    partner = Column(sort_by="partner__name")

    class Meta:
        model = DriverFigure
