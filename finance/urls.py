"""Pages of the finance app, mounted at the site root: one list of URLs per part of the money."""

from finance.ledger_views import urlpatterns as ledger_urls
from finance.recharge_views import urlpatterns as recharge_urls
from finance.savings_views import urlpatterns as savings_urls

app_name = "finance"

urlpatterns = [*ledger_urls, *recharge_urls, *savings_urls]
