"""Pages of the asset register, mounted at the site root."""

from assets.views import (
    AssetViews,
    CIRelationshipViews,
    ConfigurationItemViews,
    HardwareModelViews,
    ManufacturerViews,
    StocktakePolicyViews,
    asset_urls,
)

app_name = "assets"

urlpatterns = [
    # Before the generic pages: "end-of-support" is not a record's id, but keep it first.
    *asset_urls(),
    *AssetViews.urls(),
    *ConfigurationItemViews.urls(),
    *CIRelationshipViews.urls(),
    *StocktakePolicyViews.urls(),
    *ManufacturerViews.urls(),
    *HardwareModelViews.urls(),
]
