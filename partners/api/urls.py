"""API endpoints of councils and people (mounted by concord/api_urls.py)."""

from partners.api.views import MembershipViewSet, PartnerViewSet

routes = [
    ("partners", PartnerViewSet, "partner"),
    ("memberships", MembershipViewSet, "membership"),
]
