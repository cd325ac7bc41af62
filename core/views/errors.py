"""Error pages: plain GOV.UK pages for people, JSON for the API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {
                "status": 404,
                "errors": [{"field": None, "code": "not_found", "message": "Not found."}],
            },
            status=404,
        )
    return render(request, "errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {
                "status": 403,
                "errors": [
                    {"field": None, "code": "permission_denied", "message": "You may not do that."}
                ],
            },
            status=403,
        )
    return render(request, "errors/403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {
                "status": 500,
                "errors": [{"field": None, "code": "error", "message": "Server error."}],
            },
            status=500,
        )
    return render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (usually one left open too long, or sent after
    signing out): say so plainly, in the service's own page, and change nothing."""
    if _wants_json(request):
        return JsonResponse(
            {
                "status": 403,
                "errors": [
                    {
                        "field": None,
                        "code": "csrf_failed",
                        "message": "The request was missing its security token (CSRF). "
                        "Send the X-CSRFToken header with session sign-in, or use a token.",
                    }
                ],
            },
            status=403,
        )
    return render(request, "errors/csrf.html", status=403)
