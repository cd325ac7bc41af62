"""The finance ledger's pages beyond its generic ones (finance/tests/pages.py): the cost line
import (the foundation's), empty, with a file's problems, without a file, and after a check
that found none. A file sent is read by an import job and the page then shows the job: each
post follows that redirect to the page it lands on."""

from __future__ import annotations

import io
from typing import Any


def _upload(text: str) -> io.BytesIO:
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = "costs.csv"
    return upload


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    manager = client_for(cast.manager)
    header = "description,amount,date,category,councils\n"
    return [
        ("cost line import", lambda: manager.get("/cost-lines/import/")),
        (
            "cost line import, problems",
            lambda: manager.post(
                "/cost-lines/import/",
                {"file": _upload(header + "Laptops,x,2026-05-01,,wcc\n")},
                follow=True,
            ),
        ),
        (
            "cost line import, no file",
            lambda: manager.post("/cost-lines/import/", {}, follow=True),
        ),
        (
            "cost line import, checked",
            lambda: manager.post(
                "/cost-lines/import/",
                {
                    "file": _upload(header + "Laptops,10,2026-05-01,hardware,wcc\n"),
                    "check_only": "on",
                },
                follow=True,
            ),
        ),
    ]
