"""The partner export: one zip of everything a partner owns or co-owns, with its change log.

The ground for onboarding and offboarding a council. For EVERY scoped model Django knows of
(found through the app registry, so a model added later is exported with no change here), the
zip holds ``<app_label>/<model_name>.jsonl`` and ``.csv`` of ``Model.objects.owned_by(partner)``;
catalogue models are left out, since no partner owns them. Beside them:

- ``core/ownershare.jsonl`` (+ ``.csv``): the owner shares of the co-owned records exported;
- ``core/audiencecouncil.jsonl`` (+ ``.csv``): which records for chosen councils name the
  partner (a knowledge article, a change); those for every council say so themselves;
- ``<user app>/user.jsonl`` (+ ``.csv``): the council's own people (those its records name in
  a field listed in the model's ``partner_people_fields``: a membership's person), without
  password hashes; anyone else a record names appears in it by username only;
- ``changes/changes.jsonl`` (+ ``.csv``): the change log of the partner's records, with the
  values before and after each change;
- ``files/<attachment id>/<original name>``: the file of each attachment of those records
  (their details are in ``core/attachment.jsonl``), copied in chunks;
- ``manifest.json``: format version, the partner, when the zip was made, and for every file its
  rows, bytes and SHA-256.

It streams: rows are read ``iterator(chunk_size=2000)`` and written straight into zip entries
opened with ``force_zip64=True``; a model's CSV goes through a temporary file that spills to
disk, so memory stays flat however many rows there are.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from core.exporting import Column, csv_cell, export_columns, plain_value
from core.models import Attachment, ChangeRecord
from core.tenancy.records import (
    AudienceCouncil,
    AudienceModel,
    CatalogueModel,
    ConcordModel,
    OwnerShare,
    SharedOwnershipModel,
)

FORMAT_VERSION = "1"
CHUNK_SIZE = 2000
#: Fields of a person never written to an export.
PERSON_FIELDS_LEFT_OUT = frozenset({"password"})
# Bytes gathered before they are written to a zip entry, and kept in memory for a CSV.
_WRITE_BUFFER = 64 * 1024
_SPOOL_BYTES = 1024 * 1024

ProgressCallback = Callable[[int, int], None]


def exported_models() -> list[type[ConcordModel]]:
    """Every concrete scoped model that partners can own, in a stable order."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, ConcordModel) or issubclass(model, CatalogueModel):
            continue
        if model._meta.abstract or model._meta.proxy:
            continue
        found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def entry_name(model: type[models.Model]) -> str:
    """The zip path of a model's files, without the extension: ``estate/site``."""
    return f"{model._meta.app_label}/{model._meta.model_name}"


