"""Top-level URLs: pages, the API under /api/, sign-in, and the Django admin.

Every Concord app's pages (its ``urls.py``) are mounted at the site root, in the order of
INSTALLED_APPS (core.apps.concord_apps); its API routes are in concord/api_urls.py.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.apps import app_module, concord_apps
from core.views.signin import SignInView

urlpatterns = [
    # The API first: its requests are matched on the one prefix "api/" instead of trying every
    # page's patterns before it (no page lives under /api/).
    path("api/", include("concord.api_urls")),
    path("", include("core.urls")),
    *(path("", include(f"{app.name}.urls")) for app in concord_apps() if app_module(app, "urls")),
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("django-admin/", admin.site.urls),
]

handler400 = "core.views.errors.bad_request"
handler404 = "core.views.errors.page_not_found"
handler403 = "core.views.errors.permission_denied"
handler500 = "core.views.errors.server_error"
