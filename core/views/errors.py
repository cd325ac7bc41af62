"""Error pages: plain GOV.UK pages for people, JSON for the API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader


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
    # Drawn without the request's context: its context processors read the database, which
    # may be what failed (a second error here would leave only the server's bare page).
    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)


def bad_request(request: HttpRequest, exception: Any = None, message: str = "") -> HttpResponse:
    """A request no form or page could have sent (Django's handler400, and
    core.middleware.RefuseNulMiddleware with its own `message`).

    Stands alone, like the 500 page: it may be drawn before the session or the signed-in
    person is known, and reads nothing from the database.
    """
    message = message or "The request could not be understood."
    if _wants_json(request):
        return JsonResponse(
            {"status": 400, "errors": [{"field": None, "code": "bad_request", "message": message}]},
            status=400,
        )
    body = loader.get_template("errors/400.html").render({"message": message})
    return HttpResponse(body, status=400)


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
