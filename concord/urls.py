"""Top-level URLs: pages, the API under /api/, sign-in, and the Django admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("partners.urls")),
    path("", include("estate.urls")),
    path("api/", include("concord.api_urls")),
    path("sign-in/", auth_views.LoginView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("django-admin/", admin.site.urls),
]

handler400 = "core.views.errors.bad_request"
handler404 = "core.views.errors.page_not_found"
handler403 = "core.views.errors.permission_denied"
handler500 = "core.views.errors.server_error"
