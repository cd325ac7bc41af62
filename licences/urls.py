"""Pages of the licences app, mounted at the site root."""

from licences.views import (
    InstallationViews,
    LicenceAgreementViews,
    LicenceAssignmentViews,
    SoftwareProductViews,
    report_urls,
)

app_name = "licences"

urlpatterns = [
    *report_urls(),
    *LicenceAgreementViews.urls(),
    *LicenceAssignmentViews.urls(),
    *InstallationViews.urls(),
    *SoftwareProductViews.urls(),
]
