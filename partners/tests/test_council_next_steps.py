"""A council's page offers the next steps (issue 8.6): add a record of each kind an app offers
there (`ModelViews.add_on_council_page`, here the sample app's rooms and the people), with
the council chosen, and export the council's data, each only to those who may.

The partners app names no app that offers a step: the sample app's rooms are offered because
their views say so (core.views.generic.ModelViews.council_next_steps).
"""

from __future__ import annotations

from typing import Any

import pytest

from core.testing.cast import Cast
from core.testing.words import links_under

pytestmark = pytest.mark.django_db


def next_steps(client: Any, partner: Any) -> list[tuple[str, str]]:
    """The links under "Next steps" on the council's page."""
    return links_under(client.get(f"/partners/{partner.pk}/").content.decode(), "Next steps")


def test_a_manager_is_offered_every_step(cast: Cast, client_for: Any) -> None:
    steps = dict(next_steps(client_for(cast.manager), cast.wcc))
    pk = cast.wcc.pk
    assert steps["Add room"] == f"/rooms/new/?partner={pk}"
    assert steps["Add person"] == f"/memberships/new/?partner={pk}"
    assert steps["Export this council\u2019s data"] == "/partner-exports/?council=wcc"
    labels = list(steps)
    assert labels.index("Add room") < labels.index("Add person")
    assert labels[-1] == "Export this council\u2019s data"


def test_each_step_opens_with_the_council_chosen(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.manager)
    steps = dict(next_steps(client, cast.rbkc))
    for label in ("Add room", "Add person"):
        page = client.get(steps[label]).content.decode()
        assert f'<option value="{cast.rbkc.pk}" selected>' in page, label
        assert f'<option value="{cast.wcc.pk}" selected>' not in page, label
    page = client.get(steps["Export this council\u2019s data"]).content.decode()
    assert '<option value="rbkc" selected>' in page
    assert '<option value="wcc" selected>' not in page


def test_a_lead_is_offered_what_their_role_allows(cast: Cast, client_for: Any) -> None:
    """A lead adds their council's rooms, but neither its people nor its export."""
    steps = dict(next_steps(client_for(cast.wcc_lead), cast.wcc))
    assert "Add room" in steps
    assert "Add person" not in steps
    assert "Export this council\u2019s data" not in steps


def test_a_reader_is_offered_nothing(cast: Cast, client_for: Any) -> None:
    assert next_steps(client_for(cast.wcc_auditor), cast.wcc) == []
    assert next_steps(client_for(cast.wcc_staff), cast.wcc) == []


def test_a_council_that_left_is_offered_only_its_export(cast: Cast, client_for: Any) -> None:
    steps = next_steps(client_for(cast.manager), cast.lbhf)
    assert steps == [("Export this council\u2019s data", "/partner-exports/?council=lbhf")]


def test_a_chosen_council_out_of_reach_chooses_nothing(cast: Cast, client_for: Any) -> None:
    """The starting value of a link is only that: a council the person may not add to is
    not offered, so not chosen, and nothing is said of it."""
    page = client_for(cast.wcc_lead).get(f"/rooms/new/?partner={cast.rbkc.pk}").content.decode()
    assert f'value="{cast.rbkc.pk}"' not in page
    assert cast.rbkc.name not in page
