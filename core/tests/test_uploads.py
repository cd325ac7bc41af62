"""An upload bigger than anything Concord accepts is not stored whole, and is refused plainly."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from core.models import ImportJob
from core.tenancy.scoping import system_scope
from core.uploads import BoundedUploadHandler, OversizedUpload

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings, media_folder):
    settings.CONCORD_IMPORT_MAX_BYTES = 2000
    settings.CONCORD_ATTACHMENT_MAX_BYTES = 1000


def parse(body_file: bytes, name: str = "big.csv"):
    body = encode_multipart(
        BOUNDARY, {"action": "upload", "file": SimpleUploadedFile(name, body_file)}
    )
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    stored = TemporaryFileUploadHandler()
    handlers = [BoundedUploadHandler(), stored]
    post, files = MultiPartParser(meta, io.BytesIO(body), handlers).parse()
    return post, files, stored


def test_a_file_over_the_largest_limit_is_replaced_by_a_stand_in(small_limits):
    post, files, stored = parse(b"x" * 300_000)
    upload = files["file"]
    assert isinstance(upload, OversizedUpload)
    assert upload.name == "big.csv" and (upload.size or 0) > 2000
    assert upload.read() == b""
    assert post["action"] == "upload"  # the form's other fields still arrive
    # Django's handler after it was given no more than the limit (and a chunk).
    assert stored.file.tell() <= 2000 + 64 * 1024


def test_a_file_within_the_limit_passes_untouched(small_limits):
    _, files, _ = parse(b"a,b\n1,2\n")
    upload = files["file"]
    assert not isinstance(upload, OversizedUpload)
    assert upload.read() == b"a,b\n1,2\n"


def test_the_import_page_refuses_it_with_its_usual_message(cast, client_for, small_limits):
    client = client_for(cast.wcc_lead)
    response = client.post(
        "/rooms/import/", {"file": SimpleUploadedFile("rooms.csv", b"x" * 300_000)}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "it must be no bigger than" in text
    with system_scope("test"):
        assert not ImportJob.objects.unscoped("test").exists()


def test_the_api_refuses_an_oversized_attachment_naming_the_field(cast, small_limits):
    from core.api.testing import api_client
    from core.testing.sample.models import Room

    with system_scope("test data"):
        room = Room.objects.create(partner=cast.wcc, code="UP", name="Upload House")
    client = api_client(cast.wcc_lead)
    response = client.post(
        "/api/v1/attachments/",
        {
            "record": f"sample.room:{room.pk}",
            "file": SimpleUploadedFile("plan.pdf", b"%PDF" + b"x" * 300_000),
        },
        format="multipart",
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["file"]
    assert "must be smaller than" in errors[0]["message"]
