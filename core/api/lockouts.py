"""Sign-in lock-outs in the API: ``GET /api/v1/sign-in-lockouts/`` (those in force that the
person may see), ``GET .../<id>/`` and ``DELETE .../<id>/`` (lift it: 204, change-logged).

Who sees and lifts which is the grant table's ``lockouts`` area (core.tenancy.lockouts): a
council's lead for the council's people, the shared-service manager for anyone. Someone with no
such grant gets 403 on the list; a lock-out they may not see (another council's person), or one
that has ended or been lifted, is a 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.signin import lift_lockout
from core.tenancy.access import DELETE, VIEW
from core.tenancy.lockouts import (
    Lockout,
    lockout_visible_to,
    lockouts_visible_to,
    may_see_lockouts,
)


class LockoutSerializer(serializers.Serializer):
    """A username locked out from one address after too many failed sign-ins."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(
        read_only=True, allow_null=True, help_text="As it was typed; null if none was."
    )
    person = serializers.SerializerMethodField(
        help_text="The username of the account it names, or null if it names nobody."
    )
    ip_address = serializers.IPAddressField(read_only=True, allow_null=True)
    failures = serializers.IntegerField(read_only=True, help_text="Failed sign-ins counted.")
    ends_at = serializers.DateTimeField(
        read_only=True, help_text="The last moment the lock-out holds."
    )
    retry_from = serializers.DateTimeField(
        read_only=True, help_text="When signing in is tried again (the next whole minute)."
    )

    def get_person(self, lockout: Lockout) -> str | None:
        return lockout.person.get_username() if lockout.person is not None else None


class LockoutViewSet(viewsets.ViewSet):
    """Sign-in lock-outs in force: see them, and lift one (DELETE)."""

    serializer_class = LockoutSerializer
    lookup_value_regex = "[0-9]+"

    def _find(self, request: Request, pk: Any, action: str) -> Lockout:
        lockout = lockout_visible_to(request.user, pk, action)
        if lockout is None:
            raise NotFound("There is no such lock-out in force that you may see.")
        return lockout

    @extend_schema(responses={200: LockoutSerializer(many=True)})
    def list(self, request: Request) -> Response:
        """The lock-outs in force that you may see, ending soonest first."""
        if not may_see_lockouts(request.user):
            raise PermissionDenied("You may not see sign-in lock-outs.")
        lockouts = lockouts_visible_to(request.user, VIEW)
        return Response(LockoutSerializer(lockouts, many=True).data)

    @extend_schema(responses={200: LockoutSerializer})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        """One lock-out in force."""
        return Response(LockoutSerializer(self._find(request, pk, VIEW)).data)

    @extend_schema(responses={204: OpenApiResponse(description="Lifted: they can sign in now.")})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        """Lift a lock-out: the person can sign in from that address at once. Change-logged."""
        if not lift_lockout(self._find(request, pk, DELETE)):
            raise NotFound("There is no such lock-out in force that you may see.")
        return Response(status=status.HTTP_204_NO_CONTENT)
