"""The generic test family (core.testing.families) of the monthly packs: read-only in the API
(``/api/v1/packs/``: list, retrieve, export), made only by the job (reporting/tests/
test_packs.py); a council's lead reads their council's, another council's lead never sees it.
The pages of packs are reporting's own (the pack list and download, tested in test_packs.py)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from core.testing.cast import Cast
from core.testing.families import ModelFamily
from reporting.models import MonthlyPack

pytestmark = pytest.mark.django_db


class TestMonthlyPack(ModelFamily):
    """A council's pack: its lead reads it; another council's lead never sees it."""

    model = MonthlyPack
    permitted = "wcc_lead"
    denied = ()
    outsider = "rbkc_lead"
    pages = frozenset()
    api_actions = frozenset({"list", "retrieve", "export"})
    identity_field = "sha256"
    # One more than a council's own records: whether the reader is shown the partnership's.
    api_list_queries = 5

    def make(self, cast: Cast, partner: Any) -> MonthlyPack:
        # Months of their own, from 2150 (the accessibility crawl makes every family's samples
        # in one database; a council has one pack a month).
        n = self.seq()
        period = datetime.date(2150 + n // 12, n % 12 + 1, 1)
        pack = MonthlyPack(
            partner=partner,
            period=period,
            made_at=timezone.now(),
            size=9,
            sha256=f"{n:064x}",
        )
        pack.file.save(f"family-{n}.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
        pack.save()
        return pack

    def search_term(self, obj: Any) -> str:
        return str(obj.sha256)
