"""Demo data of the core: a few attached files, so the demo's records show the attachments panel.

Called by `concord demo` (partners.demo.app_loaders) inside its transaction, system scope and
change-log label. Files are written here, not fetched; a second run attaches nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from core.attachments import attach_file
from core.models import Attachment

# (model label, natural key field, value, file name, title, content)
DEMO_FILES = (
    (
        "partners.Site",
        "code",
        "WCH",
        "Westminster City Hall - comms rooms.csv",
        "Comms rooms and cabinets",
        "floor,room,cabinets,ups\n"
        "B1,Main comms room,6,yes\n"
        "2,Floor 2 hub,1,no\n"
        "8,Floor 8 hub,1,no\n",
    ),
    (
        "partners.Agreement",
        "reference",
        "IAA-2018-BI-ICT",
        "Bi-borough ICT agreement - summary.txt",
        "Summary of the agreement",
        "Bi-borough ICT shared service agreement (from 1 April 2018)\n\n"
        "Parties: City of Westminster; Royal Borough of Kensington and Chelsea.\n"
        "Costs of the shared service are split equally. Either council may leave on twelve\n"
        "months' notice; an exit plan hands the leaving council its data in open formats.\n",
    ),
)


def load_demo_data(partners: dict[str, Any], result: Any) -> None:
    """Attach the demo files to their records (once)."""
    from django.apps import apps

    for label, key, value, name, title, content in DEMO_FILES:
        model = apps.get_model(label)
        record = model.objects.unscoped("demo files").filter(**{key: value}).first()
        if record is None:
            continue
        kind = ContentType.objects.get_for_model(model)
        already = Attachment.objects.unscoped("demo files").filter(
            content_type=kind, object_id=record.pk, original_name=name
        )
        if already.exists():
            continue
        upload = SimpleUploadedFile(name, content.encode(), content_type="text/plain")
        attach_file(record, upload, None, title=title)
        result.created["attached files"] += 1
