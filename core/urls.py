"""Pages of the core: home, partner filter, change log."""

from django.urls import path

from core.views import home

app_name = "core"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
]
