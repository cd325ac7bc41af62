"""API endpoints of the licences app (mounted by concord/api_urls.py)."""

from django.urls import path

from licences.api.views import (
    ComplianceView,
    InstallationViewSet,
    LicenceAgreementViewSet,
    LicenceAssignmentViewSet,
    SoftwareProductViewSet,
)

routes = [
    ("software-products", SoftwareProductViewSet, "softwareproduct"),
    ("licence-agreements", LicenceAgreementViewSet, "licenceagreement"),
    ("licence-assignments", LicenceAssignmentViewSet, "licenceassignment"),
    ("installations", InstallationViewSet, "installation"),
]

urlpatterns = [path("licence-compliance/", ComplianceView.as_view(), name="licence-compliance")]
