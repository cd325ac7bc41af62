"""Request body parsers of the API.

DRF's JSON parser turns a body it cannot read into a 400, but only when ``json`` raises a
``ValueError``: a body of a few thousand nested brackets makes ``json`` raise ``RecursionError``
instead, which escaped as a 500. Even JSON that parses can hold structures so deep that code
reading it later (``str()`` of a list in a decimal field) runs out of stack. So the parser
refuses anything nested deeper than `MAX_JSON_DEPTH`, which no request to this API comes near:
the deepest real body is an agreement's ``owner_shares`` (an object, in a list, in an object).

Form and multipart bodies are flat (names and values, however the names are written), so DRF's
own parsers are safe for them.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: Deepest nesting of arrays and objects a JSON body may have.
MAX_JSON_DEPTH = 32

TOO_DEEP = f"JSON parse error - the data is nested more than {MAX_JSON_DEPTH} levels deep."


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """Whether `data` (parsed JSON) nests arrays and objects more than `limit` deep.

    Walked with a list rather than by recursion, so that the check itself cannot run out of
    stack whatever it is given.
    """
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 (``parse_error``) for data nested too deep."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
