"""Base models every Concord record builds on, and the change log.

Three kinds of record, one visibility mechanism (core.scoping):

- `PartnerOwnedModel`: owned by one council (`partner`).
- `SharedOwnershipModel`: owned together by several councils through `OwnerShare` rows whose
  percentages sum to 100.
- `CatalogueModel`: owned by nobody (suppliers, products, categories), readable by every
  signed-in person, editable by shared-service staff.

Each states its `area` (see partners.access) so that permission checks need no per-model code.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router
from django.db.models import Exists, OuterRef, Q
from django.db.models.fields.files import FieldFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.scoping import ScopedManager, ScopedQuerySet, system_scope

# Bookkeeping fields that change on every save and say nothing about the record itself.
UNTRACKED_FIELDS = frozenset({"created_at", "updated_at", "version"})


def without_bookkeeping(queryset: Any, related: Any = (), own: bool = False) -> Any:
    """`queryset` not loading the bookkeeping columns (created/updated times, version) of the
    records joined through `related` (and of its own rows too when `own`).

    Lists, dropdowns and joined records never show them, and turning two timestamps per row
    into Python datetimes was a visible share of a list page's time.
    """
    names = [
        f"{path}__{name}"
        for path in related
        if _is_concord(_related_model(queryset.model, path))
        for name in sorted(UNTRACKED_FIELDS)
    ]
    if own and _is_concord(queryset.model):
        names += sorted(UNTRACKED_FIELDS)
    return queryset.defer(*names) if names else queryset


def _related_model(model: Any, path: str) -> Any:
    for part in path.split("__"):
        model = model._meta.get_field(part).related_model
    return model


def _is_concord(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, ConcordModel)


def json_value(value: Any) -> Any:
    """A field value as it is written to the change log and to exports."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


