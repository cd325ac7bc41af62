"""The generic API viewset every scoped model's endpoint is declared with.

`ScopedModelViewSet` gives list, retrieve, create, update, partial_update and destroy over
``Model.objects.visible_to(request.user, action)``, and nothing else decides what a person
reaches:

- Reads start from the ``view`` scope. Writes fetch the record (locked) from the scope of the
  write action: a record the person can see but not change is a 403, a record they cannot see at
  all a 404, exactly as if it did not exist.
- After a create or update, still inside the transaction, the record is fetched again through
  the person's ``view`` scope; if they moved it out of their own reach (another council's
  partner, shares without their council) the transaction is rolled back and the answer is a 400
  naming the field.
- Reads carry ETags; updates and deletes honour ``If-Match`` under the row lock (412 when
  stale). Lists are keyset-paginated and filtered by the model's filter set.

A model's endpoint is a few lines: the model, its serializer, filter set and sort fields (see
partners/api/views.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import NoReverseMatch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.api.conditional import (
    add_body_etag,
    check_if_match,
    conditional_record_response,
    record_etag,
)
from core.api.errors import Conflict
from core.api.filters import ConcordFilterBackend
from core.api.importing import (
    ImportJobSerializer,
    ImportRequestSerializer,
    ImportResultSerializer,
    import_form_error_response,
    import_result_response,
    job_body,
    start_import_job,
)
from core.api.pagination import KeysetPagination
from core.api.permissions import ScopedActionPermission, action_for
from core.importing import ImportFileError, import_records, importable, rows_to_import
from core.related import unjoined, without_bookkeeping
from core.services import OUT_OF_REACH, OutOfReach, refetch_visible
from core.tenancy.access import VIEW
from core.tenancy.scoping import visibility_condition

#: The related records each viewset's rows are read with, by viewset and serializer class:
#: (paths, what each defers), as `core.related.unjoined` gives them (see `refetch_visible`).
_RELATED: dict[tuple[type, type], tuple[list[str], dict[str, list[str]]]] = {}
#: Each viewset's record URL by the namespace it is served under: the path before and after
#: the record's id (see `_detail_location`); None where there is none.
_LOCATIONS: dict[tuple[type, str | None], tuple[str, str] | None] = {}
#: An id no record has, standing in for one while a record's URL is reversed.
_STAND_IN = 918_273_645_546_372_819


class ScopedReadOnlyModelViewSet(viewsets.GenericViewSet):
    """List and retrieve one scoped model, through the one visibility rule.

    `ScopedModelViewSet` adds the writes; a read-only endpoint (the change log) uses this one,
    so that the router offers no write routes at all. The list's default order is the model's
    ``Meta.ordering`` (declared once, there); ``?ordering=`` picks another among
    `ordering_fields`.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "ordering" in cls.__dict__:
            raise ImproperlyConfigured(
                f"{cls.__name__} declares ordering: a list's default order is its model's "
                "Meta.ordering, declared once there (pages and API alike)."
            )

    #: The model served; its ``objects.visible_to`` is the only way rows are reached.
    model: ClassVar[Any] = None
    #: Fields a client may sort by with ``?ordering=`` (non-null fields only).
    ordering_fields: ClassVar[tuple[str, ...]] = ()
    #: Related records fetched with each row; None works it out from the serializer's fields.
    select_related: ClassVar[tuple[str, ...] | None] = None
    #: For a model with own records: the actions of this endpoint that a grant on one's own
    #: records allows (None: every one), as `core.views.generic.ModelViews.own_actions`.
    own_actions: ClassVar[frozenset[str] | None] = None

    permission_classes = [ScopedActionPermission]
    pagination_class = KeysetPagination
    filter_backends = [ConcordFilterBackend]
    lookup_value_regex = "[0-9]+"

    @classmethod
    def get_model(cls) -> Any:
        """The model this viewset serves."""
        if cls.model is not None:
            return cls.model
        return cls.serializer_class.Meta.model  # type: ignore[union-attr]

    # Scopes --------------------------------------------------------------------------------

    def scope_action(self) -> str:
        """The access action of the current request (view, add, change, delete, import)."""
        return action_for(self.request, self)

    def related_to_select(self) -> list[str]:
        """Forward relations the serializer shows, fetched in the same query as the rows."""
        if self.select_related is not None:
            return list(self.select_related)
        model = self.get_model()
        meta = getattr(self.get_serializer_class(), "Meta", None)
        names = getattr(meta, "fields", "__all__")
        relations = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and (f.many_to_one or f.one_to_one)
        ]
        if names == "__all__":
            return relations
        return [name for name in relations if name in names]

    def scoped_queryset(self, action: str = VIEW) -> QuerySet[Any]:
        """The rows the requester may `action`: the only way this viewset reaches the table."""
        return self.with_related(self.get_model().objects.visible_to(self.request.user, action))

    def with_related(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """`queryset` reading the related records the serializer shows, joined."""
        related = self.related_to_select()
        if not related:
            return queryset
        # Joined records are shown by their natural key: their bookkeeping is not loaded.
        return without_bookkeeping(queryset.select_related(*related), related)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped_queryset(VIEW)

    # A record's own actions (``POST .../<id>/resolve/``) ---------------------------------

    def visible_record(self, pk: Any) -> Any:
        """The record in the URL as the requester sees it; 404 otherwise (an id no database
        column holds included), said the same whether it exists elsewhere or not."""
        if not str(pk).isdigit() or int(pk) > 2**63 - 1:
            raise NotFound()
        found = self.get_model().objects.visible_to(self.request.user).filter(pk=int(pk)).first()
        if found is None:
            raise NotFound()
        return found

    def answer(self, request: Request, record: Any) -> Response:
        """The record as it now is, after an action, with its ETag."""
        fresh = self.scoped_queryset(VIEW).get(pk=record.pk)
        return conditional_record_response(request, fresh, self.get_serializer(fresh).data)

    def run_action(self, request: Request, record: Any, form: Any, work: Any) -> Response:
        """Check the action's body with `form` (a serializer class, or None), do `work(record,
        data)` in one transaction (a service's ValidationError is a 400 naming its field),
        and answer the record as it now is."""
        data: dict[str, Any] = {}
        if form is not None:
            body = form(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            data = body.validated_data
        try:
            with transaction.atomic():
                work(record, data)
        except DjangoValidationError as exc:
            raise ValidationError(serializers.as_serializer_error(exc)) from exc
        return self.answer(request, record)

    def get_object(self) -> Any:
        """The record named in the URL: 404 unless visible, 403 if visible but not writable.

        For a write the row is locked (inside the caller's transaction) so that the If-Match
        check and the change see the same version.
        """
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        action = self.scope_action()
        visible = self.scoped_queryset(VIEW)
        if action == VIEW:
            obj = visible.filter(pk=lookup).first()
            if obj is None:
                raise NotFound()
        else:
            writable = self.scoped_queryset(action)
            if transaction.get_connection().in_atomic_block:
                writable = writable.select_for_update(of=("self",))
            obj = writable.filter(pk=lookup).first()
            if obj is None:
                if visible.filter(pk=lookup).exists():
                    raise PermissionDenied()
                raise NotFound()
        self.check_object_permissions(self.request, obj)
        return obj

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        # OPTIONS on a record answers like GET would: 404 for one the person cannot see.
        if (self.lookup_url_kwarg or self.lookup_field) in kwargs:
            self.get_object()
        return super().options(request, *args, **kwargs)

    def refetch_visible(self, instance: Any) -> Any:
        """The saved record as its author now sees it; a 400 on the record's ownership field
        (rolling the save back) if they cannot (core.services.refetch_visible)."""
        user = self.request.user
        # The foundation's scoped rows are those `visible_to` gives alone: the record can be
        # seen to be among them without reading it back (core.services.refetch_visible).
        plain = type(self).scoped_queryset is ScopedReadOnlyModelViewSet.scoped_queryset
        condition = related = None
        if plain:
            condition = visibility_condition(self.get_model(), user)
            # The relations the rows are read with, from a queryset that is never run: the
            # visible one is built (its condition made into a query) only if it is asked.
            # They depend on the viewset and its serializer only: worked out once for both.
            key = (type(self), self.get_serializer_class())
            related = _RELATED.get(key)
            if related is None:
                none = self.with_related(self.get_model().objects.none())
                _alone, paths, deferred = unjoined(none)
                related = _RELATED[key] = (paths, deferred)
        try:
            return refetch_visible(
                instance,
                user,
                lambda: self.scoped_queryset(VIEW),
                condition=condition,
                related=related,
            )
        except OutOfReach:
            field = getattr(instance, "ownership_field", None) or api_settings.NON_FIELD_ERRORS_KEY
            raise ValidationError(
                {field: [ErrorDetail(OUT_OF_REACH, code="out_of_reach")]}
            ) from None

    def check_preconditions(self, instance: Any) -> None:
        """412 unless ``If-Match`` (when sent) names the version now in the database."""
        if "If-Match" in self.request.headers:
            current = record_etag(instance, self.get_serializer(instance).data)
            check_if_match(self.request, current)

    def _detail_location(self, pk: Any) -> str | None:
        """The record's URL (a created record's ``Location``). Its path is reversed once per
        viewset and namespace with a stand-in id, then filled in: reversing it for every
        record was a fiftieth of creating one."""
        if not isinstance(pk, int) or isinstance(pk, bool):
            try:
                return self.reverse_action("detail", args=[pk])
            except NoReverseMatch:
                return None
        match = getattr(self.request, "resolver_match", None)
        key = (type(self), getattr(match, "namespace", None))
        if key not in _LOCATIONS:
            try:
                path = self.reverse_action("detail", args=[_STAND_IN], request=None)
            except NoReverseMatch:
                path = None
            _LOCATIONS[key] = None if path is None else path.partition(str(_STAND_IN))[::2]
        template = _LOCATIONS[key]
        if template is None:
            return None
        head, tail = template
        return self.request.build_absolute_uri(f"{head}{pk}{tail}")

    # Actions -------------------------------------------------------------------------------

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return add_body_etag(request, self.get_paginated_response(serializer.data))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        return conditional_record_response(request, instance, self.get_serializer(instance).data)


class ScopedModelViewSet(ScopedReadOnlyModelViewSet):
    """CRUD over one scoped model, through the one visibility rule (see the module docstring)."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        with transaction.atomic():
            serializer.is_valid(raise_exception=True)
            self.perform_create(serializer)
            fresh = self.refetch_visible(serializer.instance)
        # The answer is the record read back, written out by the serializer that took it in:
        # its fields are built once a request rather than twice.
        serializer.instance = fresh
        data = serializer.data
        headers = {"ETag": record_etag(fresh, data)}
        location = self._detail_location(fresh.pk)
        if location:
            headers["Location"] = location
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_object()
            self.check_preconditions(instance)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
            fresh = self.refetch_visible(serializer.instance)
        return conditional_record_response(request, fresh, self.get_serializer(fresh).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            instance = self.get_object()
            self.check_preconditions(instance)
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Hooks, as DRF's mixins name them ------------------------------------------------------

    def perform_create(self, serializer: Any) -> None:
        serializer.save()

    def perform_update(self, serializer: Any) -> None:
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        refused = instance.deletion_refused()
        if refused:
            raise Conflict(refused)
        instance.delete()

    # Import --------------------------------------------------------------------------------

    @classmethod
    def get_extra_actions(cls) -> list[Any]:
        actions = super().get_extra_actions()
        if not importable(cls.get_model()):
            # Only models that declare import fields get POST .../import/.
            actions = [a for a in actions if a.__name__ != "import_records"]
        return actions

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportResultSerializer,
            202: ImportJobSerializer,
            400: ImportResultSerializer,
        },
        description=(
            "Import a CSV or XLSX file of records (the columns of the model's import fields). "
            "`dry_run=true` (the default) checks every row and changes nothing; "
            "`dry_run=false` writes every row, or none when any row has a problem. "
            "Any problem is a 400 listing every bad row and column (a problem with the "
            "request itself, such as no file, on row 0). A large file (or "
            "`background=true`) is checked or imported by the worker: the answer is a 202 with "
            "the job, whose URL (also in `Location`) shows its progress and, once done, the "
            "same result."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_records(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """``POST .../import/``: check (dry run) or import a CSV/XLSX file of records."""
        form = ImportRequestSerializer(data=request.data)
        if not form.is_valid():
            return import_form_error_response(form)
        upload = form.validated_data["file"]
        dry_run = form.validated_data["dry_run"]
        background = form.validated_data.get("background")
        if background is not False:
            try:
                # As the import page decides: a large file is not read row by row here.
                inline_rows = settings.CONCORD_IMPORT_INLINE_ROWS
                rows = rows_to_import(
                    upload, upload.name or "", inline_rows, model=self.get_model()
                )
            except ImportFileError:
                rows = -1  # import_records below reports the problem with the file
            upload.seek(0)
            if rows >= 0 and (background or rows > settings.CONCORD_IMPORT_INLINE_ROWS):
                job = start_import_job(
                    self.get_model(), upload, request.user, dry_run=dry_run, rows=rows
                )
                body = job_body(job, request)
                return Response(
                    body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]}
                )
        result = import_records(
            self.get_model(), upload, upload.name or "", request.user, dry_run=dry_run
        )
        return import_result_response(result)
