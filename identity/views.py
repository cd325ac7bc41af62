"""Pages of the identity app: the identity providers (the shared-service manager's), signing in
through one (its start and its callback), and switching a person off."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from core.tables import default_detail_fields
from core.tenancy.access import CHANGE, access_for
from core.tenancy.models import User
from core.views.generic import ModelViews
from identity import services
from identity.filtersets import IdentityProviderFilterSet
from identity.forms import IdentityProviderForm
from identity.models import IdentityProvider, provider_named
from identity.tables import IdentityProviderTable

log = logging.getLogger("concord.identity")

BACKEND = "core.tenancy.auth.ConcordBackend"


class IdentityProviderViews(ModelViews):
    """Each council's identity provider, and the shared service's own: the manager's."""

    model = IdentityProvider
    filterset_class = IdentityProviderFilterSet
    table_class = IdentityProviderTable
    form_class = IdentityProviderForm
    nav_label = "Sign-in providers"
    nav_group = "administration"
    nav_order = 90
    #: Every field but the client secret, which no page shows.
    detail_fields = [
        name for name in default_detail_fields(IdentityProvider) if name != "client_secret"
    ]


def _failed(request: HttpRequest, provider: Any, error: services.SignInError) -> HttpResponse:
    log.warning("sign-in refused: %s", error.reason)
    context = {"advice": error.advice, "provider": provider}
    return render(request, "identity/sign_in_failed.html", context, status=403)


def start(request: HttpRequest, slug: str) -> HttpResponse:
    """Send the person to the provider `slug` names, to sign in there."""
    provider = provider_named(slug)
    if provider is None:
        raise Http404("No such sign-in")
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    try:
        return HttpResponseRedirect(services.begin(request, provider, next_url))
    except services.SignInError as error:
        return _failed(request, provider, error)


def callback(request: HttpRequest, slug: str) -> HttpResponse:
    """The provider's answer: the person signed in, or told in plain words what to do."""
    provider = provider_named(slug)
    if provider is None:
        raise Http404("No such sign-in")
    try:
        outcome = services.complete(request, provider, request.GET)
    except services.SignInError as error:
        return _failed(request, provider, error)
    login(request, outcome.user, backend=BACKEND)
    return HttpResponseRedirect(outcome.next_url or reverse("core:home"))


class DeactivateView(LoginRequiredMixin, View):
    """Switch a person off (a leaver): their sessions and API tokens end at once.

    The shared-service manager's (``change`` in the ``identity`` area), as adding people to
    councils is: a council's lead reads its people, and switches them off in the council's
    own directory, which the council's provider (and SCIM) then follow.
    """

    def _person(self, request: HttpRequest, pk: int) -> Any:
        person = User.objects.filter(pk=pk).first()
        if person is None or not may_deactivate(request.user, person):
            raise Http404("No such person")
        return person

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = self._person(request, pk)
        return render(request, "identity/deactivate.html", {"person": person})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = self._person(request, pk)
        if person.pk == request.user.pk:
            raise PermissionDenied("You cannot switch yourself off")
        services.deactivate(person)
        messages.success(request, f"{person.display_name} is switched off and signed out.")
        return HttpResponseRedirect(reverse("core:home"))


def may_deactivate(user: Any, person: Any) -> bool:
    """Whether `user` may switch `person` off (see DeactivateView)."""
    return access_for(user).can(CHANGE, "identity")
