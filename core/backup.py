"""A whole database to one portable file and back: `concord backup` and `concord restore`.

PostgreSQL's own pg_dump and pg_restore are the first choice for a PostgreSQL installation
(docs/deployment.md). This is the way that works on any database Concord runs on, and between
them (a SQLite trial moved to PostgreSQL): every row of every table Django knows, written as
JSON, one row a line, gzip-compressed, and read back into an empty database with the same
primary keys.

Django's own ``dumpdata``/``loaddata`` do not round-trip Concord's data: ``loaddata`` saves each
row by trying an UPDATE first, which the change log refuses (its rows are written once), and
``--natural-foreign`` trips over Concord's records, whose ``natural_key`` names a field rather
than being Django's method. So rows are inserted as they are (``bulk_create``: no save(), no
signals, so restoring writes nothing to the change log), in one transaction.

What is not copied row for row: content types and permissions, which ``migrate`` creates for
the code it runs. The file carries the source's (id, natural key) pairs and every reference to
one (a change record's ``content_type``, a group's permissions) is translated to the target's
id; a content type the code no longer has (a model removed years ago, whose changes are still
in the log) is created again.

The file:

- line 1: a header: format version, when, the source database's vendor, its applied
  migrations, its content types and permissions;
- then one line per row: ``{"model": "app.model", "pk": ..., "fields": {...}}`` (Django's
  serialisation, foreign keys as ids, many-to-many links as rows of their own tables);
- last: ``{"end": true, "rows": {"app.model": count, ...}}``, so a cut-short file is refused.

A backup is one consistent moment even while Concord is in use: it is read in one transaction
(PostgreSQL: repeatable read; SQLite: one read transaction, which writers do not block in WAL
mode).
"""

from __future__ import annotations

import datetime
import gzip
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "concord-backup"
VERSION = 1
BATCH = 1000

#: Made by ``migrate`` for the code that runs it; carried in the header and translated.
REGENERATED: tuple[type[models.Model], ...] = (ContentType, Permission)


class BackupError(Exception):
    """A backup that cannot be made or restored, with the reason in words."""


def backed_up_models() -> list[type[models.Model]]:
    """Every table Django manages, many-to-many link tables included, but content types and
    permissions (migrate makes those)."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model not in REGENERATED
    ]


def _rows(model: type[models.Model], using: str) -> Iterator[dict[str, Any]]:
    """The model's rows, in primary-key order, as Django serialises them (no custom manager,
    so nothing is scoped or hidden)."""
    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    queryset: models.QuerySet[Any] = models.QuerySet(model, using=using)
    for obj in queryset.order_by("pk").iterator(chunk_size=BATCH):
        # One object at a time: the serializer would otherwise hold them all.
        yield from serializers.serialize("python", [obj], fields=fields)


def _applied_migrations(using: str) -> list[list[str]]:
    recorder = MigrationRecorder(connections[using])
    return sorted([app, name] for app, name in recorder.applied_migrations())


@contextmanager
def _one_moment(using: str) -> Iterator[None]:
    """Every read inside sees the database as it was at one moment."""
    connection = connections[using]
    if connection.in_atomic_block:  # already one transaction (e.g. inside a test)
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # A plain (deferred) read transaction: Django's atomic() would begin IMMEDIATE, taking
        # the write lock, and every change in the pages would wait for the backup.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic(using=using):
        yield


def write_backup(
    path: Path, using: str = DEFAULT_DB_ALIAS, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Write every row of the database to `path`; return the rows written, by model."""
    counts: dict[str, int] = {}
    with _one_moment(using), gzip.open(path, "wt", encoding="utf-8") as out:
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created": timezone.now().isoformat(),
            "database": connections[using].vendor,
            "migrations": _applied_migrations(using),
            "content_types": {
                str(ct.pk): [ct.app_label, ct.model]
                for ct in ContentType.objects.using(using).order_by("pk")
            },
            "permissions": {
                str(p.pk): [p.content_type_id, p.codename, p.name]
                for p in Permission.objects.using(using).order_by("pk")
            },
        }
        _write(out, header)
        for model in backed_up_models():
            label = model._meta.label_lower
            counts[label] = 0
            for row in _rows(model, using):
                _write(out, row)
                counts[label] += 1
            if progress:
                progress(label, counts[label])
        _write(out, {"end": True, "rows": counts})
    return counts


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but keeping every microsecond of a time (it keeps milliseconds)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _write(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, cls=_ExactEncoder, ensure_ascii=False))
    out.write("\n")


# Restore --------------------------------------------------------------------------------------


