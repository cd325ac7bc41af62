"""A council's page offers "Add site" with that council chosen, to those who may add one there
(estate's views declare it: `SiteViews.add_on_council_page`; the partners app names no app)."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing.cast import Cast
from core.testing.words import links_under

pytestmark = pytest.mark.django_db


def next_steps(client: Any, partner: Any) -> list[tuple[str, str]]:
    return links_under(client.get(f"/partners/{partner.pk}/").content.decode(), "Next steps")


def test_add_site_on_a_councils_page(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.wcc_lead)
    steps = dict(next_steps(client, cast.wcc))
    assert steps["Add site"] == f"/sites/new/?partner={cast.wcc.pk}"
    page = client.get(steps["Add site"]).content.decode()
    assert f'<option value="{cast.wcc.pk}" selected>' in page
    assert "Add site" not in dict(next_steps(client_for(cast.wcc_auditor), cast.wcc))
