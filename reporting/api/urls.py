"""API endpoints of the reporting app (mounted by concord/api_urls.py): one list of routes per
part: the KPI figures (reporting/api/kpis.py) and the monthly packs (reporting/api/packs.py)."""

from reporting.api.kpis import routes as kpi_routes
from reporting.api.kpis import urlpatterns as kpi_urlpatterns
from reporting.api.packs import routes as pack_routes
from reporting.api.packs import urlpatterns as pack_urlpatterns

routes = [*kpi_routes, *pack_routes]

urlpatterns = [*kpi_urlpatterns, *pack_urlpatterns]
