"""Request id and change-log context for every request; redirects answering htmx; requests
carrying a NUL refused."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from core.context import new_request_id, request_context

NUL = "\x00"

#: The content types whose body Django reads into request.POST (form fields).
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (a safe incoming X-Request-ID, or a new one) and echoes it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else new_request_id()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


class RefuseNulMiddleware:
    """Refuses, with a 400, any request carrying a NUL character in its path, query string,
    form fields or headers, before sessions, sign-in or any view sees it.

    Nobody means one, and PostgreSQL cannot store one in text: a NUL reaching a query (a
    session cookie, a council code, a sign-in's browser name kept by the lock-out records)
    failed as a server error. Forms and API fields refuse it themselves; this covers what is
    read straight from the request. JSON bodies are left to the API's fields.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = self.nul_in(request)
        if where is not None:
            from core.views.errors import bad_request

            return bad_request(request, message=f"{where} contains a NUL character (\\x00).")
        return self.get_response(request)

    @staticmethod
    def nul_in(request: HttpRequest) -> str | None:
        """Where the request carries a NUL character, or None."""
        if NUL in request.path_info:
            return "The address"
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
                return f"The {key[5:].replace('_', '-').title()} header"
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in v for v in values):
                return f"The query parameter {name.replace(NUL, '')!r}"
        content_type = request.META.get("CONTENT_TYPE", "")
        # The API's bodies are left to its own parsers and fields (which refuse a NUL too):
        # reading them here would also let a view take a form it does not accept.
        api = request.path_info.startswith("/api/")
        if request.method == "POST" and not api and content_type.startswith(_FORM_TYPES):
            for name, values in request.POST.lists():
                if NUL in name or any(NUL in v for v in values):
                    return f"The field {name.replace(NUL, '')!r}"
        return None


class ChangeContextMiddleware:
    """Attributes changes made during the request to its signed-in user (page or API)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_context(request):
            return self.get_response(request)


class HtmxRedirectMiddleware:
    """Turns a redirect answering an htmx request into an ``HX-Redirect`` (a full page load).

    The browser's XMLHttpRequest follows a redirect on its own, so htmx would put the page it
    lands on (the sign-in page, when the session has expired) into the part of the page it was
    updating: a filtered list goes blank, a polled import progress draws the sign-in page
    inside itself. Answered with ``HX-Redirect`` instead, htmx loads the target as a page, and
    the sign-in page's ``next`` brings the person back afterwards. Outermost in MIDDLEWARE, so
    that a redirect of any layer (the views' sign-in, CommonMiddleware's slash, the HTTPS
    redirect) is caught. A history restore (htmx fetching a whole page it lost) is left alone:
    htmx does not read ``HX-Redirect`` on it and swaps the page it was given.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        location = response.get("Location")
        if not (300 <= response.status_code < 400 and location):
            return response
        if request.headers.get("HX-Request") != "true":
            return response
        if request.headers.get("HX-History-Restore-Request") == "true":
            return response
        answer = HttpResponse(status=204)
        for name, value in response.items():
            if name.lower() not in ("location", "content-type", "content-length"):
                answer[name] = value
        answer.cookies = response.cookies  # a signed-out session's cookie is still cleared
        answer["HX-Redirect"] = location
        # The same URL answers a page load with the redirect itself.
        patch_vary_headers(answer, ["HX-Request"])
        return answer
