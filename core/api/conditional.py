"""Conditional requests for the API: ETags on reads, ``If-None-Match`` and ``If-Match``.

A record's ETag is strong and readable: ``"site-12-v3-<digest>"``. The version counts the
record's own saves; the digest covers what the version cannot see (a related record's natural
key shown in the body, a co-owned record's shares), so the tag changes whenever the body does.
Lists carry an ETag of their rendered body. An update that names a stale ETag in ``If-Match``
is refused with 412 and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response


class PreconditionFailed(APIException):
    """``If-Match`` named a version of the record that is no longer current (or was malformed)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record has changed since you read it (or If-Match was not a valid ETag): "
        "fetch it again and reapply your change."
    )
    default_code = "precondition_failed"


def _digest(data: Any) -> str:
    payload = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def record_etag(obj: Any, data: Any) -> str:
    """The strong ETag of one record as the API shows it (quoted, ready for the header)."""
    version = getattr(obj, "version", 0)
    return f'"{obj._meta.model_name}-{obj.pk}-v{version}-{_digest(data)}"'


def body_etag(content: bytes) -> str:
    """The strong ETag of a rendered response body (lists)."""
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def _strip_weak(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def if_none_match_hits(request: HttpRequest | Request, etag: str) -> bool:
    """True when the client already holds `etag` (weak comparison, as RFC 9110 says for GET)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    if tags == ["*"]:
        return True
    return _strip_weak(etag) in {_strip_weak(t) for t in tags}


def check_if_match(request: HttpRequest | Request, current_etag: str) -> None:
    """Refuse (412) an update whose ``If-Match`` does not name the current version.

    Strong comparison: a weak tag never matches. A header that holds no valid ETag at all
    cannot name the current version, so it is refused too rather than ignored.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = parse_etags(header)
    if tags == ["*"]:
        return
    if current_etag not in [t for t in tags if not t.startswith("W/")]:
        raise PreconditionFailed()


def private_revalidate(response: HttpResponse) -> None:
    """Readers' bodies differ by person: no shared cache, and always ask before reusing."""
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Authorization", "Cookie"))


def conditional_record_response(request: Request, obj: Any, data: Any, **kwargs: Any) -> Response:
    """A detail response with its ETag, or 304 when the client's copy is current."""
    etag = record_etag(obj, data)
    if request.method in ("GET", "HEAD") and if_none_match_hits(request, etag):
        response = Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    else:
        response = Response(data, headers={"ETag": etag}, **kwargs)
    private_revalidate(response)
    return response


def add_body_etag(request: Request, response: Response) -> Response:
    """Give a list response an ETag of its rendered body (304 when the client has it)."""

    def tag(rendered: HttpResponse) -> HttpResponse | None:
        if rendered.status_code != status.HTTP_200_OK:
            return None
        etag = body_etag(rendered.content)
        if if_none_match_hits(request, etag):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            private_revalidate(not_modified)
            return not_modified
        rendered["ETag"] = etag
        return None

    response.add_post_render_callback(tag)
    private_revalidate(response)
    return response
