"""API endpoints of the contracts app (mounted by concord/api_urls.py)."""

from contracts.api.views import (
    BreakClauseViewSet,
    ContractExtensionViewSet,
    ContractSettingsViewSet,
    ContractViewSet,
    ExitMilestoneViewSet,
    ExitPlanViewSet,
    KpiMeasureViewSet,
    KpiViewSet,
    ServiceCreditViewSet,
    SupplierContactViewSet,
    SupplierViewSet,
)

routes = [
    ("suppliers", SupplierViewSet, "supplier"),
    ("supplier-contacts", SupplierContactViewSet, "suppliercontact"),
    ("contracts", ContractViewSet, "contract"),
    ("contract-extensions", ContractExtensionViewSet, "contractextension"),
    ("break-clauses", BreakClauseViewSet, "breakclause"),
    ("contract-settings", ContractSettingsViewSet, "contractsettings"),
    ("exit-plans", ExitPlanViewSet, "exitplan"),
    ("exit-milestones", ExitMilestoneViewSet, "exitmilestone"),
    # /api/v1/kpis/ is the reporting app's KPI figures (issue 14 names it): a contract's KPIs
    # are contract-kpis.
    ("contract-kpis", KpiViewSet, "kpi"),
    ("kpi-measures", KpiMeasureViewSet, "kpimeasure"),
    ("service-credits", ServiceCreditViewSet, "servicecredit"),
]

# Frameworks, call-offs and purchasing.
from contracts.api.procurement import procurement_routes  # noqa: E402

routes += procurement_routes

# The published register of a council, by its code: /api/v1/partners/<code>/...
from contracts.api.publishing import urlpatterns as publishing_urlpatterns  # noqa: E402

urlpatterns = [*publishing_urlpatterns]
