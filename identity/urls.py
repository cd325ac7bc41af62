"""Pages of the identity app, mounted at the site root: the providers' pages, signing in
through one, and switching a person off."""

from django.urls import path

from identity import views

app_name = "identity"

urlpatterns = [
    *views.IdentityProviderViews.urls(),
    path("sign-in/with/<slug:slug>/", views.start, name="start"),
    path("sign-in/with/<slug:slug>/callback/", views.callback, name="callback"),
    path("sign-in/second-factor/", views.SecondFactorView.as_view(), name="second_factor"),
    path(
        "people/<int:pk>/authenticator/remove/",
        views.RemoveFactorView.as_view(),
        name="remove_factor",
    ),
    path("people/<int:pk>/switch-off/", views.DeactivateView.as_view(), name="deactivate"),
]
