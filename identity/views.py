"""Pages of the identity app: the identity providers (the shared-service manager's), signing in
through one (its start and its callback), the second factor of staff who sign in with a
password, and switching a person off (or removing their lost authenticator)."""

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

from core.signin import PENDING_KEY, pending_sign_in
from core.tables import default_detail_fields
from core.tenancy.access import CHANGE, access_for
from core.tenancy.models import User
from core.views.generic import ModelViews
from identity import factors, services
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
    nav_label = "Identity providers"
    nav_group = "administration"
    nav_order = 90

    @classmethod
    def detail_context(cls, obj: Any, request: HttpRequest) -> dict[str, Any]:
        """The provider's SCIM address and tokens (identity/identityprovider_detail.html)."""
        return {
            "scim_url": request.build_absolute_uri(reverse("identity:scim_root")),
            "scim_tokens": obj.scim_tokens.count(),
            "may_make_token": access_for(request.user).can(CHANGE, "identity"),
        }

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
        context = {"person": person, "has_factor": factors.has_factor(person)}
        return render(request, "identity/deactivate.html", context)

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


#: Wrong codes a pending sign-in may take before the person must give their password again.
MAX_CODE_TRIES = 5


class SecondFactorView(View):
    """After a right password, a code from the person's authenticator app (or a recovery
    code); a person with no authenticator yet adds one here first, and is shown their recovery
    codes once."""

    def _pending(self, request: HttpRequest) -> tuple[Any, Any]:
        pending = pending_sign_in(request)
        user = User.objects.filter(pk=pending["user"]).first() if pending else None
        return pending, user

    def _again(self, request: HttpRequest, words: str) -> HttpResponse:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, words)
        return HttpResponseRedirect(reverse("login"))

    def get(self, request: HttpRequest) -> HttpResponse:
        _pending, user = self._pending(request)
        if user is None:
            return self._again(request, "Your sign-in took too long. Sign in again.")
        return self._page(request, user, error="")

    def _page(self, request: HttpRequest, user: Any, error: str, status: int = 200) -> Any:
        context: dict[str, Any] = {"error": error, "person": user}
        if not factors.has_factor(user):
            secret = factors.enrolment_secret(request)
            context.update(enrolling=True, secret=secret, qr=factors.qr_svg(user, secret))
        return render(request, "identity/second_factor.html", context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        pending, user = self._pending(request)
        if user is None or pending is None:
            return self._again(request, "Your sign-in took too long. Sign in again.")
        code = request.POST.get("code", "")
        codes: list[str] | None = None
        if factors.has_factor(user):
            ok = factors.verify(user, code)
        else:
            codes = factors.enrol(user, factors.enrolment_secret(request), code)
            ok = codes is not None
        if not ok:
            pending["tries"] += 1
            request.session[PENDING_KEY] = pending
            if pending["tries"] >= MAX_CODE_TRIES:
                return self._again(
                    request, "That code was wrong too many times. Sign in again with your password."
                )
            error = (
                "Enter the 6-digit code your authenticator app shows now, or one of your "
                "recovery codes"
                if not codes and factors.has_factor(user)
                else "Enter the 6-digit code your authenticator app shows for Concord"
            )
            return self._page(request, user, error=error, status=400)
        request.session.pop(PENDING_KEY, None)
        request.session.pop("identity.enrolment_secret", None)
        login(request, user, backend=pending["backend"])
        next_url = pending.get("next") or reverse("core:home")
        if codes:
            context = {"codes": codes, "next_url": next_url}
            return render(request, "identity/recovery_codes.html", context)
        left = factors.codes_left(user)
        if left <= 3:
            messages.warning(
                request,
                f"You have {left} recovery codes left. Ask the service manager to reset your "
                "authenticator to get new ones.",
            )
        return HttpResponseRedirect(next_url)


class RemoveFactorView(LoginRequiredMixin, View):
    """Remove a person's authenticator (a lost phone): the shared-service manager's. They add
    a new one, and get new recovery codes, at their next sign-in."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = User.objects.filter(pk=pk).first()
        if person is None or not may_deactivate(request.user, person):
            raise Http404("No such person")
        if factors.remove(person):
            messages.success(request, f"{person.display_name} will add a new authenticator.")
        return HttpResponseRedirect(reverse("identity:deactivate", kwargs={"pk": pk}))


class ScimTokenView(LoginRequiredMixin, View):
    """A new SCIM token for a council's provider (the manager's), shown once."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from identity.scim import new_token

        if not access_for(request.user).can(CHANGE, "identity"):
            raise Http404("No such provider")
        provider = (
            IdentityProvider.objects.visible_to(request.user)
            .filter(pk=pk, partner__isnull=False)
            .select_related("partner")
            .first()
        )
        if provider is None:
            raise Http404("No such provider")
        key = new_token(provider)
        scim_url = request.build_absolute_uri(reverse("identity:scim_root"))
        context = {"provider": provider, "key": key, "scim_url": scim_url}
        return render(request, "identity/scim_token.html", context)