class ConcordModel(models.Model):
    """Abstract base of every domain record: timestamps, a version for ETags, scoping."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedManager()
    #: Every write of these records leaves a change record (core.changelog); the querysets
    #: refuse bulk writes that would not (core.scoping.ChangeLoggedWrites).
    change_logged: ClassVar[bool] = True
    #: The area of the grant table (partners.access) this record kind belongs to.
    area: ClassVar[str] = "reference"
    #: "partner", "shared", "catalogue" or "self": how ownership (and so visibility) works.
    ownership: ClassVar[str] = "partner"
    #: The field that names a record in files (imports, exports), e.g. a partner's ``code``.
    #: Foreign keys to this model are written and read as this value instead of an id.
    natural_key: ClassVar[str | None] = None
    #: The columns a CSV/XLSX import of this model takes; empty means it cannot be imported.
    import_fields: ClassVar[tuple[str, ...]] = ()
    #: Whether files may be attached to these records (core.Attachment); a model turns it off.
    attachable: ClassVar[bool] = True
    #: Foreign keys to the user model that name the owning council's OWN people (a
    #: membership's person): the partner export includes their accounts. Any other person a
    #: record names (a shared-service agent, another co-owner's person, an uploader) appears
    #: in the export by username only, as their account is not the council's data.
    partner_people_fields: ClassVar[tuple[str, ...]] = ()
    #: The field each of ``Meta.constraints`` is about, by constraint name: the one a person
    #: changes to put a breach right, on which forms, the API and imports show its
    #: ``violation_error_message``. A unique constraint needs no entry (its last field is the
    #: one); a check constraint should have one, as its condition does not say which field.
    constraint_fields: ClassVar[dict[str, str]] = {}
    #: Fields whose value no two records share among those a person can see (a co-owned
    #: agreement's reference). Not a database constraint, on purpose: a unique column would
    #: refuse a council a value another council has used, and so tell it that record exists.
    #: Forms and the API check them with `reader_clashes`.
    unique_for_reader: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def reader_clashes(self, user: Any) -> dict[str, str]:
        """The `unique_for_reader` fields whose value another record `user` can see already
        has (ignoring capitals), with the message to show on each."""
        clashes: dict[str, str] = {}
        manager: Any = type(self)._default_manager
        for name in self.unique_for_reader:
            value = getattr(self, name)
            if value in (None, ""):
                continue
            others = manager.visible_to(user).filter(**{f"{name}__iexact": value})
            if self.pk is not None:
                others = others.exclude(pk=self.pk)
            if others.exists():
                field: Any = self._meta.get_field(name)
                label = str(field.verbose_name)
                clashes[name] = (
                    f"{str(self._meta.verbose_name).capitalize()} {label} {value} is already "
                    f"used: choose another {label}"
                )
        return clashes

    # The row as loaded, so that the change log can show "before" without another query. It
    # is turned into JSON-ready values only when a save or delete needs it: a list page that
    # loads fifty rows never pays for it.
    _loaded_row: tuple[Any, Any] | None = None
    _loaded_snapshot: dict[str, Any] | None = None

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._loaded_row = (field_names, values)
        return instance

    @property
    def _loaded_values(self) -> dict[str, Any] | None:
        """The record's tracked values as last loaded from (or written to) the database."""
        if self._loaded_snapshot is None and self._loaded_row is not None:
            names, values = self._loaded_row
            self._loaded_snapshot = {
                name: json_value(value)
                for name, value in zip(names, values, strict=True)
                if name not in UNTRACKED_FIELDS
            }
        return self._loaded_snapshot

    @_loaded_values.setter
    def _loaded_values(self, snapshot: dict[str, Any] | None) -> None:
        self._loaded_snapshot = snapshot
        self._loaded_row = None

    def refresh_from_db(
        self, using: Any = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        # The fields now hold the database's values: the change log's "before" must too, or
        # the next save would log a change from the values as first loaded.
        fresh = self.tracked_values()
        if fields is not None and self._loaded_values is not None:
            names = {getattr(self._meta.get_field(name), "attname", name) for name in fields}
            fresh = {**self._loaded_values, **{k: v for k, v in fresh.items() if k in names}}
        self._loaded_values = fresh

    def tracked_values(self) -> dict[str, Any]:
        """The record's own field values, JSON-ready, as the change log records them."""
        values: dict[str, Any] = {}
        deferred = self.get_deferred_fields()
        for f in self._meta.concrete_fields:
            if f.attname in deferred or f.name in UNTRACKED_FIELDS:
                continue
            values[f.attname] = json_value(getattr(self, f.attname))
        return values

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.tracked_values() != self._loaded_values:
            # The version (and so the ETag) moves only when the record itself changes.
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)

    # Uniqueness checks look across the table on purpose: a code must be unique even where the
    # person saving cannot see the clashing record (the message names no record).
    def validate_unique(self, exclude: Any = None) -> None:
        with system_scope("uniqueness check"):
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude: Any = None) -> None:
        # Django's own loop, except where a breach is reported: Django puts a check constraint
        # or a unique constraint on several fields at the top of a form, linked to nothing. A
        # person fixes a field, so each breach goes on the field `constraint_field` names.
        errors: dict[str, list[ValidationError]] = {}
        using = router.db_for_write(type(self), instance=self)
        checkable = {f.name for f in self._meta.concrete_fields} - set(exclude or ())
        with system_scope("constraint check"):
            for model_class, constraints in self.get_constraints():
                for constraint in constraints:
                    check: Any = constraint  # (django-stubs lacks BaseConstraint.validate)
                    try:
                        check.validate(model_class, self, exclude=exclude, using=using)
                    except ValidationError as exc:
                        field = self.constraint_field(constraint, checkable) or NON_FIELD_ERRORS
                        errors.setdefault(field, []).append(exc)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def constraint_field(cls, constraint: Any, available: Any = None) -> str | None:
        """The field a breach of `constraint` is shown on, among the field names `available`
        (those on the form, the columns of an import; None: any), or None for the record as a
        whole.

        The field declared in `constraint_fields`; else the last of the constraint's fields
        (``code`` of ``partner, code``: the council was chosen, the code is what clashes);
        else, for a check constraint, the last field its condition compares, in the model's
        order (``ends_on`` of ``ends_on >= starts_on``).
        """
        declared = cls.constraint_fields.get(constraint.name)
        if declared is not None and (available is None or declared in available):
            return declared
        names: list[str] = list(getattr(constraint, "fields", ()) or ())
        condition = getattr(constraint, "condition", None)
        if not names and isinstance(constraint, models.CheckConstraint) and condition is not None:
            referenced = set(condition.referenced_base_fields)
            names = [f.name for f in cls._meta.concrete_fields if f.name in referenced]
        for name in reversed(names):
            if available is None or name in available:
                return name
        return None

    # Ownership and visibility ------------------------------------------------------------

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        """Rows owned (or co-owned) by any of `partner_ids`. Subclasses define it."""
        raise TypeError(f"{cls.__name__} does not define how it is owned")

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """Rows `user` may `action`: Q() for all, None for none. The only visibility rule."""
        from partners.access import access_for

        ids = access_for(user).partner_ids(action, cls.area)
        if ids is None:
            return Q()
        if not ids:
            return None
        return cls.ownership_filter(ids)

    def owning_partner_ids(self) -> list[int]:
        """Ids of the partners that own this record (empty for catalogue records)."""
        raise TypeError(f"{type(self).__name__} does not define how it is owned")

    def owning_partner_ids_in(self, values: dict[str, Any]) -> list[int]:
        """Ids of the partners that owned this record when its tracked values were `values`
        (the change log's "before"). By default its owners now: a co-owned record changes
        owners only through `core.services.set_owner_shares`, which logs that itself, and a
        catalogue record has none."""
        return self.owning_partner_ids()

    def change_log_partner_ids(self, before: dict[str, Any] | None = None) -> list[int]:
        """Partners whose change log shows a change to this record: its owners now and, for a
        change from `before`, its owners then, so that a record moved from one council to
        another is in both councils' logs (docs/tenancy.md, "Moving a record")."""
        owners = set(self.owning_partner_ids())
        if before:
            owners.update(self.owning_partner_ids_in(before))
        return sorted(owners)

    @classmethod
    def export_fields(cls) -> list[str]:
        """The columns of exports: id, then every field of the record's own (no bookkeeping)."""
        names = ["id"]
        for f in cls._meta.concrete_fields:
            if f.name not in UNTRACKED_FIELDS and f.name != "id":
                names.append(f.name)
        names += ["created_at", "updated_at", "version"]
        return names

    # URLs follow the house naming: app:model_detail and friends.

    @classmethod
    def url_name(cls, view: str) -> str:
        """The URL name of one of this model's generic pages, e.g. ``partners:site_list``."""
        return f"{cls._meta.app_label}:{cls._meta.model_name}_{view}"

    def get_absolute_url(self) -> str:
        try:
            return reverse(self.url_name("detail"), args=[self.pk])
        except NoReverseMatch:
            return ""


