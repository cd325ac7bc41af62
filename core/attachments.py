"""Files attached to records: the checks a file must pass, and attaching and removing one.

`core.models.Attachment` holds the file's details; who sees an attachment is its record's
business (``Attachment.visibility_filter``). This module is the one place that:

- checks an upload (`check_upload`): not empty, not over ``CONCORD_ATTACHMENT_MAX_BYTES``, and
  not a kind a browser or Windows would run (`BLOCKED_EXTENSIONS`, or an executable's first
  bytes), each refused with a message a person can act on;
- attaches a file to a record (`attach_file`), working out its size and SHA-256 as it is read
  in chunks, and its media type from its name (never from what the browser claimed);
- names records the way the API does (``estate.site:12``: `parse_record_ref`, `find_record`);
- says whether a person may add or remove a record's attachments (`may_change_record`);
- removes a record's attachments with the record (a signal), and their files once the database
  change is committed.

Pages (core.views.attachments) and the API (core.api.attachments) are thin on top of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from core.models import Attachment, attachable_models
from core.tenancy.access import CHANGE, VIEW, access_for
from core.tenancy.records import ConcordModel

#: Kinds of file that run when opened (Windows programs and scripts, installers, shortcuts,
#: macros) or that a browser would run as a page (HTML, SVG, XML with scripts). Refused
#: whatever their content; checked on every extension of the name ("report.pdf.exe").
BLOCKED_EXTENSIONS = frozenset(
    {
        # Programs, libraries and installers
        "exe", "com", "scr", "pif", "cpl", "dll", "sys", "drv", "ocx", "msi", "msp", "mst",
        "msix", "appx", "appxbundle", "application", "gadget", "apk", "app", "dmg", "pkg",
        "deb", "rpm", "bin", "run", "elf", "so", "dylib",
        # Scripts
        "bat", "cmd", "ps1", "ps1xml", "ps2", "psc1", "psm1", "vb", "vbe", "vbs", "ws", "wsc",
        "wsf", "wsh", "js", "jse", "mjs", "cjs", "jar", "sh", "bash", "zsh", "csh", "ksh",
        "py", "pyw", "pl", "rb", "php", "phtml", "asp", "aspx", "jsp", "cgi", "hta", "reg",
        "inf", "scf", "lnk", "url", "iso", "img", "vhd", "vhdx",
        # Pages and active documents a browser runs
        "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt",
        "swf",
        # Office files with macros
        "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "ppsm", "sldm",
    }
)  # fmt: skip

# First bytes of Windows (MZ) and Linux/Unix (ELF) programs: refused whatever the name says.
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF")

READ_CHUNK = 64 * 1024
MAX_NAME = 150


class RecordRefError(ValueError):
    """A record reference (``app_label.model:pk``) that is malformed or names no attachable
    kind of record."""


def max_bytes() -> int:
    """The largest file that may be attached (settings.CONCORD_ATTACHMENT_MAX_BYTES)."""
    return int(getattr(settings, "CONCORD_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def describe_size(size: int) -> str:
    """A size as people read it: 512 bytes, 34 KB, 2.5 MB."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    megabytes = size / (1024 * 1024)
    if megabytes >= 10 or megabytes == int(megabytes):
        return f"{megabytes:.0f} MB"
    return f"{megabytes:.1f} MB"


def original_name_of(name: str | None) -> str:
    """The name to keep and offer on download: the last part of the path, without control
    characters, at most 255 characters (keeping the extension)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > 255:
        stem, ext = os.path.splitext(base)
        base = stem[: 255 - len(ext)] + ext
    return base or "file"


def safe_filename(name: str) -> str:
    """A name safe in a storage path: ASCII letters, digits, dot, hyphen and underscore."""
    base = unicodedata.normalize("NFKD", original_name_of(name))
    base = base.encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.")
    stem, ext = os.path.splitext(cleaned or "file")
    ext = ext[:20]
    return (stem[: MAX_NAME - len(ext)] or "file") + ext


def extensions_of(name: str) -> list[str]:
    """Every extension in a name, lower case: ``report.PDF.exe`` gives ``["pdf", "exe"]``."""
    parts = original_name_of(name).lower().rstrip(". ").split(".")
    return [part.strip() for part in parts[1:] if part.strip()]


def media_type_for(name: str) -> str:
    """The media type worked out from a file's name (application/octet-stream if unknown)."""
    guessed, _ = mimetypes.guess_type(original_name_of(name), strict=False)
    return guessed or "application/octet-stream"


