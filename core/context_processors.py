"""Template context every page needs: the partner filter and the person's access."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def concord(request: HttpRequest) -> dict[str, Any]:
    from core.partner_filter import partner_filter_context

    return partner_filter_context(request)
