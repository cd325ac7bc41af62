"""API endpoints of the asset register (mounted by concord/api_urls.py)."""

from assets.api.views import (
    AssetViewSet,
    CIRelationshipViewSet,
    ConfigurationItemViewSet,
    HardwareModelViewSet,
    ManufacturerViewSet,
    StocktakePolicyViewSet,
)

routes = [
    ("assets", AssetViewSet, "asset"),
    ("configuration-items", ConfigurationItemViewSet, "configurationitem"),
    ("ci-relationships", CIRelationshipViewSet, "cirelationship"),
    ("stocktake-policies", StocktakePolicyViewSet, "stocktakepolicy"),
    ("manufacturers", ManufacturerViewSet, "manufacturer"),
    ("hardware-models", HardwareModelViewSet, "hardwaremodel"),
]
