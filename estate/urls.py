"""Pages for sites, site types and agreements, mounted at the site root."""

from estate.views import AgreementViews, SiteTypeViews, SiteViews

app_name = "estate"

urlpatterns = [
    *SiteViews.urls(),
    *SiteTypeViews.urls(),
    *AgreementViews.urls(),
]
