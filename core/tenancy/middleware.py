"""Ends the session of a person whose council has left since they signed in."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse

from core.tenancy.access import council_access_ended


class AccessEndedMiddleware:
    """Signs out a council person from the day their (last) council leaves.

    The authentication backend already refuses such a person (request.user is anonymous), so
    a session that still names a user nobody can be signed in as is flushed here, rather than
    left in the database to come back to life if the leaving date were cleared.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not user.is_service_staff and council_access_ended(user):
                logout(request)
        elif user is not None and request.session.get(SESSION_KEY):
            request.session.flush()
        return self.get_response(request)
