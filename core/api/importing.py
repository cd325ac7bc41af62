"""The API's import action: request and result shapes around `core.importing.import_records`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from core.importing import ImportResult


class ImportRequestSerializer(serializers.Serializer):
    """A multipart upload: the file, and whether to only check it."""

    file = serializers.FileField(help_text="A CSV (UTF-8) or XLSX file; row 1 names the columns.")
    dry_run = serializers.BooleanField(
        default=True,
        help_text="true (the default): check every row and change nothing; false: import.",
    )


class ImportRowErrorSerializer(serializers.Serializer):
    """One problem: the spreadsheet row (1 is the header, 0 the whole file) and column."""

    field = serializers.CharField(allow_null=True, help_text="The column, or null for the row.")
    row = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()


# What an import found (dry run) or did; on a 400, ``errors`` lists every bad row. (Declared
# inline: a serializer class cannot have a field named ``errors`` without shadowing its own.)
ImportResultSerializer = inline_serializer(
    name="ImportResult",
    fields={
        "status": serializers.IntegerField(),
        "dry_run": serializers.BooleanField(),
        "total_rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "errors": ImportRowErrorSerializer(many=True),
        "more_errors": serializers.IntegerField(
            help_text="Problems found beyond those listed (a very bad file is not listed in full)."
        ),
    },
)


def import_result_body(result: ImportResult, status_code: int) -> dict[str, Any]:
    """The result in the API's error shape: ``status`` and ``errors`` with field and code."""
    return {
        "status": status_code,
        "dry_run": result.dry_run,
        "total_rows": result.total_rows,
        "created": result.created,
        "updated": result.updated,
        "errors": [
            {
                "field": error.column or None,
                "row": error.row,
                "code": "invalid",
                "message": error.message,
            }
            for error in result.errors
        ],
        "more_errors": result.more_errors,
    }


def import_result_response(result: ImportResult) -> Response:
    """200 with the counts; 400 (nothing committed) with every problem when there are any."""
    code = status.HTTP_400_BAD_REQUEST if result.errors else status.HTTP_200_OK
    return Response(import_result_body(result, code), status=code)
