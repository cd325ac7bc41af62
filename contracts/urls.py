"""Pages of the contracts app, mounted at the site root."""

from contracts.views import (
    BreakClauseViews,
    ContractExtensionViews,
    ContractSettingsViews,
    ContractViews,
    ExitMilestoneViews,
    ExitPlanViews,
    KpiMeasureViews,
    KpiViews,
    ServiceCreditViews,
    SupplierContactViews,
    SupplierViews,
    contract_urls,
)

app_name = "contracts"

urlpatterns = [
    # Before the generic pages: "decisions-due" is not a record's id, but keep it first.
    *contract_urls(),
    *SupplierViews.urls(),
    *SupplierContactViews.urls(),
    *ContractViews.urls(),
    *ContractExtensionViews.urls(),
    *BreakClauseViews.urls(),
    *ContractSettingsViews.urls(),
    *ExitPlanViews.urls(),
    *ExitMilestoneViews.urls(),
    *KpiViews.urls(),
    *KpiMeasureViews.urls(),
    *ServiceCreditViews.urls(),
]

# Frameworks, call-offs and purchasing.
from contracts.procurement_views import procurement_urls  # noqa: E402

urlpatterns += procurement_urls()

# The published register's page and downloads.
from contracts.publishing_views import urlpatterns as publishing_urlpatterns  # noqa: E402

urlpatterns += publishing_urlpatterns
