"""Core's own records: the change log, attachments, and the data pages' background jobs.

The records of every app build on core.tenancy.records (who owns a record, who may see it);
these are the machinery's own: immutable change records and their links to councils
(written by core.changelog), files attached to any record (checked by core.attachments), and
the jobs behind imports and council exports (core.jobs).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from core.tenancy.access import ADD, CHANGE, DELETE, EXPORT, IMPORT, VIEW, access_for
from core.tenancy.inserts import insert_new
from core.tenancy.records import ConcordModel
from core.tenancy.scoping import ChangeLoggedWrites, ScopedManager, ScopedQuerySet


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
    # Where the file is stored (attachments/<app>/<model>/<random>/<name>) is the server's
    # business: the change log keeps the file's name, title, size and checksum, not its path.
    change_log_omits: ClassVar[frozenset[str]] = frozenset({"file"})

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
        """The record as the API names it: ``estate.site:12``."""
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

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        # Added as every other bulk write is: a few plain new rows in a statement compiled
        # once (core.tenancy.inserts; for the change log, through its scoped queryset).
        objs = list(objs)
        if isinstance(self, ChangeLoggedWrites) or args or kwargs:
            return super().bulk_create(objs, *args, **kwargs)
        self._for_write = True
        if insert_new(self.model, objs, self.db):
            return objs
        return super().bulk_create(objs)


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
        "tenancy.Partner", through="ChangeRecordPartner", related_name="+"
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

    @classmethod
    def any_readable_by(cls, user: Any) -> bool:
        """Whether `user` may read any change at all (the navigation's "Change log" link):
        `visibility_filter` is not None, without building the filter."""
        return access_for(user).partner_ids(VIEW, cls.area) != set()

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """The changes of the councils whose change log the person may read (the grant
        table's ``changelog`` area): every change for shared-service staff."""
        ids = access_for(user).partner_ids(VIEW, cls.area)
        if ids is None:
            return Q()
        if not ids:
            return None
        return cls.ownership_filter(ids)

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
    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")

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


class ImportJob(models.Model):
    """One uploaded import file: checked (a dry run), then, once confirmed, imported.

    It belongs to the person who uploaded it; shared-service staff may look at it too.
    """

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    model_label = models.CharField(max_length=100, help_text="What is imported, e.g. estate.Site.")
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
        if action == VIEW and access_for(user).is_service_staff:
            return Q()
        return Q(user_id=user.pk)

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return None  # no partner owns a job


class PartnerExport(models.Model):
    """A zip of everything one partner owns, made in the background for a service manager."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")
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

    area: ClassVar[str] = "partnership"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export of {self.partner} ({self.get_status_display()})"

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """Those whom the grant table lets export whole councils (the ``partnership`` area: the
        shared-service manager) see, make and download them."""
        return Q() if access_for(user).partner_ids(EXPORT, cls.area) is None else None

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return None  # the export of a partner is not part of the partner's own data


class Counter(models.Model):
    """A named running number (core.numbering): the last number handed out for, say, a
    council's incidents. Bookkeeping: never shown, never in the change log or an export."""

    key = models.CharField(max_length=200, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class WorkerHeartbeat(models.Model):
    """A running job worker (`concord worker`), as it last said it was alive (core.workers).

    Each worker writes its row every few seconds and removes it when it stops cleanly, so that
    a page whose job is still waiting can tell that no worker is running, and a worker starting
    can tell which jobs were left "running" by one that died. Bookkeeping: never shown as a
    record, never in the change log or an export.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.hostname} (pid {self.pid})"


class FeedSecret(models.Model):
    """A person's secret address of one of their calendar feeds (the desk's forward schedule
    of change, the contracts' decisions): a calendar client fetches it without a session, so
    the address itself is the key (core.feeds). Not a record of any council's: the service's
    own bookkeeping, like an API token. Only the hash of the secret is kept; a new secret
    replaces the old one of the same feed, which stops working at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_secrets"
    )
    #: Which feed it opens: "changes", "contracts"...
    feed = models.CharField(max_length=40)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "feed"], name="feedsecret_one_per_feed")
        ]

    def __str__(self) -> str:
        return f"{self.feed} feed of {self.user_id}"