class PartnerOwnedModel(ConcordModel):
    """A record one council owns."""

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The council that owns this record.",
    )

    ownership: ClassVar[str] = "partner"

    class Meta:
        abstract = True

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return Q(partner_id__in=list(partner_ids))

    def owning_partner_ids(self) -> list[int]:
        return [self.partner_id] if self.partner_id else []

    def owning_partner_ids_in(self, values: dict[str, Any]) -> list[int]:
        partner_id = values.get("partner_id", self.partner_id)
        return [partner_id] if partner_id else []


class SharedOwnershipModel(ConcordModel):
    """A record several councils own together, in shares that sum to 100%."""

    ownership: ClassVar[str] = "shared"

    class Meta:
        abstract = True

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        shares = OwnerShare.objects.filter(
            content_type=ContentType.objects.get_for_model(cls),
            object_id=OuterRef("pk"),
            partner_id__in=list(partner_ids),
        )
        return Q(Exists(shares))

    def owner_shares(self) -> list[OwnerShare]:
        """This record's shares, largest first."""
        if self.pk is None:
            return []
        return list(
            OwnerShare.objects.filter(
                content_type=ContentType.objects.get_for_model(type(self)), object_id=self.pk
            )
            .select_related("partner")
            .order_by("-percentage", "partner__code")
        )

    def owning_partner_ids(self) -> list[int]:
        return [share.partner_id for share in self.owner_shares()]


