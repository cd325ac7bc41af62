"""Pages of the portfolio app, mounted at the site root."""

from portfolio.views import urlpatterns as view_urls

app_name = "portfolio"

urlpatterns = [*view_urls]
