"""API endpoints of the finance app (mounted by concord/api_urls.py): one list of routes per
part of the money."""

from finance.api.ledger import routes as ledger_routes
from finance.api.recharges import routes as recharge_routes
from finance.api.recharges import urlpatterns as recharge_urlpatterns
from finance.api.savings import routes as savings_routes
from finance.api.savings import urlpatterns as savings_urlpatterns

routes = [*ledger_routes, *recharge_routes, *savings_routes]

urlpatterns = [*recharge_urlpatterns, *savings_urlpatterns]
