"""Pages for partners, people, sites and agreements, mounted at the site root."""

from partners.views import AgreementViews, MembershipViews, PartnerViews, SiteTypeViews, SiteViews

app_name = "partners"

urlpatterns = [
    *PartnerViews.urls(),
    *SiteViews.urls(),
    *SiteTypeViews.urls(),
    *AgreementViews.urls(),
    *MembershipViews.urls(),
]
