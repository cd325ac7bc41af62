"""API endpoints of sites, site types and agreements (mounted by concord/api_urls.py)."""

from estate.api.views import AgreementViewSet, SiteTypeViewSet, SiteViewSet

routes = [
    ("sites", SiteViewSet, "site"),
    ("site-types", SiteTypeViewSet, "sitetype"),
    ("agreements", AgreementViewSet, "agreement"),
]
