"""Pages for councils and their people, mounted at the site root."""

from partners.views import MembershipViews, PartnerViews

app_name = "partners"

urlpatterns = [
    *PartnerViews.urls(),
    *MembershipViews.urls(),
]