class _Entry:
    """A zip entry being written: counts its bytes and works out its SHA-256 as it goes."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.name = name
        self._stream = archive.open(name, "w", force_zip64=True)
        self._hash = hashlib.sha256()
        self._buffer: list[bytes] = []
        self._buffered = 0
        self.bytes = 0
        self.rows = 0

    def write(self, data: bytes) -> None:
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= _WRITE_BUFFER:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        block = b"".join(self._buffer)
        self._buffer.clear()
        self._buffered = 0
        self._hash.update(block)
        self.bytes += len(block)
        self._stream.write(block)

    def abandon(self) -> None:
        if not self._stream.closed:
            self._stream.close()

    def close(self) -> dict[str, Any]:
        self.flush()
        self._stream.close()
        return {"rows": self.rows, "bytes": self.bytes, "sha256": self._hash.hexdigest()}


class _CsvSpool:
    """A CSV written to a temporary file (in memory while small, on disk after)."""

    def __init__(self, header: list[str]) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
        self._text = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
        self._writer = csv.writer(self._text)
        self._text.write("\ufeff")  # so that Excel reads accents and pound signs right
        self._writer.writerow(header)

    def writerow(self, cells: list[str]) -> None:
        self._writer.writerow(cells)

    def copy_into(self, entry: _Entry) -> None:
        self._text.flush()
        self.file.seek(0)
        while block := self.file.read(_WRITE_BUFFER):
            entry.write(block)

    def close(self) -> None:
        self._text.close()


@dataclass
class _Run:
    """One export under way: the archive, its manifest so far, and progress."""

    archive: zipfile.ZipFile
    total: int
    progress: ProgressCallback | None
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    done: int = 0

    def tick(self, force: bool = False) -> None:
        self.done += 1
        if self.progress and (force or self.done % CHUNK_SIZE == 0):
            self.progress(self.done, self.total)


def _json_line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n").encode("utf-8")


def _write_table(
    run: _Run,
    name: str,
    headers: list[str],
    rows: Iterator[tuple[Any, ...]],
    *,
    json_columns: frozenset[str] = frozenset(),
    counts_toward_progress: bool = True,
) -> None:
    """Write ``name.jsonl`` and ``name.csv`` from one pass over `rows`."""
    jsonl = _Entry(run.archive, f"{name}.jsonl")
    spool = _CsvSpool(headers)
    csv_entry: _Entry | None = None
    try:
        for row in rows:
            record = {h: plain_value(v) for h, v in zip(headers, row, strict=True)}
            jsonl.write(_json_line(record))
            spool.writerow(
                [
                    json.dumps(v, cls=DjangoJSONEncoder, ensure_ascii=False)
                    if h in json_columns and v is not None
                    else csv_cell(v)
                    for h, v in record.items()
                ]
            )
            jsonl.rows += 1
            if counts_toward_progress:
                run.tick()
        run.files[f"{name}.jsonl"] = jsonl.close()
        csv_entry = _Entry(run.archive, f"{name}.csv")
        csv_entry.rows = jsonl.rows
        spool.copy_into(csv_entry)
        run.files[f"{name}.csv"] = csv_entry.close()
    except BaseException:
        # Leave the archive closable, so the error that stopped the export is the one seen.
        jsonl.abandon()
        if csv_entry is not None:
            csv_entry.abandon()
        raise
    finally:
        spool.close()


def _owner_share_rows(
    partner: Any, shared: Sequence[type[ConcordModel]]
) -> Iterator[tuple[Any, ...]]:
    """The owner shares of every co-owned record the partner has a share in."""
    from django.contrib.contenttypes.models import ContentType

    for model in shared:
        content_type = ContentType.objects.get_for_model(model)
        owned = model.objects.owned_by(partner)
        key = getattr(model, "natural_key", None) or "pk"
        shares = (
            OwnerShare.objects.filter(content_type=content_type, object_id__in=owned.values("pk"))
            .annotate(record_key=Subquery(owned.filter(pk=OuterRef("object_id")).values(key)[:1]))
            .order_by("object_id", "partner__code")
            .values_list("object_id", "record_key", "partner__code", "percentage")
        )
        for object_id, record, code, percentage in shares.iterator(chunk_size=CHUNK_SIZE):
            yield (model._meta.label, object_id, record, code, percentage)


def _audience_rows(
    partner: Any, addressed: Sequence[type[ConcordModel]]
) -> Iterator[tuple[Any, ...]]:
    """Which records for chosen councils name the partner (those for every council say so
    in their own ``for_all_councils`` column). Only the partner's own row of each: which other
    councils a record is for is not the partner's data."""
    from django.contrib.contenttypes.models import ContentType

    for model in addressed:
        content_type = ContentType.objects.get_for_model(model)
        owned = model.objects.owned_by(partner)
        key = getattr(model, "natural_key", None) or "pk"
        rows = (
            AudienceCouncil.objects.filter(content_type=content_type, partner=partner)
            .annotate(record_key=Subquery(owned.filter(pk=OuterRef("object_id")).values(key)[:1]))
            .order_by("object_id")
            .values_list("object_id", "record_key", "partner__code")
        )
        for object_id, record, code in rows.iterator(chunk_size=CHUNK_SIZE):
            yield (model._meta.label, object_id, record, code)


def attachment_entry(attachment_id: int, original_name: str) -> str:
    """The zip path of an attachment's file: ``files/<attachment id>/<original name>``."""
    from core.attachments import original_name_of

    return f"files/{attachment_id}/{original_name_of(original_name)}"


