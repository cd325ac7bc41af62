"""The API's import action: request and result shapes around `core.importing.import_records`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import flatten
from core.importing import ENCODING_NAMES, ImportResult
from core.jobs import import_progress, keep_upload, run_import_job
from core.models import ImportJob, JobStatus


class ImportRequestSerializer(serializers.Serializer):
    """A multipart upload: the file, and whether to only check it."""

    file = serializers.FileField(
        help_text="A CSV (UTF-8 or Windows-1252) or XLSX file; row 1 names the columns."
    )
    dry_run = serializers.BooleanField(
        default=True,
        help_text="true (the default): check every row and change nothing; false: import.",
    )
    background = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: run it as a background job and answer 202 at once; false: answer when "
        "done; left out: in the background when the file has more rows than the service "
        "imports inline (CONCORD_IMPORT_INLINE_ROWS, 2,000 by default).",
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
        "encoding": serializers.ChoiceField(
            choices=list(ENCODING_NAMES),
            allow_null=True,
            help_text="How a CSV file's text was read: utf-8 (with or without a byte-order "
            "mark) or windows-1252 (Excel's plain CSV on Windows); null for an XLSX file or a "
            "file that could not be read as text.",
        ),
        "source_format": serializers.CharField(
            allow_null=True,
            help_text="The other tool whose export the file was read as (a Snipe-IT asset "
            "export, an Intune device export, a GLPI inventory), or null for Concord's own "
            "columns.",
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
        "encoding": result.encoding or None,
        "source_format": result.source_format or None,
    }


def import_form_error_response(form: serializers.Serializer) -> Response:
    """A request that is not an import (no file, ``dry_run`` not true or false...), answered
    as a file with a problem is: an ImportResult with no rows, each problem on row 0 (the
    whole file) naming its field, so that every 400 of an import reads the same way."""
    dry_run = form.fields["dry_run"]
    try:
        checked = dry_run.run_validation(form.initial_data.get("dry_run", dry_run.default))
    except serializers.ValidationError:
        checked = True  # not given as true or false: nothing was imported
    body = {
        "status": status.HTTP_400_BAD_REQUEST,
        "dry_run": bool(checked),
        "total_rows": 0,
        "created": 0,
        "updated": 0,
        "errors": [{**problem, "row": 0} for problem in flatten(form.errors)],
        "more_errors": 0,
        "encoding": None,
        "source_format": None,
    }
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def import_result_response(result: ImportResult) -> Response:
    """200 with the counts; 400 (nothing committed) with every problem when there are any."""
    code = status.HTTP_400_BAD_REQUEST if result.errors else status.HTTP_200_OK
    return Response(import_result_body(result, code), status=code)


# Large imports run in the background ---------------------------------------------------------

ImportJobSerializer = inline_serializer(
    name="ImportJob",
    fields={
        "job": serializers.UUIDField(
            help_text="The job's token: its URL is /api/v1/import-jobs/<job>/."
        ),
        "url": serializers.URLField(),
        "model": serializers.CharField(help_text="What is imported, e.g. estate.site."),
        "filename": serializers.CharField(),
        "dry_run": serializers.BooleanField(),
        "status": serializers.ChoiceField(choices=JobStatus.choices),
        "rows_done": serializers.IntegerField(),
        "rows_total": serializers.IntegerField(),
        "message": serializers.CharField(),
        "result": ImportResultSerializer,
    },
)


def job_body(job: ImportJob, request: Any) -> dict[str, Any]:
    """An import job as the API shows it: what it is, how far it has got, what it found."""
    running = job.status in (JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.IMPORTING)
    done, total = import_progress(job) if running else (job.rows_done, job.rows_total)
    result = ImportResult.from_dict(job.result) if job.result and not running else None
    path = reverse("api:import-job", args=[job.token])
    return {
        "job": str(job.token),
        "url": request.build_absolute_uri(path),
        "model": job.model_label.lower(),
        "filename": job.filename,
        "dry_run": not job.committing,
        "status": job.status,
        "rows_done": done,
        "rows_total": total,
        "message": job.message,
        "result": (
            import_result_body(result, 400 if result.errors else 200)
            if result is not None
            else None
        ),
    }


def start_import_job(model: Any, upload: Any, user: Any, *, dry_run: bool, rows: int) -> ImportJob:
    """Keep the upload and queue its check (dry run) or import for the worker."""
    job = keep_upload(model, upload, upload.name or "", user, rows, committing=not dry_run)
    run_import_job.enqueue(job.pk)
    return job


class ImportJobView(APIView):
    """``GET /api/v1/import-jobs/<job>/``: a background import, as its owner sees it.

    Its owner (and shared-service staff, read-only) may look; anyone else gets a 404, as for
    every record they cannot see.
    """

    @extend_schema(responses={200: ImportJobSerializer})
    def get(self, request: Request, token: str) -> Response:
        job = ImportJob.objects.visible_to(request.user).filter(token=token).first()
        if job is None:
            raise NotFound()
        return Response(job_body(job, request))
