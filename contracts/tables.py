"""Tables of the contracts pages."""

from __future__ import annotations

from contracts.models import (
    BreakClause,
    Contract,
    ContractExtension,
    ContractSettings,
    ExitMilestone,
    ExitPlan,
    Kpi,
    KpiMeasure,
    ServiceCredit,
    Supplier,
    SupplierContact,
)
from core.tables import Column, Table


class SupplierTable(Table):
    name = Column("Name", link=True, sortable=True)
    companies_house_number = Column("Companies House number")
    is_sme = Column("SME")
    is_vcse = Column("VCSE")
    postcode = Column("Postcode")

    class Meta:
        model = Supplier


class SupplierContactTable(Table):
    name = Column("Name", link=True, sortable=True)
    supplier = Column("Supplier")
    role = Column("Role")
    email = Column("Email")

    class Meta:
        model = SupplierContact


class ContractTable(Table):
    reference = Column("Reference", link=True, sortable=True)
    title = Column("Title", sortable=True)
    supplier = Column("Supplier")
    start_date = Column("Start", sortable=True)
    status = Column("Status")
    annual_value = Column("Annual value (£)", numeric=True)

    class Meta:
        model = Contract


class ContractExtensionTable(Table):
    contract = Column("Contract", link=True)
    sequence = Column("Option", sortable=True)
    months = Column("Months", numeric=True)
    exercised = Column("Exercised")
    exercised_on = Column("Exercised on")

    class Meta:
        model = ContractExtension


class BreakClauseTable(Table):
    contract = Column("Contract", link=True)
    break_date = Column("Break date", sortable=True)
    notice_months = Column("Notice (months)", numeric=True)

    class Meta:
        model = BreakClause


class ContractSettingsTable(Table):
    partner = Column("Council", link=True, sort_by="partner__name")
    ocid_prefix = Column("OCID prefix")
    reminder_days = Column("Reminder days")

    class Meta:
        model = ContractSettings


class ExitPlanTable(Table):
    contract = Column("Contract", link=True)
    successor = Column("Successor")
    owner = Column("Plan owner")

    class Meta:
        model = ExitPlan


class ExitMilestoneTable(Table):
    title = Column("Milestone", link=True, sortable=True)
    plan = Column("Exit plan")
    kind = Column("Kind")
    due_date = Column("Due", sortable=True)
    rag = Column("RAG")
    done_on = Column("Done on")

    class Meta:
        model = ExitMilestone


class KpiTable(Table):
    name = Column("KPI", link=True, sortable=True)
    contract = Column("Contract")
    target = Column("Target", numeric=True)
    unit = Column("Unit")

    class Meta:
        model = Kpi


class KpiMeasureTable(Table):
    kpi = Column("KPI", link=True)
    month = Column("Month", sortable=True)
    value = Column("Value", numeric=True)
    rag = Column("RAG")

    class Meta:
        model = KpiMeasure


class ServiceCreditTable(Table):
    contract = Column("Contract", link=True)
    month = Column("Month", sortable=True)
    amount = Column("Amount (£)", numeric=True)
    reason = Column("Reason")

    class Meta:
        model = ServiceCredit
