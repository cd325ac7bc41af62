"""Full-text search over the API: ``GET /api/v1/search/?q=...&kind=...`` (core.search).

The records the client's person sees that match the words (a web search's: words, "phrases",
``or``, ``-word``), best first, each as ``{kind, id, title, url, snippet, rank}``: ``snippet``
is HTML, the record's text escaped with the matched words in ``<mark>``. Paged like every list
(``{"next", "previous", "results"}``, ``cursor`` and ``page_size``); never a count.
``newest_only`` says the words matched more records than a search ranks, so the results are
the best of the newest of them (core.search.RANKED_AT_MOST). Words,
kinds or a cursor that cannot be searched with are a 400 naming the parameter.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from core.api.pagination import KeysetPagination
from core.search import (
    MAX_QUERY_LENGTH,
    RANKED_AT_MOST,
    SearchQueryError,
    all_kinds,
    search,
)


class SearchResultSerializer(serializers.Serializer):
    """One record found."""

    kind = serializers.CharField(help_text="The kind of record (`ticket`, `problem`...).")
    id = serializers.IntegerField(help_text="The record's id at its own endpoint.")
    title = serializers.CharField(help_text="The record's title (its reference and name).")
    url = serializers.URLField(
        allow_null=True, help_text="The record's page, or null for a record without one."
    )
    snippet = serializers.CharField(
        help_text="Where the words matched, as HTML: the text escaped, each matched word in "
        "<mark>; empty when only the title matched a record with no other text."
    )
    rank = serializers.FloatField(help_text="How well it matched: larger is better.")


def _parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "q",
            OpenApiTypes.STR,
            required=True,
            description="The words to search for (1 to "
            f'{MAX_QUERY_LENGTH} characters): all of them, "a phrase", `or` between two, '
            "`-word` to leave one out.",
        ),
        OpenApiParameter(
            "kind",
            OpenApiTypes.STR,
            many=True,
            enum=sorted(all_kinds()),
            description="Only records of these kinds (repeat it for several); all by default.",
        ),
        OpenApiParameter(
            "cursor",
            OpenApiTypes.STR,
            description="The page to fetch: the cursor from a previous `next` or `previous` link.",
        ),
        OpenApiParameter(
            "page_size",
            OpenApiTypes.INT,
            description="Results per page (1 to the API's largest page).",
        ),
    ]


class SearchView(APIView):
    """Full-text search over every record the person sees, best match first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="search",
        parameters=_parameters(),
        responses={
            200: inline_serializer(
                "SearchResults",
                {
                    "next": serializers.URLField(
                        allow_null=True, help_text="The next page, or null on the last page."
                    ),
                    "previous": serializers.URLField(
                        allow_null=True, help_text="The previous page, or null on the first."
                    ),
                    "results": SearchResultSerializer(many=True),
                    "newest_only": serializers.BooleanField(
                        help_text="True when the words matched more records than a search "
                        f"ranks ({RANKED_AT_MOST:,}): the results are the best of the newest "
                        f"{RANKED_AT_MOST:,} matches; more words find the others."
                    ),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        size = KeysetPagination().get_page_size(request)
        try:
            page = search(
                request.user,
                request.query_params.get("q"),
                kinds=request.query_params.getlist("kind"),
                cursor=request.query_params.get("cursor") or None,
                size=size,
            )
        except SearchQueryError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}, code="invalid") from None
        results = [
            {
                "kind": result.kind,
                "id": result.id,
                "title": result.title,
                "url": request.build_absolute_uri(result.url) if result.url else None,
                "snippet": str(result.snippet),
                "rank": result.rank,
            }
            for result in page.results
        ]
        return Response(
            {
                "next": self._link(request, page.next_cursor),
                "previous": self._link(request, page.previous_cursor),
                "results": SearchResultSerializer(results, many=True).data,
                "newest_only": page.newest_only,
            }
        )

    def _link(self, request: Request, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = remove_query_param(request.build_absolute_uri(), "cursor")
        return replace_query_param(url, "cursor", cursor)
