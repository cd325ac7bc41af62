"""A council's own pages and endpoints, addressed by its code (core.councils): a council the
reader may not see is a 404, said the same way as a code nobody has; one they see but may not
act on in the area is a 403."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.councils import council_for
from core.tenancy.access import EXPORT, VIEW
from core.testing.cast import Cast

pytestmark = pytest.mark.django_db


def test_the_reader_s_own_council(cast: Cast) -> None:
    assert council_for(cast.wcc_lead, "wcc", EXPORT, "estate") == cast.wcc
    assert council_for(cast.wcc_lead, " WCC ", VIEW, "estate") == cast.wcc


def test_another_council_is_not_found_as_no_council_is(cast: Cast) -> None:
    for code in ("rbkc", "nosuch", ""):
        with pytest.raises(Http404) as raised:
            council_for(cast.wcc_lead, code, VIEW, "estate")
        assert "Kensington" not in str(raised.value)


def test_seen_but_not_granted_is_refused(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        council_for(cast.wcc_staff, "wcc", EXPORT, "estate")


def test_the_shared_service_reaches_every_council(cast: Cast) -> None:
    assert council_for(cast.agent, "rbkc", VIEW, "estate") == cast.rbkc