class SearchAudience(models.TextChoices):
    """Who a search document of a record is for (core.search)."""

    EVERYONE = "everyone", "Everyone who sees the record"
    RESTRICTED = "restricted", "Those who see all of the record's restricted parts"


class SearchEntry(models.Model):
    """A record's text as full-text search reads it (core.search): an index, kept up to date
    on every write of the record and of its parts, rebuilt by ``concord search_reindex``.

    Keyed by (kind, record, audience): every searchable record has an ``everyone`` document
    (its own text and its parts that every reader of it sees, a ticket's public replies); a
    record with restricted parts (internal notes) has a ``restricted`` one too, with them. The
    words themselves are indexed by the database: on PostgreSQL a ``document`` tsvector column
    the database generates from ``title`` and ``body`` (GIN-indexed), on SQLite the FTS5 table
    `SearchText` (core/migrations/0005_search_index.py). Neither is a field here: Django never
    writes them.

    Never read directly: ``SearchEntry.objects.visible_to(user)`` holds the entries of records
    the person sees through each model's own ``visible_to``, and a restricted document only
    where they see every restricted part (core.search.entry_visibility). Not a domain record
    but derived from them, so it is in no change log or council export; a backup carries its
    rows like any table's, and the database makes their words again as they are restored (the
    generated column, the FTS5 triggers).
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    audience = models.CharField(
        max_length=20, choices=SearchAudience.choices, default=SearchAudience.EVERYONE
    )
    has_restricted = models.BooleanField(
        default=False,
        help_text="The record has restricted parts, so a restricted document of it exists.",
    )
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    partner = models.ForeignKey(
        "tenancy.Partner",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        help_text=(
            "The council owning the record, for a record one council owns (kept with it): "
            "narrows a search to a reader's councils before each match is checked against "
            "the record's own visibility rule. Empty for other records."
        ),
    )
    restricted_partner = models.ForeignKey(
        "tenancy.Partner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text=(
            "The one council owning every restricted part of the record (its internal notes), "
            "written with the restricted text itself: a reader who sees every such part of "
            "that council needs no check of each part. Empty when there are none, several "
            "councils, or parts no council owns (each part is then checked)."
        ),
    )

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "audience"], name="searchentry_unique"
            )
        ]
        indexes = [
            models.Index(fields=["partner", "content_type"], name="searchentry_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.audience})"

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """The entries of the records `user` sees, each through its model's ``visible_to``
        (core.search.entry_visibility): the one visibility rule, never another."""
        from core.search import entry_visibility

        return entry_visibility(user)

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return None  # derived from the records, which carry their own ownership


class FtsColumn(models.TextField):
    """An FTS5 table's hidden column named after the table itself: what ``MATCH`` and the
    ranking and snippet functions take (SQLite only)."""

    def db_type(self, connection: Any) -> str | None:
        return None


class SearchText(models.Model):
    """SQLite only: the FTS5 table over `SearchEntry`'s title and body, and its council (a
    third column, ``council``: the entry's ``partner_id``, 0 for none, only ever a narrowing),
    an external-content table read through a view and kept in step by triggers
    (core/migrations/0005_search_index.py, 0008_search_narrowings.py). Unmanaged: Django
    neither creates nor writes it; core.search joins it to read matches, ranks and snippets."""

    entry = models.OneToOneField(
        SearchEntry,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="fts",
    )
    document = FtsColumn(db_column="core_searchentry_fts")
    title = models.TextField()
    body = models.TextField()

    class Meta:
        managed = False
        db_table = "core_searchentry_fts"

    def __str__(self) -> str:
        return self.title
