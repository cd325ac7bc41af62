"""Pages of attachments: add a file to a record, download one, delete one.

The list of a record's attachments is a section of its detail page (core.views.generic); these
views do the rest. Every one starts from the one visibility mechanism: the record through
``Model.objects.visible_to(user)``, an attachment through ``Attachment.objects.visible_to(user)``
(which is its record's visibility). Another council's record or attachment is a 404; a record
the person can see but not change is a 403 for adding and deleting.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views import View

from core.attachments import (
    MAX_PK,
    attach_file,
    attachable_model,
    check_upload,
    delete_attachment,
    describe_size,
    max_bytes,
    may_change_record,
)
from core.forms import govukify
from core.models import Attachment
from core.tenancy.access import VIEW
from core.tenancy.records import record_names


class AttachmentForm(forms.Form):
    """A file to attach, with an optional title and description."""

    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a file to attach.",
            "empty": "The selected file is empty.",
            "invalid": "Select a file to attach.",
        },
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        required=False,
        help_text="What the file is, e.g. “Signed agreement”. Leave blank to use its name.",
    )
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"Up to {describe_size(max_bytes())}. Programs, scripts and web pages cannot be "
            "attached."
        )
        self.fields["description"].widget.attrs["rows"] = 3
        govukify(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        check_upload(upload)
        return upload


def _record_context(record: Any) -> dict[str, Any]:
    return {
        "record": record,
        "record_url": record.get_absolute_url(),
        "record_kind": record_names(type(record))[0],
    }


def download_response(attachment: Attachment) -> FileResponse:
    """The stored file, always as a download, with the type worked out at upload.

    ``attachment`` disposition and ``nosniff`` keep a browser from opening a file as a page,
    whatever is inside it; the CSP sandbox keeps it inert should it be opened anyway.
    """
    try:
        stored = attachment.file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.media_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{attachment.sha256}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class AttachmentUploadView(LoginRequiredMixin, View):
    """Attach a file to a record: for people who may change the record."""

    template_name = "core/attachment_upload.html"

    def get_record(self) -> Any:
        model = attachable_model(self.kwargs["app_label"], self.kwargs["model_name"])
        pk = self.kwargs["pk"]
        if model is None or pk > MAX_PK:
            raise Http404
        record = model.objects.visible_to(self.request.user, VIEW).filter(pk=pk).first()
        if record is None:
            raise Http404
        if not may_change_record(self.request.user, record):
            raise PermissionDenied
        return record

    def render(self, record: Any, form: AttachmentForm, status: int = 200) -> HttpResponse:
        context = {**_record_context(record), "form": form}
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = self.get_record()
        return self.render(record, AttachmentForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = self.get_record()
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(record, form, status=400)
        try:
            with transaction.atomic():
                attachment = attach_file(
                    record,
                    form.cleaned_data["file"],
                    request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
        except ValidationError as exc:
            form.add_error("file", exc)
            return self.render(record, form, status=400)
        messages.success(request, f"“{attachment}” attached.")
        return HttpResponseRedirect(f"{record.get_absolute_url()}#attachments")


class AttachmentMixin(LoginRequiredMixin):
    """An attachment in the URL: 404 unless the person may see its record."""

    request: HttpRequest
    kwargs: dict[str, Any]

    def get_attachment(self) -> Attachment:
        pk = self.kwargs["pk"]
        if pk > MAX_PK:
            raise Http404
        attachment = (
            Attachment.objects.visible_to(self.request.user, VIEW)
            .select_related("content_type", "uploaded_by")
            .filter(pk=pk)
            .first()
        )
        if attachment is None or attachment.record is None:
            raise Http404
        return attachment


class AttachmentDownloadView(AttachmentMixin, View):
    """The file of an attachment, for anyone who may see its record."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        return download_response(self.get_attachment())


class AttachmentDeleteView(AttachmentMixin, View):
    """Confirm, then delete an attachment: for people who may change its record."""

    template_name = "core/attachment_confirm_delete.html"

    def get_for_change(self) -> Attachment:
        attachment = self.get_attachment()
        if not may_change_record(self.request.user, attachment.record):
            raise PermissionDenied
        return attachment

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        attachment = self.get_for_change()
        context = {**_record_context(attachment.record), "attachment": attachment}
        return TemplateResponse(request, self.template_name, context)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        attachment = self.get_for_change()
        record: Any = attachment.record
        label = str(attachment)
        with transaction.atomic():
            delete_attachment(attachment)
        messages.success(request, f"“{label}” deleted.")
        return HttpResponseRedirect(f"{record.get_absolute_url()}#attachments")
