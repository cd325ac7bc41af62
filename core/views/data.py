"""Generic pages that move data in and out: list export (CSV/XLSX) and import (CSV/XLSX).

Every domain model gets them by wiring ``ExportView.as_view(model=..., filterset_class=...)`` at
``<model>_export`` and ``ImportView.as_view(model=...)`` at ``<model>_import``. Both start from
the one visibility mechanism (``Model.objects.visible_to(user, action)``) and ask the grant table
(core.tenancy.access) whether the person may export or import in the model's area at all.
"""

from __future__ import annotations

import os
import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import models
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from core.exporting import (
    EXPORT_FORMATS,
    XLSX_CONTENT_TYPE,
    export_response,
    natural_key_of,
)
from core.importing import ImportFileError, ImportResult, importable, rows_to_import
from core.importing.columns import default_owner, describe_columns, owner_column
from core.importing.help import template_csv, template_xlsx
from core.jobs import (
    import_progress,
    keep_upload,
    partner_export_progress,
    perform_import,
    run_import_job,
    run_partner_export,
)
from core.models import ImportJob, JobStatus, PartnerExport
from core.partner_filter import narrowed_to_selected_partner
from core.tenancy.access import EXPORT, IMPORT, access_for
from core.tenancy.models import Partner
from core.tenancy.records import record_names
from core.workers import START_COMMAND, no_worker_running

SORT_PARAMS = ("sort", "o", "ordering")


def _sort_lookup(model: type[models.Model], name: str) -> str:
    """Sort a foreign key by what the file shows for it (a council's code), not its id."""
    try:
        f = model._meta.get_field(name)
    except Exception:
        return name
    if f.many_to_one and isinstance(f.related_model, type):
        key = natural_key_of(f.related_model)
        if key:
            return f"{name}__{key}"
    return name


def sorted_queryset(
    queryset: models.QuerySet[Any], request: HttpRequest, allowed: set[str]
) -> models.QuerySet[Any]:
    """Apply the list page's sort (``?sort=name`` or ``?sort=-name``) when it names a column.

    An unknown sort is ignored rather than refused: the export then follows the default order.
    The primary key always breaks ties, so that the order is stable.
    """
    for param in SORT_PARAMS:
        value = request.GET.get(param, "").strip()
        if not value:
            continue
        keys = []
        for part in value.split(","):
            name = part.strip().lstrip("-")
            if name in allowed:
                desc = "-" if part.strip().startswith("-") else ""
                keys.append(desc + _sort_lookup(queryset.model, name))
        if keys:
            if not any(k.lstrip("-") in ("id", "pk") for k in keys):
                keys.append("pk")
            return queryset.order_by(*keys)
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    if not any(str(k).lstrip("-") in ("id", "pk") for k in ordering):
        ordering.append("pk")
    return queryset.order_by(*ordering)


class ExportView(LoginRequiredMixin, View):
    """The list page's rows, filtered and sorted as on the page, as CSV or XLSX.

    ``GET ?format=csv|xlsx&<the list's filters>&sort=<column>``. Only the rows the person may
    export are written; the header's partner filter narrows them further.
    """

    model: type[models.Model] | None = None
    filterset_class: type[Any] | None = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        model = self.model
        if model is None:
            raise PermissionDenied
        if not access_for(request.user).can(EXPORT, model.area):  # type: ignore[attr-defined]
            raise PermissionDenied
        fmt = request.GET.get("format", "csv").lower()
        if fmt not in EXPORT_FORMATS:
            return HttpResponseBadRequest(
                "Choose an export format: csv or xlsx.", content_type="text/plain"
            )
        queryset = model.objects.visible_to(request.user, EXPORT)  # type: ignore[attr-defined]
        if self.filterset_class is not None:
            data = request.GET.copy()
            for param in ("format", *SORT_PARAMS, "cursor", "page"):
                data.pop(param, None)
            filterset = self.filterset_class(data, queryset=queryset, request=request)
            if not filterset.is_valid():
                return HttpResponseBadRequest(
                    "The filters are not valid: go back to the list and correct them.",
                    content_type="text/plain",
                )
            queryset = filterset.qs
        queryset = narrowed_to_selected_partner(queryset, request)
        allowed = {f.name for f in model._meta.concrete_fields} | {"pk"}
        queryset = sorted_queryset(queryset, request, allowed)
        return export_response(model, queryset, fmt)


def _list_url(model: type[models.Model]) -> str:
    try:
        return reverse(model.url_name("list"))  # type: ignore[attr-defined]
    except NoReverseMatch:
        return ""


