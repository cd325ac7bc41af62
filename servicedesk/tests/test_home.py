"""The service desk's needs on the home page (servicedesk.views.home_needs): counted among the
tickets each reader can see, never another council's, each linking to the list it counts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.tenancy.scoping import system_scope
from servicedesk import services
from servicedesk.choices import SlaState, TicketStatus
from servicedesk.models import Ticket
from servicedesk.views import home_needs

pytestmark = pytest.mark.django_db


def raise_ticket(cast: Any, partner: Any, requester: Any, **changes: Any) -> Ticket:
    with system_scope("test"):
        ticket = services.raise_ticket(partner=partner, requester=requester, subject="VPN drops")
        for name, value in changes.items():
            setattr(ticket, name, value)
        if changes:
            ticket.save()
    return ticket


@pytest.fixture
def tickets(cast: Any) -> None:
    raise_ticket(cast, cast.wcc, cast.wcc_staff)
    raise_ticket(cast, cast.wcc, cast.wcc_staff, status=TicketStatus.AWAITING_CUSTOMER)
    raise_ticket(cast, cast.wcc, cast.wcc_colleague, sla_state=SlaState.AT_RISK)
    raise_ticket(cast, cast.wcc, cast.wcc_colleague, status=TicketStatus.CLOSED)
    for _ in range(3):
        raise_ticket(cast, cast.rbkc, cast.rbkc_staff, sla_state=SlaState.BREACHED)


def counts(user: Any) -> dict[str, int]:
    return {need.label: need.count for need in home_needs(user)}


def test_staff_see_the_desks_work_across_councils(cast, tickets):
    assert counts(cast.agent) == {
        "New tickets to pick up": 5,
        "Open tickets at risk of missing their SLA": 1,
        "Open tickets past their SLA": 3,
        "Open tickets": 6,
        # The desk's inbound mail (none here: tests/test_mail_desk.py counts some).
        "Inbound mail held or failed": 0,
    }


def test_a_lead_counts_their_own_council_only(cast, tickets):
    assert counts(cast.wcc_lead) == {
        "Your councils' open tickets": 3,
        "Open tickets at risk of missing their SLA": 1,
        "Open tickets past their SLA": 0,
        "Requests awaiting your approval": 0,
    }
    assert counts(cast.rbkc_lead)["Open tickets past their SLA"] == 3
    assert counts(cast.rbkc_lead)["Your councils' open tickets"] == 3


def test_a_requester_counts_their_own_tickets_only(cast, tickets):
    assert counts(cast.wcc_staff) == {
        "Your tickets awaiting your reply": 1,
        "Your open tickets": 2,
    }
    assert counts(cast.wcc_colleague) == {
        "Your tickets awaiting your reply": 0,
        "Your open tickets": 1,
    }


def test_each_need_links_to_the_list_of_what_it_counted(cast, tickets, client_for):
    client = client_for(cast.wcc_lead)
    home = client.get("/").content.decode()
    assert "Your councils&#x27; open tickets" in home or "Your councils' open tickets" in home
    for need in home_needs(cast.wcc_lead):
        assert need.url in home.replace("&amp;", "&")
        listed = client.get(need.url).content.decode()
        references = set(re.findall(r"INC\d{7}", listed))
        assert len(references) == need.count, need.label


def test_the_home_page_shows_urgent_needs_first(cast, tickets, client_for):
    home = client_for(cast.wcc_staff).get("/").content.decode()
    assert home.index("awaiting your reply") < home.index("Your open tickets")
    assert "concord-need--urgent" in home
