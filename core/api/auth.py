"""Signing in to the API: ``POST /api/v1/auth/token/`` gives the token for ``Authorization:
Token <key>``.

The request is throttled (the ``token`` rate, per client address: ``client_address``), and
failed sign-ins count towards django-axes' lock-out just as on the sign-in page: DRF's
serializer passes the request to ``authenticate``. A locked-out person gets 429 in the API's
error shape, saying when the lock-out ends, not the HTML lock-out page.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from core.api.parsers import JSONParser
from core.signin import second_step
from core.tenancy.auth import client_address


class ClientAddressRateThrottle(ScopedRateThrottle):
    """DRF's scoped rate limit, counted per client address as Concord reads it
    (core.tenancy.auth.client_address), never by an X-Forwarded-For a client wrote itself."""

    def get_ident(self, request: Request) -> str:
        return client_address(request) or ""


class SignInLockedOut(exceptions.APIException):
    """Too many failed sign-ins for this username from this address."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many failed sign-ins: wait a while, then try again."
    default_code = "locked_out"
    #: Seconds until the lock-out ends: DRF's handler sends it as Retry-After.
    wait: int | None = None


class TokenSerializer(serializers.Serializer):
    """The API token of the person who signed in."""

    token = serializers.CharField(read_only=True, help_text="Send as `Authorization: Token <key>`.")


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token."""

    authentication_classes = ()  # the credentials are in the body; no session, so no CSRF
    permission_classes = (AllowAny,)
    throttle_classes = (ClientAddressRateThrottle,)
    throttle_scope = "token"
    parser_classes = (JSONParser, FormParser)
    renderer_classes = (JSONRenderer,)

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={200: TokenSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                raise locked_out(request) from None
            raise
        user = serializer.validated_data["user"]
        if second_step(request, user):
            raise exceptions.PermissionDenied(
                "This account signs in with a second factor, which the API cannot ask for: "
                "use an API token made for it instead."
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


def locked_out(request: Request) -> SignInLockedOut:
    """The 429 of a locked-out sign-in, saying when to try again (and in Retry-After)."""
    from django.utils import timezone

    from core.signin import when_in_words
    from core.tenancy.auth import lockout_username
    from core.tenancy.lockouts import lockout_ends, retry_from

    ends = lockout_ends(lockout_username(request, None), getattr(request, "axes_ip_address", None))
    if ends is None:
        return SignInLockedOut()
    again = retry_from(ends)
    error = SignInLockedOut(
        f"Too many failed sign-ins: try again from {when_in_words(again)} (UK time), "
        f"{again.isoformat()}."
    )
    error.wait = max(1, int((again - timezone.now()).total_seconds()))
    return error