def progress_announcement(job: ImportJob, done: int, total: int) -> str:
    """What screen readers are told of a running import: the step and the tenth of the way
    reached, so the words change (and are read out) ten times in all, not every poll."""
    step = "Importing" if job.committing else "Checking the file"
    if not total:
        return f"{step}: starting."
    tenths = min(done * 10 // total, 10) * 10
    return f"{step}: about {tenths}% done."


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


RUNNING = (JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.IMPORTING, JobStatus.RUNNING)


def _job_state(job: ImportJob, result: ImportResult | None, running: bool) -> str:
    """What the import page shows of a job, decided once: its error summary (at the top of the
    page, before the heading) and its body both follow it.

    ``changed`` is a confirmed import whose rows no longer fitted the records (they changed
    after the check): the file was fine when checked, and nothing was imported.
    """
    if running:
        return "running"
    if job.status == JobStatus.FAILED:
        return "failed"
    if job.status == JobStatus.DONE:
        return "done"
    if result is not None and not result.ok:
        return "problems" if result.dry_run else "changed"
    if result is not None and not job.file_name and not job.committing:
        return "gone"
    if result is not None:
        return "ready"
    return "waiting"


class ImportView(LoginRequiredMixin, View):
    """Upload a CSV or XLSX file of records, check it (dry run), then confirm the import.

    ``GET`` shows the upload form (``?template=csv`` downloads an empty file with the right
    columns); ``POST`` with a file stores it and checks it; ``GET ?job=<token>`` shows the
    check's report, the progress of a large file, or the outcome; ``POST action=confirm``
    imports a file whose check found no problem. Files of more than
    ``CONCORD_IMPORT_INLINE_ROWS`` rows are checked and imported by the worker; a large file's
    rows are estimated from its bytes for that, not read while the person waits
    (`core.importing.rows_to_import`).
    """

    model: type[models.Model] | None = None
    #: Accepted so that every data page is wired alike; an import does not filter.
    filterset_class: type[Any] | None = None
    template_name = "data/import.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        model = self.model
        if model is None or not importable(model):
            raise Http404
        if not access_for(request.user).can(IMPORT, model.area):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    # pages ---------------------------------------------------------------------------------

    def context(self, **extra: Any) -> dict[str, Any]:
        model = self.model
        assert model is not None
        singular, plural = record_names(model)
        return {
            "verbose_name": singular,
            "verbose_name_plural": plural,
            "list_url": _list_url(model),
            "import_url": self.request.path,
            "columns": describe_columns(model, self.request.user),
            "default_council": default_owner(model, self.request.user),
            "owner_column": owner_column(model),
            "inline_rows": settings.CONCORD_IMPORT_INLINE_ROWS,
            "max_megabytes": settings.CONCORD_IMPORT_MAX_BYTES // (1024 * 1024),
            **extra,
        }

    def render(self, status: int = 200, **extra: Any) -> HttpResponse:
        return TemplateResponse(
            self.request, self.template_name, self.context(**extra), status=status
        )

    def get_job(self, token: str, action: str = "view") -> ImportJob:
        try:
            key = uuid.UUID(str(token))
        except ValueError:
            raise Http404 from None
        assert self.model is not None
        job = (
            ImportJob.objects.visible_to(self.request.user, action)
            .filter(token=key, model_label=self.model._meta.label)
            .first()
        )
        if job is None:
            raise Http404
        return job

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("template") in ("csv", "xlsx"):
            return self.template(request.GET["template"])
        token = request.GET.get("job")
        if not token:
            return self.render()
        job = self.get_job(token)
        return self.show_job(job)

    def show_job(self, job: ImportJob) -> HttpResponse:
        done, total = import_progress(job)
        result = ImportResult.from_dict(job.result) if job.result else None
        running = job.status in RUNNING
        job_url = f"{self.request.path}?{urlencode({'job': str(job.token)})}"
        announcement = progress_announcement(job, done, total)
        # Queued when uploaded or confirmed (both write updated_at).
        no_worker = job.status == JobStatus.QUEUED and no_worker_running(job.updated_at)
        if _is_htmx(self.request):
            if running:
                return TemplateResponse(
                    self.request,
                    "data/_import_progress.html",
                    {
                        "job": job,
                        "done": done,
                        "total": total,
                        "job_url": job_url,
                        "announcement": announcement,
                        "polled": True,
                        "no_worker": no_worker,
                        "worker_command": START_COMMAND,
                    },
                )
            # Finished: the whole page changes, so load it afresh.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = job_url
            return response
        return self.render(
            job=job,
            result=result,
            running=running,
            state=_job_state(job, result, running),
            done=done,
            total=total,
            job_url=job_url,
            announcement=announcement,
            no_worker=no_worker,
            worker_command=START_COMMAND,
            is_owner=job.user_id == self.request.user.pk,
            can_confirm=(
                job.user_id == self.request.user.pk
                and job.status == JobStatus.CHECKED
                and not job.committing
                and result is not None
                and result.ok
                and bool(job.file_name)
            ),
        )

    def template(self, kind: str) -> HttpResponse:
        """The template to fill in, with its help (`core.importing.help`)."""
        assert self.model is not None
        name = str(self.model._meta.verbose_name_plural).replace(" ", "-").lower()
        if kind == "xlsx":
            response = HttpResponse(
                template_xlsx(self.model, self.request.user), content_type=XLSX_CONTENT_TYPE
            )
        else:
            response = HttpResponse(
                template_csv(self.model, self.request.user),
                content_type="text/csv; charset=utf-8",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}-import-template.{kind}"'
        return response

    # actions -------------------------------------------------------------------------------

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("action") == "confirm":
            return self.confirm(request.POST.get("job", ""))
        return self.upload()

    def upload(self) -> HttpResponse:
        model = self.model
        assert model is not None
        upload = self.request.FILES.get("file")
        if upload is None:
            return self.render(status=400, upload_error="Select a CSV or Excel file to import.")
        filename = os.path.basename(upload.name or "upload")
        try:
            # Not every row of a large file: it is counted by the job, which shows its progress.
            rows = rows_to_import(
                upload, filename, settings.CONCORD_IMPORT_INLINE_ROWS, model=model
            )
        except ImportFileError as exc:
            return self.render(status=400, upload_error=exc.message)
        job = keep_upload(model, upload, filename, self.request.user, rows)
        self._run(job)
        return redirect(f"{self.request.path}?{urlencode({'job': str(job.token)})}")

    def confirm(self, token: str) -> HttpResponse:
        job = self.get_job(token, action="change")  # only its owner imports it
        result = ImportResult.from_dict(job.result) if job.result else None
        if result is None or not result.ok or not job.file_name:
            return self.show_job(job)
        claimed = (
            ImportJob.objects.visible_to(self.request.user, "change")
            .filter(pk=job.pk, status=JobStatus.CHECKED, committing=False)
            .update(
                committing=True,
                status=JobStatus.QUEUED,
                finished_at=None,
                updated_at=timezone.now(),  # queued again from now
            )
        )
        if claimed:  # a second click of the button does not import twice
            job.refresh_from_db()
            self._run(job)
        return redirect(f"{self.request.path}?{urlencode({'job': str(job.token)})}")

    @staticmethod
    def _run(job: ImportJob) -> None:
        if job.rows_total <= settings.CONCORD_IMPORT_INLINE_ROWS:
            perform_import(job.pk)
        else:
            run_import_job.enqueue(job.pk)


class PartnerExportView(LoginRequiredMixin, View):
    """For the shared-service manager: make a partner's export zip, and download it.

    The zip is made by the worker; the page lists recent exports with their progress and, once
    done, a download link. Only service managers may use it.
    """

    template_name = "data/partner_export.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if PartnerExport.visibility_filter(request.user) is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def exports(self) -> list[PartnerExport]:
        exports = list(
            PartnerExport.objects.visible_to(self.request.user)
            .select_related("partner", "requested_by")
            .order_by("-created_at", "-id")[:20]
        )
        for export in exports:
            # A running export's progress is in the storage, not yet in its row.
            export.rows_done, export.rows_total = partner_export_progress(export)
        return exports

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        exports = self.exports()
        running = any(e.status in RUNNING for e in exports)
        waiting = [e.created_at for e in exports if e.status == JobStatus.QUEUED]
        state: dict[str, Any] = {
            "exports": exports,
            "running": running,
            "no_worker": bool(waiting) and no_worker_running(min(waiting)),
            "worker_command": START_COMMAND,
        }
        if _is_htmx(request):
            return TemplateResponse(request, "data/_partner_exports.html", state)
        return self.render(**state)

    def render(self, status: int = 200, **extra: Any) -> HttpResponse:
        partners = Partner.objects.visible_to(self.request.user).order_by("name")
        # The council chosen: the one asked for (from a council's page, ?council=<code>), or
        # the one a refused form sent. A code of a council the person cannot see chooses none.
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        chosen = source.get("council" if self.request.method != "POST" else "partner", "")
        return TemplateResponse(
            self.request,
            self.template_name,
            {"partners": partners, "chosen": chosen.strip(), **extra},
            status=status,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:

        code = request.POST.get("partner", "").strip()
        partner = (
            Partner.objects.visible_to(request.user).filter(code=code).first() if code else None
        )
        if partner is None:
            return self.render(
                status=400,
                exports=self.exports(),
                partner_error="Select the council to export.",
            )
        export = PartnerExport.objects.create(partner=partner, requested_by=request.user)
        run_partner_export.enqueue(export.pk)
        return redirect(reverse("core:partner_export"))


class PartnerExportDownloadView(LoginRequiredMixin, View):
    """The zip of a finished partner export, for service managers only."""

    def get(self, request: HttpRequest, token: uuid.UUID, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if PartnerExport.visibility_filter(request.user) is None:
            raise PermissionDenied
        export = (
            PartnerExport.objects.visible_to(request.user)
            .filter(token=token, status=JobStatus.DONE)
            .exclude(file_name="")
            .first()
        )
        if export is None:
            raise Http404
        try:
            stored = default_storage.open(export.file_name, "rb")
        except OSError:
            raise Http404 from None
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=os.path.basename(export.file_name),
            content_type="application/zip",
        )
        response["Cache-Control"] = "no-store"
        return response