def _read(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BackupError(f"{path}, line {number}, is not a backup's line") from exc
    except (OSError, EOFError) as exc:  # not gzip, or cut short mid-stream
        raise BackupError(f"{path} cannot be read as a Concord backup: {exc}") from exc


def _check_target(header: dict[str, Any], using: str) -> None:
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BackupError("This file is not a Concord backup (or one of a later format).")
    source = {tuple(m) for m in header["migrations"]}
    target = {tuple(m) for m in _applied_migrations(using)}
    if not target:
        raise BackupError(
            "The database has no tables yet: run `concord migrate` first, with the same version "
            "of Concord that made the backup."
        )
    if source != target:
        missing = sorted(f"{a}.{n}" for a, n in source - target)
        extra = sorted(f"{a}.{n}" for a, n in target - source)
        raise BackupError(
            "The database is not at the stage of the backup's: restore with the version of "
            "Concord that made it (then upgrade, `concord migrate`). "
            + (f"Not applied here: {', '.join(missing[:5])}. " if missing else "")
            + (f"Applied here, not there: {', '.join(extra[:5])}." if extra else "")
        )
    filled = [
        model._meta.label_lower
        for model in backed_up_models()
        if models.QuerySet(model, using=using).exists()
    ]
    if filled:
        raise BackupError(
            "A backup is restored into an empty database only (one just made with `concord "
            f"migrate`), and this one has rows in {', '.join(filled[:5])}"
            + (" and more." if len(filled) > 5 else ".")
        )


def _translations(header: dict[str, Any], using: str) -> dict[type[models.Model], dict[Any, Any]]:
    """Source id -> target id, for content types and permissions."""
    content_types = {}
    for pk, (app_label, model) in header["content_types"].items():
        ct, _ = ContentType.objects.using(using).get_or_create(app_label=app_label, model=model)
        content_types[int(pk)] = ct.pk
    permissions = {}
    for pk, (content_type_id, codename, name) in header["permissions"].items():
        permission, _ = Permission.objects.using(using).get_or_create(
            content_type_id=content_types[content_type_id],
            codename=codename,
            defaults={"name": name},
        )
        permissions[int(pk)] = permission.pk
    return {ContentType: content_types, Permission: permissions}


def _insert_as_they_are(model: type[models.Model], rows: list[models.Model], using: str) -> None:
    """INSERT the rows with every value as it was read, ids included.

    As ``Model.save_base(raw=True)`` inserts (loaddata's way), not as ``bulk_create``, which
    would stamp ``auto_now``/``auto_now_add`` fields (a token's creation time) with today; and
    with no save(), no signals and no UPDATE, which the change log refuses."""
    fields = [f for f in model._meta.local_concrete_fields if f.generated is False]
    queryset: Any = models.QuerySet(model, using=using)
    size = max(1, connections[using].ops.bulk_batch_size(fields, rows))
    for start in range(0, len(rows), size):
        # The ORM's own insert (Model.save_base's), which the stubs do not declare.
        queryset._insert(rows[start : start + size], fields=fields, raw=True, using=using)


def read_backup(
    path: Path, using: str = DEFAULT_DB_ALIAS, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Put every row of the backup at `path` into the empty database; return the rows read."""
    records = _read(path)
    header = next(records, None)
    if header is None:
        raise BackupError(f"{path} is empty.")
    connection = connections[using]
    counts: dict[str, int] = {}
    trailer: dict[str, Any] | None = None
    with transaction.atomic(using=using):
        _check_target(header, using)
        translate = _translations(header, using)
        batch: list[models.Model] = []
        model: type[models.Model] | None = None
        restored: list[type[models.Model]] = []

        def flush() -> None:
            if batch and model is not None:
                _insert_as_they_are(model, batch, using)
                batch.clear()

        for record in records:
            if record.get("end"):
                trailer = record
                break
            label = record["model"]
            row_model = apps.get_model(label)
            if row_model is not model:
                flush()
                if model is not None and progress:
                    progress(model._meta.label_lower, counts[model._meta.label_lower])
                model = row_model
                restored.append(model)
                counts.setdefault(label, 0)
            fields = record["fields"]
            for field in model._meta.concrete_fields:
                target: Any = field.related_model
                if field.is_relation and target in translate:
                    value = fields.get(field.name)
                    if value is not None:
                        fields[field.name] = translate[target][value]
            (obj,) = serializers.deserialize("python", [record], using=using)
            batch.append(obj.object)
            counts[label] += 1
            if len(batch) >= BATCH:
                flush()
        flush()
        if model is not None and progress:
            progress(model._meta.label_lower, counts[model._meta.label_lower])
        if trailer is None:
            raise BackupError(f"{path} was cut short: its last line is missing. Nothing restored.")
        if {k: v for k, v in trailer["rows"].items() if v} != counts:
            raise BackupError(f"{path} does not hold the rows its last line counts.")
        # New rows must not be given the ids of restored ones.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), restored):
                cursor.execute(statement)
    return counts
