"""Pages of the reporting app, mounted at the site root: one list of URLs per part."""

from reporting.dashboard_views import urlpatterns as dashboard_urls
from reporting.kpi_views import urlpatterns as kpi_urls
from reporting.pack_views import urlpatterns as pack_urls

app_name = "reporting"

urlpatterns = [*kpi_urls, *dashboard_urls, *pack_urls]
