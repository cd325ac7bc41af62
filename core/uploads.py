"""Uploads bigger than anything Concord accepts are not stored whole.

Django writes an uploaded file to a temporary file as it arrives and only then hands it to the
view, which checks its size: a 5 GB upload would fill the disk before being refused. This
handler, first in ``FILE_UPLOAD_HANDLERS``, counts each file's bytes as they arrive; once a
file is bigger than the largest upload Concord accepts (an import or an attachment), the rest
of it is read and dropped, and the view receives an `OversizedUpload`: a stand-in with the
file's name and the size received, so the view's usual check refuses it with its usual
message ("The file is 5,000 MB; it must be no bigger than 50 MB"). A web server in front
should still cap request bodies (nginx ``client_max_body_size``).
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


def largest_upload() -> int:
    """The largest file any Concord page or endpoint accepts, in bytes."""
    return max(int(settings.CONCORD_IMPORT_MAX_BYTES), int(settings.CONCORD_ATTACHMENT_MAX_BYTES))


class OversizedUpload(UploadedFile):
    """Stands in for a file too big to keep: its name and size, and no content."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(b""), name, content_type, size, charset)

    def temporary_file_path(self) -> str:  # pragma: no cover - nothing was stored
        raise FileNotFoundError("an oversized upload was not kept")


class BoundedUploadHandler(FileUploadHandler):
    """Passes each file on to Django's handlers until it is bigger than `largest_upload()`."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = largest_upload()
        self.received = 0
        self.over = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.over = True
            return None  # the handlers after this one get nothing more: nothing more is stored
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over:
            return None  # Django's own handlers finish the file as usual
        return OversizedUpload(
            self.file_name or "upload", self.content_type or "", self.received, self.charset
        )
