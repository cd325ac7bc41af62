"""The attachments endpoint: ``/api/v1/attachments/`` and ``.../<id>/download/``.

Built on the generic `ScopedModelViewSet`, so an attachment is reached only through
``Attachment.objects.visible_to(user, action)``: its record's visibility (view for reads,
change for adding and deleting). What differs from a model's endpoint:

- ``record`` names the record as ``app_label.model:id`` (``estate.site:12``). A record the
  person cannot see, whether or not it exists, is a 400 naming ``record`` (as for any scoped
  related field); a record they can see but not change is a 403.
- Create takes ``multipart/form-data`` (``record``, ``file``, ``title``, ``description``); an
  attachment is never edited, only deleted and attached again, so there is no PUT or PATCH.
- ``GET .../<id>/download/`` serves the file as a download (see core.views.attachments).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.api.fields import request_user
from core.api.permissions import action_for
from core.api.viewsets import ScopedModelViewSet
from core.attachments import (
    RecordRefError,
    attach_file,
    check_upload,
    find_record,
    may_change_record,
    parse_record_ref,
)
from core.models import Attachment
from core.tenancy.access import VIEW
from core.views.attachments import download_response


@extend_schema_field({"type": "string", "example": "estate.site:12"})
class RecordField(serializers.Field):
    """The record an attachment belongs to, as ``app_label.model:id``.

    Written, it must name a record the person can see (else a 400 that says nothing of whether
    it exists) and may change (else a 403).
    """

    default_error_messages = {
        "does_not_exist": "There is no record “{value}” that you may attach files to.",
    }

    def get_attribute(self, instance: Any) -> Any:
        return instance  # the reference is read off the attachment, not its (fetched) record

    def to_representation(self, value: Attachment) -> str:
        return value.record_ref

    def to_internal_value(self, data: Any) -> Any:
        try:
            ref = parse_record_ref(data)
        except RecordRefError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        user = request_user(self)
        record = find_record(ref, user)
        if record is None:
            self.fail("does_not_exist", value=str(ref))
        if not may_change_record(user, record):
            raise PermissionDenied("You may not attach files to this record.")
        return record


class AttachmentSerializer(serializers.ModelSerializer):
    """An attachment's details and where to download its file."""

    record = RecordField(help_text="The record, as app_label.model:id, e.g. estate.site:12.")
    file = serializers.FileField(
        write_only=True,
        allow_empty_file=True,  # check_upload says so in plainer words
        help_text="The file to attach.",
    )
    filename = serializers.CharField(
        source="original_name", read_only=True, help_text="The file's name as uploaded."
    )
    uploaded_by: Any = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who attached it (a username), or null when the system did.",
    )
    download_url = serializers.SerializerMethodField(help_text="Where to download the file.")

    class Meta:
        model = Attachment
        fields = (
            "id",
            "record",
            "title",
            "description",
            "file",
            "filename",
            "size",
            "sha256",
            "media_type",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        )
        read_only_fields = ("size", "sha256", "media_type", "uploaded_at")

    def get_download_url(self, obj: Attachment) -> str:
        path = reverse("api:attachment-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def validate_file(self, upload: Any) -> Any:
        try:
            check_upload(upload)
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages[0], code=exc.code or "invalid") from exc
        return upload

    def create(self, validated_data: dict[str, Any]) -> Attachment:
        return attach_file(
            validated_data["record"],
            validated_data["file"],
            request_user(self.fields["record"]),
            title=validated_data.get("title", ""),
            description=validated_data.get("description", ""),
        )


class AttachmentFilterSet(django_filters.FilterSet):
    """``?record=app_label.model:id``: the attachments of one record the person can see."""

    record = django_filters.CharFilter(method="filter_record", label="Record (app_label.model:id)")

    class Meta:
        model = Attachment
        fields = ["record"]

    def filter_record(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        try:
            ref = parse_record_ref(value)
        except RecordRefError as exc:
            raise ValidationError({"record": [ErrorDetail(str(exc), code="invalid")]}) from exc
        if find_record(ref, getattr(self.request, "user", None)) is None:
            raise ValidationError(
                {
                    "record": [
                        ErrorDetail(
                            f"There is no record “{ref}” that you may see.",
                            code="does_not_exist",
                        )
                    ]
                }
            )
        content_type = ContentType.objects.get_for_model(ref.model)
        return queryset.filter(content_type=content_type, object_id=ref.pk)


class AttachmentPermission(BasePermission):
    """Signed in; adding or deleting needs the right to change the record (the record field
    and the write scope see to the rest)."""

    message = "You may not change this record's attachments."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if action_for(request, view) == VIEW:
            return True  # it came through the view scope: its record is visible
        record = obj.record
        return record is not None and may_change_record(request.user, record)


class AttachmentViewSet(ScopedModelViewSet):
    """Files attached to records, seen and changed exactly as their records are."""

    model = Attachment
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilterSet
    permission_classes = [AttachmentPermission]
    ordering_fields = ("uploaded_at", "original_name", "size")
    select_related = ("uploaded_by",)
    # An attachment is replaced, never edited: no PUT or PATCH. A file comes as multipart.
    http_method_names = ["get", "post", "delete", "head", "options"]
    parser_classes = [MultiPartParser, FormParser]
    # No .../export/ (core.api.exporting): files leave with their records' partner export.
    exportable = False

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A download answers with the file whatever the client accepts; its errors are JSON.
        if getattr(self, "action", None) == "download":
            force = True
        return super().perform_content_negotiation(request, force=force)

    @extend_schema(
        responses={
            # Whatever type the file is (worked out from its name at upload).
            (200, "*/*"): OpenApiResponse(
                response={"type": "string", "format": "binary"},
                description="The file, as a download, in the type its name gives "
                "(application/octet-stream when the name gives none).",
            )
        },
        description="Download the attachment's file (Content-Disposition: attachment).",
    )
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        """``GET .../<id>/download/``: the file, for anyone who may see its record."""
        return download_response(self.get_object())
