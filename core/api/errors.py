"""Consistent JSON errors for the API: ``{"status": 400, "errors": [{"field", "code", "message"}]}``."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else str(key)
            nested = f"{field}.{name}" if field and name else (name or field)
            out.extend(_flatten(value, nested))
        return out
    if isinstance(detail, list):
        out = []
        for item in detail:
            out.extend(_flatten(item, field))
        return out
    return [{"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped so every error names its field the same way."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"status": response.status_code, "errors": _flatten(response.data)}
    return response
