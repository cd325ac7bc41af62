"""API endpoint of identity providers (mounted by concord/api_urls.py)."""

from identity.api.views import IdentityProviderViewSet

routes = [("identity-providers", IdentityProviderViewSet, "identityprovider")]
