"""Consistent JSON errors for the API.

Every error is ``{"status": 400, "errors": [{"field": "name", "code": "required", "message":
"..."}]}``; ``field`` is null for an error about the request as a whole. Besides DRF's own
exceptions, the handler turns what a client can provoke from Django into the same shape: a model
``ValidationError`` (400), a delete of a record others still refer to, or a clash the
validators could not see coming (409). Anything else is a bug, and stays a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """The request clashes with the state of other records (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change clashes with other records."
    default_code = "conflict"


def flatten(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    """DRF's error detail (nested dicts and lists) as the shape's list of problems, each
    naming its field (``owner_shares[1].partner``) or null."""
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            nested: str | None
            if isinstance(key, int):
                # Errors of one item of a list (DRF keys them by position): owner_shares[1].
                nested = f"{field}[{key}]" if field else f"[{key}]"
            else:
                name = None if key in ("non_field_errors", "detail") else str(key)
                nested = f"{field}.{name}" if field and name else (name or field)
            out.extend(flatten(value, nested))
        return out
    if isinstance(detail, list):
        out = []
        for index, item in enumerate(detail):
            # A list of objects is a nested list (owner_shares[1].partner); of strings, messages.
            item_field = f"{field}[{index}]" if isinstance(item, dict) and field else field
            out.extend(flatten(item, item_field))
        return out
    return [{"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def _translate(exc: Exception) -> Exception:
    """Django exceptions a client can cause, as the DRF exceptions that say so."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        return Conflict("Other records still refer to this one, so it cannot be deleted.")
    if isinstance(exc, IntegrityError):
        return Conflict()
    return exc


def error_response(status_code: int, code: str, message: str, field: str | None = None) -> Response:
    """A response in the API's error shape, for code that answers without raising."""
    return Response(
        {"status": status_code, "errors": [{"field": field, "code": code, "message": message}]},
        status=status_code,
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped so every error names its field the same way."""
    exc = _translate(exc)
    if isinstance(exc, exceptions.NotFound | Http404):
        # Never say what kind of record was not found, nor echo the lookup.
        exc = exceptions.NotFound("Not found.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"status": response.status_code, "errors": flatten(response.data)}
    return response


@csrf_exempt
def no_such_endpoint(request: HttpRequest, path: str = "") -> JsonResponse:
    """Every ``/api/`` address that names no endpoint (concord/api_urls.py's last route).

    Matched as a route rather than left to Django's handler404, because with ``DEBUG`` on
    Django answers an unmatched address (``/api/v1/sites/abc/``) with its HTML debug page;
    a route's answer is the API's 404, in its error shape, whatever the settings. Matching
    everything also stops Django's slash-appending redirect, which cannot keep a POST's body:
    an address that would be an endpoint with a slash says so instead.
    """
    message = "Not found."
    if not request.path_info.endswith("/"):
        try:
            match = resolve(f"{request.path_info}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not no_such_endpoint:
            message = f"Not found. API addresses end with a slash: {request.path}/"
    body = {"status": 404, "errors": [{"field": None, "code": "not_found", "message": message}]}
    return JsonResponse(body, status=404)
