"""The search page, ``/search/?q=...&kind=...``: full-text search over every kind of record
the reader may find (core.search), best match first, with the matched words highlighted, a
page at a time. What it finds is what the reader sees, through each model's ``visible_to``;
the search box in the header of every page comes here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views import View

from core.search import MAX_QUERY_LENGTH, RANKED_AT_MOST, SearchQueryError, kinds_for, search


class SearchView(LoginRequiredMixin, View):
    """Words and, if wanted, one kind of record; the results, or what is wrong with the words."""

    page_size: int | None = None

    def size(self) -> int:
        return self.page_size or settings.CONCORD_PAGE_SIZE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        words = request.GET.get("q")
        kind = request.GET.get("kind", "")
        kinds = kinds_for(request.user)
        context: dict[str, Any] = {
            "words": (words or "").strip(),
            "kind": kind,
            "kinds": kinds,
            "max_length": MAX_QUERY_LENGTH,
            "ranked_at_most": f"{RANKED_AT_MOST:,}",
            "page": None,
            "error": None,
            "error_field": "search-q",
        }
        status = 200
        if words is not None:
            chosen = [kind] if kind else []
            cursor = request.GET.get("cursor") or None
            try:
                try:
                    context["page"] = search(request.user, words, chosen, cursor, self.size())
                except SearchQueryError as exc:
                    if exc.field != "cursor":
                        raise
                    # A cursor not made for this search: its first page, as lists do.
                    context["page"] = search(request.user, words, chosen, None, self.size())
            except SearchQueryError as exc:
                context["error"] = str(exc)
                context["error_field"] = f"search-{exc.field}"
                status = 400
        return TemplateResponse(request, "core/search.html", context, status=status)
