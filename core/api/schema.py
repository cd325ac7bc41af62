"""Completing the OpenAPI schema with what every endpoint shares: errors and conditional requests.

drf-spectacular documents each operation's success response from its serializer. Every API
operation also answers in the one error shape (core/api/errors.py) with a known set of statuses,
and records carry ETags that updates may send back in ``If-Match``; this postprocessing hook
writes that into the schema once, so that clients generated from it know about them.
"""

from __future__ import annotations

import re
from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: the HTTP status and the problems, each naming its field.",
    "required": ["status", "errors"],
    "properties": {
        "status": {"type": "integer", "example": 400},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {
                        "type": "string",
                        "nullable": True,
                        "description": "The field (``owner_shares[1].partner``), or null.",
                    },
                    "code": {"type": "string", "example": "required"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

DESCRIPTIONS = {
    "400": "Invalid data, filter, cursor or page size; each problem names its field.",
    "401": "No credentials, or credentials that are not (or no longer) valid.",
    "403": "Visible to you, but you may not do this.",
    "404": "No such record, or one you cannot see (the same answer on purpose).",
    "409": "The change clashes with other records (for example, others still refer to it).",
    "412": "If-Match does not name the record's current version: read it again.",
    "415": "The body is not in a media type this operation takes.",
    "429": "Too many requests, or too many failed sign-ins.",
}

ETAG_HEADER = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "The version of what was returned; send it back in If-Match.",
    }
}

#: A path that names a record (``/sites/{id}/``, ``/attachments/{id}/download/``), or a job.
_NAMES_ONE = re.compile(r"\{[^}]+\}")
_DETAIL = re.compile(r"\{[^}]+\}/$")


def _errors_for(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    if path.endswith("/auth/token/"):
        return ["400", "415", "429"]  # signing in: no credentials needed yet
    # Whatever follows the record in the path (a download), it may not exist: a 404.
    detail = bool(_NAMES_ONE.search(path))
    codes = ["401", "403"]
    if method == "get":
        codes += ["404"] if detail else ["400"]
        if detail and any(p.get("in") == "query" for p in operation.get("parameters", ())):
            # A record read with a query parameter (a contract's dates ``?on=``): a bad value,
            # or a NUL in the query string, is a 400 naming it.
            codes.append("400")
    elif method == "post":
        # An action on a record (``/tickets/{id}/resolve/``): the record may not be there.
        codes += ["400", "404", "415"] if detail else ["400", "415"]
    elif method in ("put", "patch"):
        codes += ["400", "404", "412", "415"]
    elif method == "delete":
        codes += ["404", "409", "412"]
    return codes


def _import_problems_or_error(responses: dict[str, Any]) -> None:
    """An import's 400 lists the problems with the file (an ImportResult); a request refused
    before it is read as an import (a body that cannot be read, a NUL character) has the
    error shape every endpoint has. The schema says either may come."""
    bad = responses.get("400", {})
    for media in bad.get("content", {}).values():
        schema = media.get("schema")
        if schema and schema.get("$ref") != "#/components/schemas/Error":
            media["schema"] = {"anyOf": [schema, {"$ref": "#/components/schemas/Error"}]}
    bad["description"] = (
        "Every problem with the file, by row and column (a problem with the request itself, "
        "such as no file, on row 0); a body that cannot be read at all is the API's error."
    )


def _header(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


def add_shared_responses(
    result: dict[str, Any], generator: Any = None, request: Any = None, public: bool = True
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: error responses, ETag and If-Match on every
    ``/api/v1/`` operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        detail = bool(_DETAIL.search(path))
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code in _errors_for(path, method, operation):
                responses.setdefault(
                    code, {"description": DESCRIPTIONS[code], "content": error_ref}
                )
            if path.endswith("/import/") and method == "post":
                _import_problems_or_error(responses)
            # Signing in, imports and exports answer afresh every time: no ETag to hold; nor
            # do sign-in lock-outs (core.api.lockouts), which are not records with a version.
            if path.endswith(("/auth/token/", "/import/", "/export/")) or path.startswith(
                "/api/v1/sign-in-lockouts/"
            ):
                continue
            parameters = operation.setdefault("parameters", [])
            if method == "get":
                parameters.append(
                    _header("If-None-Match", "An ETag you hold: 304 Not Modified if current.")
                )
                responses.setdefault("304", {"description": "Not modified: your copy is current."})
            elif detail and method in ("put", "patch", "delete"):
                parameters.append(
                    _header(
                        "If-Match",
                        "The ETag you read: the change is refused (412) if the record has "
                        "changed since.",
                    )
                )
            for code, response in responses.items():
                if code in ("200", "201") and method != "delete":
                    response.setdefault("headers", {}).update(ETAG_HEADER)
    return result
