"""The import page in a real browser: its error summary comes first and leads to the file."""

from __future__ import annotations

import pytest

from core.testing.browser import screenshot
from core.tests.test_views_browser import signed_in_page, wait_for_scripts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_upload_error_summary_comes_first_and_leads_to_the_file_input(
    cast, live_server, browser, media_folder
):
    from playwright.sync_api import expect

    page = signed_in_page(browser, live_server, "wcc.lead")
    try:
        page.goto("/rooms/import/")
        wait_for_scripts(page)
        page.get_by_label("Upload a file").set_input_files(
            files=[{"name": "rooms.csv", "mimeType": "text/csv", "buffer": b""}]
        )
        page.get_by_role("button", name="Check the file").click()
        page.wait_for_load_state()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()  # GOV.UK's summary takes focus as the page loads
        # First in the main content: before the page's heading.
        assert page.evaluate(
            "document.querySelector('main .govuk-error-summary')"
            ".compareDocumentPosition(document.querySelector('main h1'))"
            " & Node.DOCUMENT_POSITION_FOLLOWING"
        )
        summary.get_by_role("link", name="The file is empty.").click()
        expect(page.get_by_label("Upload a file")).to_be_focused()
    except Exception:
        print("screenshot:", screenshot(page, "import-upload-error"))
        raise


def test_the_columns_and_both_templates_download_from_plain_links(
    cast, live_server, browser, tmp_path
):
    page = signed_in_page(browser, live_server, "wcc.lead")
    try:
        page.goto("/rooms/import/")
        table = page.locator("#import-columns")
        assert table.locator("tbody tr").count() == 8
        assert "No: leave it empty for wcc" in table.inner_text()
        for link, suffix in (("Download the Excel template", ".xlsx"), ("CSV template", ".csv")):
            with page.expect_download() as download:
                page.get_by_role("link", name=link).click()
            assert download.value.suggested_filename == f"rooms-import-template{suffix}"
        page.screenshot(path=str(tmp_path / "import-page.png"), full_page=True)
        print("screenshot:", tmp_path / "import-page.png")
    except Exception:
        print("screenshot:", screenshot(page, "import-columns"))
        raise