def check_upload(upload: Any) -> None:
    """Refuse a file that may not be attached, with a message that says what to do.

    Raises django's ValidationError (code ``empty``, ``too_big`` or ``blocked_type``).
    """
    if upload is None:
        raise ValidationError("Select a file to attach.", code="required")
    name = original_name_of(getattr(upload, "name", ""))
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationError("The selected file is empty.", code="empty")
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            f"The selected file must be smaller than {describe_size(limit)}.", code="too_big"
        )
    blocked = [ext for ext in extensions_of(name) if ext in BLOCKED_EXTENSIONS]
    if blocked:
        raise ValidationError(
            f"Files of type .{blocked[-1]} cannot be attached, because they can run programs. "
            "Attach a document, spreadsheet, image or PDF instead.",
            code="blocked_type",
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if isinstance(head, bytes) and head.startswith(EXECUTABLE_MAGIC):
        raise ValidationError(
            "The selected file is a program, which cannot be attached. "
            "Attach a document, spreadsheet, image or PDF instead.",
            code="blocked_type",
        )


def sha256_of(upload: Any) -> str:
    """The SHA-256 of an uploaded file, read in chunks (never whole into memory)."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(READ_CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


# Naming records --------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    """A record named as ``app_label.model:pk``."""

    model: type[ConcordModel]
    pk: int

    def __str__(self) -> str:
        return f"{self.model._meta.label_lower}:{self.pk}"


MAX_PK = 2**63 - 1
_REF = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*):([0-9]{1,19})\s*$")


def record_ref(obj: Any) -> str:
    """How the API names a record: ``estate.site:12``."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def parse_record_ref(value: Any) -> RecordRef:
    """``app_label.model:pk`` as a RecordRef; RecordRefError if malformed or not attachable."""
    if not isinstance(value, str):
        raise RecordRefError("Name the record as app_label.model:id, e.g. estate.site:12.")
    match = _REF.match(value)
    if match is None:
        raise RecordRefError("Name the record as app_label.model:id, e.g. estate.site:12.")
    label = f"{match.group(1)}.{match.group(2)}".lower()
    pk = int(match.group(3))
    by_label = {model._meta.label_lower: model for model in attachable_models()}
    model = by_label.get(label)
    if model is None:
        kinds = ", ".join(sorted(by_label))
        raise RecordRefError(f"Files cannot be attached to “{label}” records. Kinds: {kinds}.")
    if not 1 <= pk <= MAX_PK:
        raise RecordRefError("Name the record as app_label.model:id, e.g. estate.site:12.")
    return RecordRef(model=model, pk=pk)


def attachable_model(app_label: str, model_name: str) -> type[ConcordModel] | None:
    """The attachable model named by app label and model name (None if there is none)."""
    label = f"{app_label}.{model_name}".lower()
    for model in attachable_models():
        if model._meta.label_lower == label:
            return model
    return None


def find_record(ref: RecordRef, user: Any) -> Any:
    """The record `ref` names if `user` may see it, else None (whether it exists or not)."""
    return ref.model.objects.visible_to(user, VIEW).filter(pk=ref.pk).first()


def may_change_record(user: Any, record: Any) -> bool:
    """May `user` add or delete attachments of `record` (a record they can see)?

    Exactly when they may change the record: the same grant, the same owners, and read-only
    when its owners have all left the partnership.
    """
    own = record.is_own_record(user)
    return access_for(user).can(CHANGE, record.area, record.owning_partner_ids(), own=own)


# Attaching and removing ------------------------------------------------------------------


def attach_file(
    record: ConcordModel, upload: Any, user: Any, title: str = "", description: str = ""
) -> Attachment:
    """Attach `upload` to `record` as `user` (checked first; the change log records it).

    The caller has checked that `user` may change `record`. The file goes to the default
    storage, read in chunks; its size and SHA-256 are worked out the same way.
    """
    check_upload(upload)
    name = original_name_of(upload.name)
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        original_name=name,
        title=(title or "").strip()[:200],
        description=(description or "").strip(),
        size=int(upload.size),
        sha256=sha256_of(upload),
        media_type=media_type_for(name)[:100],
        uploaded_by=user if getattr(user, "pk", None) else None,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(name, upload, save=False)
    try:
        attachment.save()
    except BaseException:
        # No row refers to the stored file: remove it again. (Should an enclosing transaction
        # roll back later, the file stays behind unreferenced, never served, until
        # `concord cleanup` removes it: core/cleanup.py.)
        _remove_file(attachment.file.name)
        raise
    return attachment


def delete_attachment(attachment: Attachment) -> None:
    """Delete an attachment (the change log records it); its file goes once committed."""
    attachment.delete()


def _remove_file(name: str) -> None:
    if name:
        with contextlib.suppress(OSError):  # already gone: nothing to tidy
            default_storage.delete(name)


@receiver(post_delete, sender=Attachment, dispatch_uid="concord_attachment_file")
def _remove_file_after_delete(sender: type, instance: Attachment, **kwargs: Any) -> None:
    name = instance.file.name if instance.file else ""
    if name:
        transaction.on_commit(lambda: _remove_file(name))


@receiver(pre_delete, dispatch_uid="concord_attachments_go_with_record")
def _delete_attachments_with_record(sender: type, instance: Any, **kwargs: Any) -> None:
    """A record's attachments go with it, each leaving its own change record."""
    if not isinstance(instance, ConcordModel) or not type(instance).attachable:
        return
    if instance.pk is None:
        return
    content_type = ContentType.objects.get_for_model(type(instance))
    attached = Attachment.objects.unscoped("the attachments of a record being deleted").filter(
        content_type=content_type, object_id=instance.pk
    )
    for attachment in list(attached):
        attachment.delete()


# The section of a detail page ------------------------------------------------------------


def attachments_panel(record: Any, user: Any) -> dict[str, Any] | None:
    """What a record's detail page shows of its attachments (None: the record takes none)."""
    model = type(record)
    if not getattr(model, "attachable", False):
        return None
    content_type = ContentType.objects.get_for_model(model)
    rows = list(
        Attachment.objects.visible_to(user, VIEW)
        .filter(content_type=content_type, object_id=record.pk)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-id")
    )
    can_change = may_change_record(user, record)
    return {
        "rows": rows,
        "can_change": can_change,
        "upload_url": (
            reverse(
                "core:attachment_upload",
                args=[content_type.app_label, content_type.model, record.pk],
            )
            if can_change
            else None
        ),
        "max_size": describe_size(max_bytes()),
    }
