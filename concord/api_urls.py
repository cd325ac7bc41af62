"""The REST API: /api/v1/..., the OpenAPI schema and its offline Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from core.api.attachments import AttachmentViewSet
from core.api.auth import ObtainTokenView
from core.api.changes import ChangeRecordViewSet
from core.api.exporting import export_urls
from core.api.importing import ImportJobView
from estate.api import views as estate_api
from partners.api import views as partners_api

app_name = "api"

# Basenames are model names, so URL names read api:site-list, api:site-detail...
router = SimpleRouter()
router.register("partners", partners_api.PartnerViewSet, basename="partner")
router.register("sites", estate_api.SiteViewSet, basename="site")
router.register("site-types", estate_api.SiteTypeViewSet, basename="sitetype")
router.register("agreements", estate_api.AgreementViewSet, basename="agreement")
router.register("memberships", partners_api.MembershipViewSet, basename="membership")
router.register("changes", ChangeRecordViewSet, basename="change")
router.register("attachments", AttachmentViewSet, basename="attachment")

urlpatterns = [
    path("v1/auth/token/", ObtainTokenView.as_view(), name="token"),
    path("v1/import-jobs/<uuid:token>/", ImportJobView.as_view(), name="import-job"),
    # Each domain endpoint's CSV/XLSX export (sites/export/, api:site-export) beside its routes.
    path("v1/", include([*export_urls(router), *router.urls])),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
