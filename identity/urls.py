"""Pages of the identity app, mounted at the site root: the providers' pages, signing in
through one, the second factor, SCIM (/scim/v2/), and switching a person off."""

from django.urls import path, re_path

from identity import scim, views

app_name = "identity"

urlpatterns = [
    *views.IdentityProviderViews.urls(),
    path("sign-in/with/<slug:slug>/", views.start, name="start"),
    path("sign-in/with/<slug:slug>/callback/", views.callback, name="callback"),
    path("scim/v2/", scim.endpoint, name="scim_root"),
    re_path(r"^scim/v2/(?P<path>.+)$", scim.endpoint, name="scim"),
    path(
        "identity-providers/<int:pk>/scim-token/",
        views.ScimTokenView.as_view(),
        name="scim_token",
    ),
    path("sign-in/second-factor/", views.SecondFactorView.as_view(), name="second_factor"),
    path(
        "people/<int:pk>/authenticator/remove/",
        views.RemoveFactorView.as_view(),
        name="remove_factor",
    ),
    path("people/<int:pk>/switch-off/", views.DeactivateView.as_view(), name="deactivate"),
]
