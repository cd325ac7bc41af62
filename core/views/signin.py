"""The sign-in page (a password, and each app's other ways in: core.signin.sign_in_choices);
sign-in lock-outs in pages: the answer to a locked-out sign-in (saying when to try again),
and the list of lock-outs in force that a council's lead or the shared-service manager may see
and lift (core.tenancy.lockouts, core.signin)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from core.signin import hold_sign_in, lift_lockout, second_step, sign_in_choices, when_in_words
from core.tenancy.access import DELETE
from core.tenancy.lockouts import (
    lockout_ends,
    lockout_visible_to,
    lockouts_visible_to,
    may_see_lockouts,
    retry_from,
)


class SignInForm(AuthenticationForm):
    """Django's sign-in form, whose refusal also names the other way in: a council that signs
    its people in through its own provider refuses them a password (core.tenancy.auth), and is
    refused in the same words as a wrong password, so that nobody learns whose account it is."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter a correct username and password. If your council signs you in with its "
            "own account (for example your work Microsoft account), use its button instead."
        ),
    }


class SignInView(LoginView):
    """The sign-in page: each council's own sign-in first where apps offer one, then a
    password (shown at once when nothing else is offered, or the password was wrong)."""

    form_class = SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        next_url = self.get_redirect_url()
        choices = sign_in_choices(self.request)
        if next_url:
            from urllib.parse import urlencode

            suffix = urlencode({"next": next_url})
            choices = [
                type(choice)(choice.label, f"{choice.url}?{suffix}", choice.hint)
                for choice in choices
            ]
        context["sign_in_choices"] = choices
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        """Sign in, unless an app asks for a second step first (a second factor): then the
        sign-in waits in the session, and the person goes to that step."""
        user = form.get_user()
        url = second_step(self.request, user)
        if url is None:
            return super().form_valid(form)
        hold_sign_in(self.request, user, user.backend, self.get_redirect_url())
        return HttpResponseRedirect(url)


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The sign-in page's answer while the username is locked out from this address
    (settings.AXES_LOCKOUT_CALLABLE): 429, saying when to try again in UK time."""
    from axes.helpers import get_client_username

    username = get_client_username(request, credentials)
    ends = lockout_ends(username, getattr(request, "axes_ip_address", None))
    context = {
        "username": username or "",
        "retry_from": retry_from(ends) if ends else None,
        "retry_words": when_in_words(retry_from(ends)) if ends else "",
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    if ends is not None:
        from django.utils import timezone

        seconds = (retry_from(ends) - timezone.now()).total_seconds()
        response["Retry-After"] = str(max(1, int(seconds)))
    return response


class LockoutListView(LoginRequiredMixin, View):
    """Sign-in lock-outs in force that the signed-in person may see, each with its end and, if
    they may lift it, a button that does."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not may_see_lockouts(user):
            raise PermissionDenied
        liftable = {lockout.id for lockout in lockouts_visible_to(user, DELETE)}
        rows = [
            {
                "lockout": lockout,
                "until": when_in_words(lockout.retry_from),
                "liftable": lockout.id in liftable,
            }
            for lockout in lockouts_visible_to(user)
        ]
        return render(request, "core/lockout_list.html", {"rows": rows})


class LockoutLiftView(LoginRequiredMixin, View):
    """Lifts one lock-out (POST only); a lock-out the person may not lift, or that has ended
    or gone, is a 404."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        lockout = lockout_visible_to(request.user, pk, DELETE)
        if lockout is None or not lift_lockout(lockout):
            raise Http404("No such lock-out")
        who = lockout.username if lockout.username is not None else "(no username)"
        messages.success(
            request,
            f"The lock-out of {who} from {lockout.ip_address} is lifted: they can sign in now.",
        )
        return HttpResponseRedirect(reverse("core:lockout_list"))
