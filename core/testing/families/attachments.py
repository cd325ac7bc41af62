"""Attachment tests: files on a record are seen and changed exactly as the record is.

For a model whose records take attachments (``attachable``): attaching, downloading and
deleting a file on the record's page and through the attachments API as the permitted person
(the change records name them), refused to the denied people (403), and a 404 for the outsider.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.testing.cast import Cast
from core.testing.families.base import (
    FamilyBase,
    all_of,
    applies,
    change_records,
    content_of,
    has_denied,
    has_outsider,
    has_page,
    results_of,
    unscoped,
)


class AttachmentTests(FamilyBase):
    """The tests of attachments on a model's records."""

    # Attachments (core.Attachment): seen and changed exactly as the record ----------------

    def attachment_file(self, name: str = "Family notes.pdf") -> Any:
        """A small real file to attach."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile(name, b"%PDF-1.4 family test\n" * 50, content_type="text/html")

    def attachment_upload_url(self, obj: Any) -> str:
        meta = obj._meta
        return reverse("core:attachment_upload", args=[meta.app_label, meta.model_name, obj.pk])

    def attach(self, obj: Any) -> Any:
        """An attachment of `obj`, as the system would add it."""
        from core.attachments import attach_file

        return self.given(attach_file, obj, self.attachment_file(), None)

    @pytest.fixture
    def attachment_storage(self, settings: Any, tmp_path: Any) -> Any:
        """Uploaded files go to a temporary folder."""
        settings.MEDIA_ROOT = str(tmp_path / "media")
        return tmp_path / "media"

    @applies(all_of(has_page("detail"), lambda cls: cls.model.attachable))
    def test_attachments_page_permitted(
        self, cast: Cast, client_for: Any, attachment_storage: Any
    ) -> None:
        from core.models import Attachment

        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        response = client.post(self.attachment_upload_url(obj), {"file": self.attachment_file()})
        assert response.status_code == 302, content_of(response)[:2000]
        attachment = unscoped(Attachment).get()
        assert attachment.record == obj
        assert change_records(Attachment, attachment.pk, "create").filter(actor=user).exists()
        page = content_of(client.get(self.url("detail", obj)))
        download = reverse("core:attachment_download", args=[attachment.pk])
        assert download in page and "Family notes.pdf" in page
        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert (
            client.post(reverse("core:attachment_delete", args=[attachment.pk])).status_code == 302
        )
        assert not unscoped(Attachment).exists()
        assert change_records(Attachment, attachment.pk, "delete").filter(actor=user).exists()

    @applies(all_of(has_page("detail"), has_denied, lambda cls: cls.model.attachable))
    def test_attachments_denied_403(
        self, cast: Cast, client_for: Any, attachment_storage: Any
    ) -> None:
        obj = self.given(self.sample, cast)
        attachment = self.attach(obj)
        for name in self.denied:
            client = client_for(self.user(cast, name))
            assert client.get(attachment.get_absolute_url()).status_code == 200, name
            response = client.post(
                self.attachment_upload_url(obj), {"file": self.attachment_file()}
            )
            assert response.status_code == 403, name
            delete = reverse("core:attachment_delete", args=[attachment.pk])
            assert client.post(delete).status_code == 403, name
        assert self.refetch(obj) is not None

    @applies(all_of(has_page("detail"), has_outsider, lambda cls: cls.model.attachable))
    def test_attachments_outsider_404(
        self, cast: Cast, client_for: Any, api_client_for: Any, attachment_storage: Any
    ) -> None:
        from core.attachments import record_ref

        obj = self.given(self.sample, cast)
        attachment = self.attach(obj)
        outsider = self.user(cast, self.outsider)
        client = client_for(outsider)
        assert client.get(attachment.get_absolute_url()).status_code == 404
        delete = reverse("core:attachment_delete", args=[attachment.pk])
        assert client.post(delete).status_code == 404
        upload = client.post(self.attachment_upload_url(obj), {"file": self.attachment_file()})
        assert upload.status_code == 404
        api = api_client_for(outsider)
        assert api.get(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
        assert api.delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
        assert attachment.pk not in {r["id"] for r in results_of(api.get("/api/v1/attachments/"))}
        response = api.post(
            "/api/v1/attachments/",
            {"record": record_ref(obj), "file": self.attachment_file()},
            format="multipart",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "record"
        self.assert_secret_absent(cast, obj, content_of(response), "attachment refusal")

    @applies(all_of(has_page("detail"), lambda cls: cls.model.attachable))
    def test_attachments_api_permitted(
        self, cast: Cast, api_client_for: Any, attachment_storage: Any
    ) -> None:
        from core.attachments import record_ref
        from core.models import Attachment

        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = api_client_for(user)
        response = client.post(
            "/api/v1/attachments/",
            {"record": record_ref(obj), "file": self.attachment_file()},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        created = response.json()
        listed = client.get("/api/v1/attachments/", {"record": record_ref(obj)})
        assert [r["id"] for r in results_of(listed)] == [created["id"]]
        assert client.get(created["download_url"]).status_code == 200
        assert client.delete(f"/api/v1/attachments/{created['id']}/").status_code == 204
        assert not unscoped(Attachment).exists()
        for action in ("create", "delete"):
            assert change_records(Attachment, created["id"], action).filter(actor=user).exists()
