"""Export and import tests, of the pages and the API, in CSV and XLSX.

Exports: exactly the rows the person may export (never the outsider's view of the first
council), the model's export columns, the list's filters, streaming, the page's file and the
API's file the same, formulas written as text, control characters stored before the text rule
exported (U+FFFD in a workbook). Imports: a check, then a confirmation (pages) or a dry run,
then a commit (API), a bad row that lands nothing, a hidden character refused on its row and
column, and refusals for the denied people and the outsider.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from core.testing.cast import Cast
from core.testing.families.base import (
    CONTROL_TEXT,
    DISGUISED_TEXT,
    FamilyBase,
    all_of,
    applies,
    assert_sign_in_redirect,
    content_of,
    csv_rows,
    formula_field,
    has_api,
    has_denied,
    has_outsider,
    has_page,
    has_text_column,
    imports,
    owned_by_one,
    typed_text_field,
    unscoped,
    xlsx_rows,
)


def csv_file(rows: list[dict[str, Any]], name: str = "import.csv") -> Any:
    """An uploaded CSV file made of `rows` (columns from the first row)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[dict[str, Any]], name: str = "import.xlsx") -> Any:
    """An uploaded Excel workbook made of `rows` (columns from the first row)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


class ExportImportTests(FamilyBase):
    """The tests of a model's export and import, on its list page and in its API."""

    # Pages: export ---------------------------------------------------------------------------

    @applies(has_page("export"))
    def test_page_export_anonymous(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        assert_sign_in_redirect(Client().get(self.url("export"), {"format": "csv"}))

    @applies(has_page("export"))
    def test_page_export_csv(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        other = self.given(self.make, cast, getattr(cast, self.owner))
        client = client_for(self.user(cast, self.permitted))
        response = client.get(self.url("export"), {"format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = csv_rows(response)
        assert list(rows[0]) == self.model.export_fields()
        ids = {row["id"] for row in rows}
        assert {str(obj.pk), str(other.pk)} <= ids
        # The export follows the list's filters.
        response = client.get(self.url("export"), {"format": "csv", "q": self.search_term(obj)})
        assert [row["id"] for row in csv_rows(response)] == [str(obj.pk)]

    @applies(has_page("export"))
    def test_page_export_xlsx(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.permitted))
        response = client.get(self.url("export"), {"format": "xlsx"})
        assert response.status_code == 200
        assert "spreadsheetml" in response["Content-Type"]
        rows = xlsx_rows(response)
        assert list(rows[0]) == self.model.export_fields()
        assert str(obj.pk) in {str(row["id"]) for row in rows}

    @applies(all_of(has_page("export"), has_denied))
    def test_page_export_denied(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in self.denied:
            user = self.user(cast, name)
            response = client_for(user).get(self.url("export"), {"format": "csv"})
            if self.can(user, "export", obj):
                assert response.status_code == 200, name
                assert str(obj.pk) in {row["id"] for row in csv_rows(response)}, name
            else:
                assert response.status_code == 403, name

    @applies(all_of(has_page("export"), has_outsider))
    def test_page_export_outsider(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        client = client_for(outsider)
        for fmt in ("csv", "xlsx"):
            response = client.get(self.url("export"), {"format": fmt})
            if not self.can(outsider, "export"):
                assert response.status_code == 403
                continue
            assert response.status_code == 200
            rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
            assert str(obj.pk) not in {str(row["id"]) for row in rows}
            flat = " ".join(str(v) for row in rows for v in row.values())
            self.assert_secret_absent(cast, obj, flat, f"{fmt} export")

    @applies(has_page("export"))
    def test_page_export_bad_format(self, cast: Cast, client_for: Any) -> None:
        client = client_for(self.user(cast, self.permitted))
        response = client.get(self.url("export"), {"format": "exe"})
        assert response.status_code in (400, 404)

    # Pages: import ---------------------------------------------------------------------------

    def page_upload(self, client: Any, rows: list[dict[str, Any]]) -> Any:
        """Upload `rows` as a CSV file; the answer redirects to the check's report."""
        return client.post(self.url("import"), {"file": csv_file(rows)})

    @staticmethod
    def job_of(response: Any) -> str:
        """The import job token in the redirect after an upload."""
        from urllib.parse import parse_qs, urlsplit

        assert response.status_code == 302, content_of(response)[:3000]
        return parse_qs(urlsplit(response["Location"]).query)["job"][0]

    @applies(all_of(has_page("import"), imports))
    def test_page_import_anonymous(self, cast: Cast) -> None:
        rows = self.import_rows(cast, getattr(cast, self.owner))
        client = Client()
        assert_sign_in_redirect(client.get(self.url("import")))
        assert_sign_in_redirect(self.page_upload(client, rows))
        assert self.find(rows[0]) is None

    @applies(all_of(has_page("import"), imports))
    def test_page_import_check_then_confirm(
        self, cast: Cast, client_for: Any, settings: Any, tmp_path: Any
    ) -> None:
        settings.MEDIA_ROOT = str(tmp_path)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        assert client.get(self.url("import")).status_code == 200
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = self.page_upload(client, rows)
        job = self.job_of(response)
        report = client.get(response["Location"])
        assert report.status_code == 200
        text = content_of(report)
        assert f"{len(rows)} rows ready to import" in text
        assert "Confirm import" in text
        assert all(self.find(row) is None for row in rows), "a check must change nothing"
        response = client.post(self.url("import"), {"action": "confirm", "job": job})
        assert response.status_code == 302
        assert "Import complete" in content_of(client.get(response["Location"]))
        for row in rows:
            created = self.find(row)
            assert created is not None, row
            self.assert_changed_by(created.pk, "create", user)

    @applies(all_of(has_page("import"), imports))
    def test_page_import_bad_row_lists_it_and_lands_nothing(
        self, cast: Cast, client_for: Any, settings: Any, tmp_path: Any
    ) -> None:
        settings.MEDIA_ROOT = str(tmp_path)
        client = client_for(self.user(cast, self.permitted))
        owner = getattr(cast, self.owner)
        rows = self.import_rows(cast, owner)
        bad, column = self.bad_import_row(cast, owner)
        response = self.page_upload(client, [*rows, bad])
        job = self.job_of(response)
        text = content_of(client.get(response["Location"]))
        # Row 1 is the header: the bad row is the spreadsheet's row len(rows) + 2.
        assert f">{len(rows) + 2}</td>" in text
        assert f">{column}</td>" in text
        assert "Confirm import" not in text
        client.post(self.url("import"), {"action": "confirm", "job": job})
        assert all(self.find(row) is None for row in rows)

    @applies(all_of(has_page("import"), imports, has_denied))
    def test_page_import_denied_403(self, cast: Cast, client_for: Any) -> None:
        rows = self.import_rows(cast, getattr(cast, self.owner))
        for name in self.denied:
            user = self.user(cast, name)
            if self.can(user, "import"):
                continue  # may import (for their own councils): the rows' checks decide
            client = client_for(user)
            assert client.get(self.url("import")).status_code == 403, name
            assert self.page_upload(client, rows).status_code == 403, name
        assert all(self.find(row) is None for row in rows)

    @applies(all_of(has_page("import"), imports, has_outsider))
    def test_page_import_outsider_refused(
        self, cast: Cast, client_for: Any, settings: Any, tmp_path: Any
    ) -> None:
        settings.MEDIA_ROOT = str(tmp_path)
        obj = self.given(self.sample, cast)
        rows = self.import_rows(cast, getattr(cast, self.owner))
        # The permitted person's check of the file is theirs alone.
        job = self.job_of(self.page_upload(client_for(self.user(cast, self.permitted)), rows))
        outsider = self.user(cast, self.outsider)
        client = client_for(outsider)
        url = self.url("import")
        if not self.can(outsider, "import"):
            assert client.get(url).status_code == 403
            assert self.page_upload(client, rows).status_code == 403
        else:
            assert client.get(url, {"job": job}).status_code == 404
            assert client.post(url, {"action": "confirm", "job": job}).status_code == 404
            response = self.page_upload(client, rows)
            own_job = self.job_of(response)
            text = content_of(client.get(response["Location"]))
            assert "Confirm import" not in text
            self.assert_secret_absent(cast, obj, text, "import report")
            client.post(url, {"action": "confirm", "job": own_job})
        assert all(self.find(row) is None for row in rows)

    # API: import -----------------------------------------------------------------------------

    def api_import(self, client: Any, rows: list[dict[str, Any]], dry_run: bool) -> Any:
        return client.post(
            self.api_url("import"),
            {"file": csv_file(rows), "dry_run": "true" if dry_run else "false"},
            format="multipart",
        )

    @applies(all_of(has_api("import"), imports))
    def test_api_import_anonymous_401(self, cast: Cast) -> None:
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = Client().post(
            self.api_url("import"), {"file": csv_file(rows), "dry_run": "false"}
        )
        assert response.status_code == 401
        assert self.find(rows[0]) is None

    @applies(all_of(has_api("import"), imports))
    def test_api_import_dry_run_then_commit(self, cast: Cast, api_client_for: Any) -> None:
        user = self.user(cast, self.permitted)
        client = api_client_for(user)
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = self.api_import(client, rows, dry_run=True)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["dry_run"] is True and body["created"] == len(rows) and body["errors"] == []
        assert all(self.find(row) is None for row in rows)
        response = self.api_import(client, rows, dry_run=False)
        assert response.status_code == 200, response.content
        assert response.json()["created"] == len(rows)
        for row in rows:
            created = self.find(row)
            assert created is not None, row
            self.assert_changed_by(created.pk, "create", user)

    @applies(all_of(has_api("import"), imports))
    def test_api_import_xlsx(self, cast: Cast, api_client_for: Any) -> None:
        user = self.user(cast, self.permitted)
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = api_client_for(user).post(
            self.api_url("import"),
            {"file": xlsx_file(rows), "dry_run": "false"},
            format="multipart",
        )
        assert response.status_code == 200, response.content
        assert response.json()["created"] == len(rows)
        assert all(self.find(row) is not None for row in rows)

    @applies(all_of(has_api("import"), imports))
    def test_api_import_bad_row_lands_nothing(self, cast: Cast, api_client_for: Any) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        owner = getattr(cast, self.owner)
        rows = self.import_rows(cast, owner)
        bad, column = self.bad_import_row(cast, owner)
        for dry_run in (True, False):
            response = self.api_import(client, [*rows, bad], dry_run=dry_run)
            assert response.status_code == 400, response.content
            errors = response.json()["errors"]
            # Row 1 is the header: the bad row is the spreadsheet's row len(rows) + 2.
            assert {"row": len(rows) + 2, "field": column} in [
                {"row": e["row"], "field": e["field"]} for e in errors
            ], errors
            assert all(e["message"] for e in errors)
        assert all(self.find(row) is None for row in rows)

    @applies(all_of(has_api("import"), imports))
    def test_api_import_refuses_hidden_characters(self, cast: Cast, api_client_for: Any) -> None:
        """The text rule holds for every model's import: a right-to-left override in the first
        text column a person types is an error on that row and column, and nothing lands."""
        client = api_client_for(self.user(cast, self.permitted))
        rows = self.import_rows(cast, getattr(cast, self.owner))
        field = typed_text_field(self.model, rows[0])
        if field is None:
            pytest.skip("no text column a person types")
        bad = {**rows[0], field: DISGUISED_TEXT}
        response = self.api_import(client, [bad, *rows[1:]], dry_run=False)
        assert response.status_code == 400, response.content
        errors = [e for e in response.json()["errors"] if "U+202E" in e["message"]]
        assert [(e["row"], e["field"]) for e in errors] == [(2, field)], response.content
        assert all(self.find(row) is None for row in rows[1:])

    @applies(all_of(has_api("import"), imports, has_denied))
    def test_api_import_denied_403(self, cast: Cast, api_client_for: Any) -> None:
        rows = self.import_rows(cast, getattr(cast, self.owner))
        for name in self.denied:
            user = self.user(cast, name)
            response = self.api_import(api_client_for(user), rows, dry_run=False)
            if self.can(user, "import"):
                assert response.status_code == 400, name  # may import, but not for this owner
            else:
                assert response.status_code == 403, name
        assert all(self.find(row) is None for row in rows)

    @applies(all_of(has_api("import"), imports, has_outsider))
    def test_api_import_outsider_refused(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = self.api_import(api_client_for(outsider), rows, dry_run=False)
        assert response.status_code == (400 if self.can(outsider, "import") else 403)
        assert all(self.find(row) is None for row in rows)
        self.assert_secret_absent(cast, obj, content_of(response), "import errors")

    # API: export -----------------------------------------------------------------------------

    def api_export(self, client: Any, fmt: str = "csv", **params: Any) -> Any:
        return client.get(self.api_url("export"), {"format": fmt, **params})

    @staticmethod
    def exported(response: Any, fmt: str) -> list[dict[str, Any]]:
        """The rows of an API export: it streams, and parses as the format it claims."""
        assert response.status_code == 200, content_of(response)[:2000]
        assert response.streaming, "an export must stream, not be built in memory"
        assert response["Content-Disposition"].startswith("attachment;")
        if fmt == "csv":
            assert response["Content-Type"].startswith("text/csv")
            return csv_rows(response)
        assert "spreadsheetml" in response["Content-Type"]
        return xlsx_rows(response)

    def exportable_ids(self, user: Any) -> set[str]:
        """Ids of every record `user` may export, by the one visibility rule."""
        rows = self.model.objects.visible_to(user, "export").values_list("pk", flat=True)
        return {str(pk) for pk in rows}

    def api_filterset_class(self) -> Any:
        """The filter set of the model's API list (which its export shares)."""
        from django.urls import resolve

        return resolve(self.api_url("list")).func.cls.filterset_class  # type: ignore[attr-defined]

    def foreign_record(self, cast: Cast) -> Any:
        """A record of the outsider's own council (None without an outsider)."""
        if not self.outsider:
            return None
        return self.given(self.make, cast, cast.partner_of(self.user(cast, self.outsider)))

    @applies(has_api("export"))
    def test_api_export_anonymous_401(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        for fmt in ("csv", "xlsx"):
            response = Client().get(self.api_url("export"), {"format": fmt})
            assert response.status_code == 401, fmt
            assert response.json()["status"] == 401

    @applies(has_api("export"))
    def test_api_export_csv(self, cast: Cast, api_client_for: Any) -> None:
        """Exactly the rows the person may export (never another council's), with the page
        export's columns; filtered as the list; its queries do not grow with its rows."""
        from django.test.utils import CaptureQueriesContext

        obj = self.given(self.sample, cast)
        owner = getattr(cast, self.owner)
        other = self.given(self.make, cast, owner)
        foreign = self.foreign_record(cast)
        user = self.user(cast, self.permitted)
        client = api_client_for(user)
        rows = self.exported(self.api_export(client), "csv")
        assert list(rows[0]) == self.model.export_fields()
        ids = {row["id"] for row in rows}
        assert ids == self.exportable_ids(user)
        assert {str(obj.pk), str(other.pk)} <= ids
        if foreign is not None and not self.can(user, "view", foreign):
            assert str(foreign.pk) not in ids
        # The list's search is the export's: one record.
        found = self.exported(self.api_export(client, q=self.search_term(obj)), "csv")
        assert [row["id"] for row in found] == [str(obj.pk)]
        with CaptureQueriesContext(connection) as few:
            self.exported(self.api_export(client), "csv")
        for _ in range(3):
            self.given(self.make, cast, owner)
        with CaptureQueriesContext(connection) as more:
            assert len(self.exported(self.api_export(client), "csv")) == len(rows) + 3
        assert len(more) == len(few), "the export's queries grow with its rows"

    @applies(all_of(has_api("export"), has_page("export")))
    def test_api_export_is_the_page_export(self, cast: Cast, client_for: Any) -> None:
        """The API's file and the list page's file of the same rows are the same rows."""
        self.given(self.sample, cast)
        self.given(self.make, cast, getattr(cast, self.owner))
        client = client_for(self.user(cast, self.permitted))  # the API takes the session too
        for fmt in ("csv", "xlsx"):
            from_api = self.exported(self.api_export(client, fmt), fmt)
            from_page = client.get(self.url("export"), {"format": fmt})
            assert from_page.status_code == 200
            page_rows = csv_rows(from_page) if fmt == "csv" else xlsx_rows(from_page)
            assert from_api == page_rows, fmt

    @applies(has_api("export"))
    def test_api_export_xlsx(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)  # signed in as a browser is: session, not token
        rows = self.exported(self.api_export(client, "xlsx"), "xlsx")
        assert list(rows[0]) == self.model.export_fields()
        assert {str(row["id"]) for row in rows} == self.exportable_ids(user)
        found = self.exported(self.api_export(client, "xlsx", q=self.search_term(obj)), "xlsx")
        assert [str(row["id"]) for row in found] == [str(obj.pk)]

    @applies(has_api("export"))
    def test_api_export_without_permission_403(self, cast: Cast, api_client_for: Any) -> None:
        """A person without the export grant gets a 403 (and no file); one with it, their rows.
        A council requester is checked too: no role of theirs grants export anywhere."""
        obj = self.given(self.sample, cast)
        refused = 0
        for name in dict.fromkeys((*self.denied, "wcc_staff")):
            user = self.user(cast, name)
            response = self.api_export(api_client_for(user))
            if self.can(user, "export"):
                ids = {row["id"] for row in self.exported(response, "csv")}
                assert ids == self.exportable_ids(user), name
                if self.can(user, "export", obj):
                    assert str(obj.pk) in ids, name
                continue
            assert response.status_code == 403, name
            assert response.json()["errors"][0]["code"] == "permission_denied", name
            refused += 1
        assert refused, "no one declared is refused the export: declare a denied person"

    @applies(all_of(has_api("export"), has_outsider))
    def test_api_export_outsider(self, cast: Cast, api_client_for: Any) -> None:
        """Another council's person: never a row, a name or a search hit of the first
        council's records; naming the first council in a filter is refused, not answered."""
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        theirs = self.foreign_record(cast)
        client = api_client_for(outsider)
        for fmt in ("csv", "xlsx"):
            response = self.api_export(client, fmt)
            if not self.can(outsider, "export"):
                assert response.status_code == 403, fmt
                continue
            rows = self.exported(response, fmt)
            ids = {str(row["id"]) for row in rows}
            assert str(obj.pk) not in ids, fmt
            assert ids == self.exportable_ids(outsider), fmt
            if self.can(outsider, "export", theirs):
                assert str(theirs.pk) in ids, fmt
            flat = " ".join(str(v) for row in rows for v in row.values())
            self.assert_secret_absent(cast, obj, flat, f"API {fmt} export")
            term = self.search_term(obj)
            searched = self.exported(self.api_export(client, fmt, q=term), fmt)
            assert str(obj.pk) not in {str(row["id"]) for row in searched}, fmt
        if (
            self.can(outsider, "export")
            and owned_by_one(type(self))
            and "partner" in self.api_filterset_class().base_filters
        ):
            owner = getattr(cast, self.owner)
            response = self.api_export(client, partner=owner.pk)
            assert response.status_code == 400
            assert response.json()["errors"][0]["field"] == "partner"
            self.assert_secret_absent(cast, obj, content_of(response), "API export filter")

    @applies(has_api("export"))
    def test_api_export_bad_format_400(self, cast: Cast, api_client_for: Any) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        for fmt in ("exe", "json", ""):
            response = self.api_export(client, fmt or " ")
            assert response.status_code == 400, fmt
            body = response.json()
            assert body["status"] == 400
            assert [e["field"] for e in body["errors"]] == ["format"], fmt
        response = client.get(self.api_url("export"), {"ordering": "-no_such_field"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "ordering"

    @applies(all_of(has_api("export"), has_text_column))
    def test_exports_hold_control_characters_stored_before_the_rule(
        self, cast: Cast, api_client_for: Any, client_for: Any
    ) -> None:
        """Whatever is stored can be exported: a control character written past validation (as
        rows stored before the text rule were) is kept in a CSV file and shown as U+FFFD in a
        workbook, which cannot hold it; pages and API alike."""
        obj = self.given(self.sample, cast)
        field = formula_field(self.model)
        assert field is not None
        unscoped(self.model).unlogged("test: a value from before the text rule").filter(
            pk=obj.pk
        ).update(**{field: CONTROL_TEXT})
        user = self.user(cast, self.permitted)
        expected = {"csv": CONTROL_TEXT, "xlsx": CONTROL_TEXT.replace("\x07", "\ufffd")}
        for fmt in ("csv", "xlsx"):
            rows = self.exported(self.api_export(api_client_for(user), fmt), fmt)
            [row] = [row for row in rows if str(row["id"]) == str(obj.pk)]
            assert row[field] == expected[fmt], fmt
            if "export" in self.pages:
                response = client_for(user).get(self.url("export"), {"format": fmt})
                rows = self.exported(response, fmt)
                [row] = [row for row in rows if str(row["id"]) == str(obj.pk)]
                assert row[field] == expected[fmt], ("page", fmt)

    @applies(all_of(has_api("export"), has_text_column))
    def test_api_export_guards_formulas(self, cast: Cast, api_client_for: Any) -> None:
        """Text a spreadsheet would run as a formula is written with an apostrophe first."""
        obj = self.given(self.sample, cast)
        field = formula_field(self.model)
        assert field is not None
        # Short enough for any text column (a code of a few characters, on PostgreSQL too).
        formula = "=1+2"
        # Written straight into the row: a formula need not pass the model's own validation.
        unscoped(self.model).unlogged("test: a formula the form would refuse").filter(
            pk=obj.pk
        ).update(**{field: formula})
        client = api_client_for(self.user(cast, self.permitted))
        for fmt in ("csv", "xlsx"):
            rows = self.exported(self.api_export(client, fmt), fmt)
            [row] = [row for row in rows if str(row["id"]) == str(obj.pk)]
            assert row[field] == "'" + formula, fmt