def _write_attachment_files(run: _Run, partner: Any) -> None:
    """The files of the partner's attachments, each copied into the zip in chunks.

    Listed in the manifest with their bytes and SHA-256 (and whether that matches the checksum
    recorded at upload); a file missing from the storage is listed as missing.
    """
    rows = (
        Attachment.objects.owned_by(partner)
        .order_by("pk")
        .values_list("pk", "file", "original_name", "sha256")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for pk, stored, original_name, recorded in rows:
        name = attachment_entry(pk, original_name)
        try:
            source = default_storage.open(stored, "rb")
        except (OSError, ValueError):
            run.files[name] = {"attachment": pk, "missing": True}
            continue
        entry = _Entry(run.archive, name)
        try:
            with source:
                while block := source.read(_WRITE_BUFFER):
                    entry.write(block)
        except BaseException:
            entry.abandon()
            raise
        written = entry.close()
        run.files[name] = {
            "attachment": pk,
            "bytes": written["bytes"],
            "sha256": written["sha256"],
            "intact": written["sha256"] == recorded,
        }


def _people_query(partner: Any, exported: list[type[ConcordModel]]) -> Any:
    """The partner's own people: those its records name through a field the model declares
    in `partner_people_fields` (a membership's person). Anyone else a record names is
    written there by username only: a shared-service agent's or another council's person's
    account is not this council's data."""
    user_model = get_user_model()
    condition = Q(pk__in=[])
    for model in exported:
        for name in model.partner_people_fields:
            f = model._meta.get_field(name)
            if not (isinstance(f, models.ForeignKey) and f.related_model is user_model):
                raise TypeError(
                    f"{model._meta.label}.partner_people_fields names {name!r}, which is not a "
                    "foreign key to the user model"
                )
            condition |= Q(pk__in=model.objects.owned_by(partner).values(f.attname))
    return user_model._default_manager.filter(condition).order_by("pk")


def _change_columns() -> list[Column]:
    return [
        Column("id", "id"),
        Column("at", "at"),
        Column("actor", f"actor__{get_user_model().USERNAME_FIELD}"),
        Column("actor_label", "actor_label"),
        Column("request_id", "request_id"),
        Column("action", "action"),
        Column("app_label", "content_type__app_label"),
        Column("model", "content_type__model"),
        Column("object_id", "object_id"),
        Column("object_repr", "object_repr"),
        Column("before", "before"),
        Column("after", "after"),
        Column("changed_fields", "changed_fields"),
    ]


def _count_rows(partner: Any, exported: list[type[ConcordModel]]) -> int:
    total = 0
    for model in exported:
        total += model.objects.owned_by(partner).count()
    total += ChangeRecord.objects.owned_by(partner).count()
    return total


def export_partner(
    partner: Any, out: str | os.PathLike[str] | IO[bytes], progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Write the zip of everything `partner` owns or co-owns to `out`; return its manifest.

    `out` is a path or a binary file open for writing. `progress(done, total)` is called every
    few thousand rows. Nothing is held in memory beyond a chunk of rows.
    """
    use_snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    if use_snapshot:
        # One consistent picture of the partner's data, however long the export takes.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return _export(partner, out, progress)
    return _export(partner, out, progress)


def _export(
    partner: Any, out: str | os.PathLike[str] | IO[bytes], progress: ProgressCallback | None
) -> dict[str, Any]:
    exported = exported_models()
    generated_at = timezone.now().astimezone(datetime.UTC)
    total = _count_rows(partner, exported)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        run = _Run(archive=archive, total=total, progress=progress)
        if progress:
            progress(0, total)
        for model in exported:
            columns = export_columns(model)
            queryset = model.objects.owned_by(partner).order_by("pk")
            rows = queryset.values_list(*[c.lookup for c in columns]).iterator(
                chunk_size=CHUNK_SIZE
            )
            _write_table(run, entry_name(model), [c.header for c in columns], rows)

        if Attachment in exported:
            _write_attachment_files(run, partner)

        shared = [m for m in exported if issubclass(m, SharedOwnershipModel)]
        _write_table(
            run,
            "core/ownershare",
            ["model", "object_id", "record", "partner", "percentage"],
            _owner_share_rows(partner, shared),
            counts_toward_progress=False,
        )

        addressed = [m for m in exported if issubclass(m, AudienceModel)]
        _write_table(
            run,
            "core/audiencecouncil",
            ["model", "object_id", "record", "partner"],
            _audience_rows(partner, addressed),
            counts_toward_progress=False,
        )

        user_model = get_user_model()
        person_fields = [
            f.attname
            for f in user_model._meta.concrete_fields
            if f.name not in PERSON_FIELDS_LEFT_OUT
        ]
        people = _people_query(partner, exported).values_list(*person_fields)
        _write_table(
            run,
            entry_name(user_model),
            person_fields,
            people.iterator(chunk_size=CHUNK_SIZE),
            counts_toward_progress=False,
        )

        change_columns = _change_columns()
        changes = (
            ChangeRecord.objects.owned_by(partner)
            .order_by("pk")
            .values_list(*[c.lookup for c in change_columns])
            .iterator(chunk_size=CHUNK_SIZE)
        )
        _write_table(
            run,
            "changes/changes",
            [c.header for c in change_columns],
            changes,
            json_columns=frozenset({"before", "after", "changed_fields"}),
        )

        manifest = {
            "format_version": FORMAT_VERSION,
            "partner": {
                "code": partner.code,
                "name": partner.name,
                "gss_code": partner.gss_code,
            },
            "generated_at": generated_at.isoformat(),
            "time_zone": "UTC",
            "models": [m._meta.label for m in exported],
            "files": run.files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        if progress:
            progress(run.done, total)
    return manifest


def default_filename(partner: Any) -> str:
    """A file name for a partner's export: ``wcc-export-20250101-120000.zip``."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"{partner.code}-export-{stamp}.zip"


def storage_prefix() -> str:
    """Where partner exports are kept in the default storage."""
    return str(getattr(settings, "CONCORD_PARTNER_EXPORT_DIR", "partner-exports"))