class CatalogueModel(ConcordModel):
    """A record owned by nobody: readable by every signed-in person, edited by service staff."""

    area: ClassVar[str] = "catalogue"
    ownership: ClassVar[str] = "catalogue"
    # Nobody owns a catalogue record, so nobody's partner export would carry its files.
    attachable: ClassVar[bool] = False

    class Meta:
        abstract = True

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return None  # nobody owns a catalogue record, so no partner export carries it

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        from partners.access import access_for

        access = access_for(user)
        return Q() if access.can(action, cls.area) else None

    def owning_partner_ids(self) -> list[int]:
        return []


class OwnerShare(models.Model):
    """One council's share in a co-owned record (percentages of one record sum to 100)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    percentage = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "partner"], name="ownershare_unique_owner"
            ),
            models.CheckConstraint(
                condition=Q(percentage__gt=0) & Q(percentage__lte=100),
                name="ownershare_percentage_range",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "partner", "object_id"])]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.percentage}%"


def attachable_models() -> list[type[ConcordModel]]:
    """Every concrete model whose records may carry attachments (``attachable``), found from
    the app registry so that a model added later takes attachments with no change here."""
    from django.apps import apps

    found = [
        model
        for model in apps.get_models()
        if issubclass(model, ConcordModel)
        and model.attachable
        and not model._meta.abstract
        and not model._meta.proxy
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def attachment_path(instance: Attachment, filename: str) -> str:
    """Where an attachment's file is kept: ``attachments/<app>/<model>/<uuid>/<safe name>``.

    The random folder keeps names from clashing and from being guessed; the name is cleaned of
    anything a file system or a header could misread.
    """
    from core.attachments import safe_filename

    content_type = ContentType.objects.get_for_id(instance.content_type_id)
    return (
        f"attachments/{content_type.app_label}/{content_type.model}/"
        f"{uuid.uuid4().hex}/{safe_filename(filename)}"
    )


class Attachment(ConcordModel):
    """A file attached to a record, seen and acted on exactly as that record is.

    It has no visibility rule of its own: a person sees an attachment when they may see its
    record, and may add or delete one when they may change the record (see
    `visibility_filter`). Its owners are its record's owners, so its change log and the
    partner export follow the record. Checks of the file itself are in core.attachments.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    original_name = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    size = models.PositiveBigIntegerField(default=0, help_text="In bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    media_type = models.CharField(
        max_length=100,
        default="application/octet-stream",
        help_text="Worked out from the file's name; never taken from the browser.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    # Files on files would only hide what a record carries.
    attachable: ClassVar[bool] = False

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-uploaded_at"], name="attachment_record"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.original_name

    # Whose it is: its record's -----------------------------------------------------------

    @staticmethod
    def record_action(action: str) -> str:
        """The action on the record that an action on its attachment needs: reading an
        attachment is reading the record; adding or deleting one is changing the record."""
        from partners.access import ADD, CHANGE, DELETE, IMPORT

        return CHANGE if action in (ADD, CHANGE, DELETE, IMPORT) else action

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """Attachments of the records `user` may see (or, for a write, change)."""
        wanted = cls.record_action(action)
        condition: Q | None = None
        for model in attachable_models():
            rule = model.visibility_filter(user, wanted)
            if rule is None:
                continue
            content_type = ContentType.objects.get_for_model(model)
            if not rule:  # Q(): every record of this kind
                term = Q(content_type_id=content_type.pk)
            else:
                visible = model.objects.visible_to(user, wanted).values("pk")
                term = Q(content_type_id=content_type.pk, object_id__in=visible)
            condition = term if condition is None else condition | term
        return condition

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        """Attachments of the records `partner_ids` own or co-own."""
        ids = list(partner_ids)
        condition: Q | None = None
        for model in attachable_models():
            rule = model.ownership_filter(ids)
            if rule is None:
                continue
            content_type = ContentType.objects.get_for_model(model)
            owned = (
                model.objects.unscoped("the owned records whose attachments are wanted")
                .filter(rule)
                .values("pk")
            )
            term = Q(content_type_id=content_type.pk, object_id__in=owned)
            condition = term if condition is None else condition | term
        return condition

    def owning_partner_ids(self) -> list[int]:
        record = self.record
        return record.owning_partner_ids() if record is not None else []

    def owning_partner_ids_in(self, values: dict[str, Any]) -> list[int]:
        """The owners of the record the attachment was on when its values were `values`."""
        content_type_id = values.get("content_type_id", self.content_type_id)
        object_id = values.get("object_id", self.object_id)
        if (content_type_id, object_id) == (self.content_type_id, self.object_id):
            return self.owning_partner_ids()
        model: Any = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            return []
        record = (
            model.objects.unscoped("the record a file was moved from, for its log")
            .filter(pk=object_id)
            .first()
        )
        return record.owning_partner_ids() if record is not None else []

    @property
    def record_ref(self) -> str:
        """The record as the API names it: ``partners.site:12``."""
        content_type = ContentType.objects.get_for_id(self.content_type_id)
        return f"{content_type.app_label}.{content_type.model}:{self.object_id}"

    @classmethod
    def export_fields(cls) -> list[str]:
        # The record's kind by name: a content type id means nothing outside this database.
        return [
            "id",
            "content_type__app_label",
            "content_type__model",
            "object_id",
            "file",
            "original_name",
            "title",
            "description",
            "size",
            "sha256",
            "media_type",
            "uploaded_by",
            "uploaded_at",
            "created_at",
            "updated_at",
            "version",
        ]

    def get_absolute_url(self) -> str:
        return reverse("core:attachment_download", args=[self.pk])


IMMUTABLE = "Change records are immutable: the change log is only ever added to"


class ImmutableRowsQuerySet(models.QuerySet):
    """Rows that are written once and never altered: the change log and its links to partners.

    Every way a queryset alters or removes rows raises, including Django's internal fast
    delete (``_raw_delete``), so neither application code nor a cascade can rewrite history.
    The database refuses too (core/migrations/0003 and 0006, triggers).
    """

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(IMMUTABLE)

    def _update(self, values: Any) -> Any:
        raise PermissionError(IMMUTABLE)

    def bulk_update(self, objs: Any, *args: Any, **kwargs: Any) -> int:
        raise PermissionError(IMMUTABLE)

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(IMMUTABLE)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(IMMUTABLE)

    def _raw_delete(self, using: Any) -> int:
        raise PermissionError(IMMUTABLE)


class ImmutableRowsManager(models.Manager.from_queryset(ImmutableRowsQuerySet)):  # type: ignore[misc]
    """Hands out `ImmutableRowsQuerySet`s: reading and adding rows only."""

    use_in_migrations = False


class WrittenOnce(models.Model):
    """A row saved once, when made, and never changed or deleted through the ORM: a record read
    from the database, or a copy given an existing id (which would overwrite that row), is
    refused before any SQL is sent. (Querysets refuse too: ImmutableRowsQuerySet; and the
    database, with triggers.)"""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or self.pk is not None:
            raise PermissionError(IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(IMMUTABLE)


class ChangeRecordQuerySet(ImmutableRowsQuerySet, ScopedQuerySet):  # type: ignore[override]
    """Change records are scoped like everything else, and can never be altered in bulk."""


class ChangeAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"


class ChangeRecord(WrittenOnce):
    """An immutable trace of one create, update or delete of a domain record."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    changed_fields = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    partners: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "partners.Partner", through="ChangeRecordPartner", related_name="+"
    )

    objects = models.Manager.from_queryset(ChangeRecordQuerySet)()
    # Django reads through the base manager without a scope (``link.change``,
    # ``refresh_from_db``); it must refuse to alter rows as the default manager does.
    _immutable_rows = ImmutableRowsManager()

    area: ClassVar[str] = "changelog"

    class Meta:
        base_manager_name = "_immutable_rows"
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    @staticmethod
    def _history_partner_ids(access: Any) -> list[int]:
        """The councils whose changes a council person may read (their HISTORY grants)."""
        from partners.access import HISTORY

        return [
            pid
            for pid in access.roles_by_partner
            if any(HISTORY in access.council_actions(pid, area) for area in ("reference", "*"))
        ]

    @classmethod
    def any_readable_by(cls, user: Any) -> bool:
        """Whether `user` may read any change at all (the navigation's "Change log" link):
        `visibility_filter` is not None, without building the filter."""
        from partners.access import HISTORY, access_for

        access = access_for(user)
        return HISTORY in access.service_actions("*") or bool(cls._history_partner_ids(access))

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """Service staff see every change; a council person sees their councils' changes."""
        from partners.access import HISTORY, access_for

        access = access_for(user)
        if HISTORY in access.service_actions("*"):
            return Q()
        partner_ids = cls._history_partner_ids(access)
        if not partner_ids:
            return None
        return Q(
            Exists(
                ChangeRecordPartner.objects.filter(
                    change_id=OuterRef("pk"), partner_id__in=partner_ids
                )
            )
        )

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return Q(
            Exists(
                ChangeRecordPartner.objects.filter(
                    change_id=OuterRef("pk"), partner_id__in=list(partner_ids)
                )
            )
        )


class ChangeRecordPartner(WrittenOnce):
    """Which partners' change logs show a change (the owners of the record at the time).

    Links are only ever added (a new shared record's first changes are linked to its owners
    once it has them), never moved or removed: a council's change log cannot lose a change.
    It is not scoped itself: it holds ids only, and is read inside `ChangeRecord`'s filters.
    A partner with changes in its log cannot be deleted (``PROTECT``); a council that goes
    leaves the partnership instead (docs/tenancy.md, "Former partners").
    """

    change = models.ForeignKey(ChangeRecord, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")

    objects = ImmutableRowsManager()

    class Meta:
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["change", "partner"], name="changepartner_unique")
        ]
        indexes = [models.Index(fields=["partner", "change"])]

    def __str__(self) -> str:
        return f"{self.change_id} → {self.partner_id}"


# Jobs of the data pages (core.jobs): an import's file checked and run in the background, and a
# partner's export zip. They are the service's own bookkeeping, not domain records: no change
# log, and no partner owns them, so no partner export carries them.


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    CHECKING = "checking", "Checking the file"
    CHECKED = "checked", "Checked"
    IMPORTING = "importing", "Importing"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


def _is_service_manager(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or getattr(user, "service_role", "") == "manager")
    )


class ImportJob(models.Model):
    """One uploaded import file: checked (a dry run), then, once confirmed, imported.

    It belongs to the person who uploaded it; shared-service staff may look at it too.
    """

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    model_label = models.CharField(
        max_length=100, help_text="What is imported, e.g. partners.Site."
    )
    filename = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    file_name = models.CharField(max_length=500, blank=True, help_text="Where it is stored.")
    file_size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    committing = models.BooleanField(default=False, help_text="Import confirmed, not a dry run.")
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"Import of {self.filename} ({self.get_status_display()})"

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """Its owner sees (and acts on) it; shared-service staff may look at it."""
        from partners.access import access_for

        if action == "view" and access_for(user).is_service_staff:
            return Q()
        return Q(user_id=user.pk)

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return None  # no partner owns a job


class PartnerExport(models.Model):
    """A zip of everything one partner owns, made in the background for a service manager."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_total = models.PositiveBigIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    file_name = models.CharField(max_length=500, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    manifest = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export of {self.partner} ({self.get_status_display()})"

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """Only shared-service managers see, make and download partner exports."""
        return Q() if _is_service_manager(user) else None

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return None  # the export of a partner is not part of the partner's own data
