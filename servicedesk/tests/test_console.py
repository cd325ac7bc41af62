"""The agent console: its views (my work, my queues, every open ticket) and filters, only
ever among the tickets the person may see; the bulk update, all or nothing, through the desk's
rules; and the ticket page's timeline of everything that happened."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import ChangeRecord
from core.tenancy.scoping import system_scope
from servicedesk import services
from servicedesk.choices import TicketStatus
from servicedesk.models import Queue, QueueMember, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(cast: Any) -> Any:
    with system_scope("test"):
        cast.network = Queue.objects.create(name="Network")
        cast.desktop = Queue.objects.create(name="Desktop")
        QueueMember.objects.create(queue=cast.network, user=cast.agent)

        def raise_(partner: Any, subject: str, **extra: Any) -> Ticket:
            requester = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
            return services.raise_ticket(
                partner=partner, requester=requester, subject=subject, **extra
            )

        cast.vpn = raise_(cast.wcc, "VPN down")
        services.assign(cast.vpn, cast.agent, cast.network)
        cast.printer = raise_(cast.wcc, "Printer jams")
        services.assign(cast.printer, None, cast.network)
        cast.theirs = raise_(cast.rbkc, "Kensington Wi-Fi")
        cast.done = raise_(cast.wcc, "Old one")
        services.resolve(cast.done, "Fixed")
    return cast


def listed(page: str, *tickets: Ticket) -> list[bool]:
    # By subject: each council numbers its own tickets, so references repeat across councils.
    return [t.subject in page for t in tickets]


def test_the_desk_and_leads_have_the_console_and_requesters_do_not(desk, client_for):
    assert client_for(desk.agent).get("/console/").status_code == 200
    assert client_for(desk.wcc_lead).get("/console/").status_code == 200
    assert client_for(desk.wcc_staff).get("/console/").status_code == 403
    assert client_for(desk.wcc_staff).post("/console/bulk/").status_code == 403


def test_the_views_show_my_work_my_queues_and_every_open_ticket(desk, client_for):
    agent = client_for(desk.agent)
    mine = agent.get("/console/").content.decode()
    assert listed(mine, desk.vpn, desk.printer, desk.theirs, desk.done) == [
        True,
        False,
        False,
        False,
    ]
    queues = agent.get("/console/", {"view": "queues"}).content.decode()
    assert listed(queues, desk.vpn, desk.printer, desk.theirs) == [True, True, False]
    every = agent.get("/console/", {"view": "open"}).content.decode()
    assert listed(every, desk.vpn, desk.printer, desk.theirs, desk.done) == [
        True,
        True,
        True,
        False,
    ]
    nobodys = agent.get("/console/", {"view": "open", "assignee": "nobody"}).content.decode()
    assert listed(nobodys, desk.vpn, desk.printer) == [False, True]
    # A council's lead works their own council's tickets only.
    lead = client_for(desk.wcc_lead).get("/console/", {"view": "open"}).content.decode()
    assert listed(lead, desk.vpn, desk.theirs) == [True, False]
    assert "Kensington" not in lead


def test_a_bad_filter_is_explained(desk, client_for):
    response = client_for(desk.agent).get("/console/", {"view": "open", "priority": "9"})
    assert response.status_code == 200
    assert "Error: " in response.content.decode()


def test_bulk_update_assigns_and_moves_the_ticked_tickets(desk, client_for):
    agent = client_for(desk.agent)
    response = agent.post(
        "/console/bulk/",
        {
            "ticket": [desk.vpn.pk, desk.printer.pk],
            "bulk-assignee": desk.agent.username,
            "bulk-queue": desk.desktop.pk,
            "bulk-status": TicketStatus.IN_PROGRESS,
            "next": "/console/?view=open",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/console/?view=open"
    with system_scope("test"):
        for ticket in (desk.vpn, desk.printer):
            ticket.refresh_from_db()
            assert (ticket.assignee, ticket.queue, ticket.status) == (
                desk.agent,
                desk.desktop,
                TicketStatus.IN_PROGRESS,
            )
        assert ChangeRecord.objects.unscoped("test").filter(object_id=desk.printer.pk).count() >= 3


def test_bulk_update_is_all_or_nothing(desk, client_for):
    agent = client_for(desk.agent)
    response = agent.post(
        "/console/bulk/",
        {"ticket": [desk.printer.pk, desk.done.pk], "bulk-assignee": "nobody"},
        follow=True,
    )
    page = response.content.decode()
    assert "Nothing was changed" in page and desk.done.reference in page
    with system_scope("test"):
        desk.vpn.refresh_from_db()
        assert desk.vpn.assignee == desk.agent
    # Another council's ticket is not the lead's to tick: as if it were not there.
    response = client_for(desk.wcc_lead).post(
        "/console/bulk/", {"ticket": [desk.theirs.pk], "bulk-status": "in_progress"}, follow=True
    )
    assert "Choose the tickets to change" in response.content.decode()
    with system_scope("test"):
        desk.theirs.refresh_from_db()
        assert desk.theirs.status == TicketStatus.NEW
    # Saying nothing to change is said.
    response = agent.post("/console/bulk/", {"ticket": [desk.vpn.pk]}, follow=True)
    assert "Say what to change" in response.content.decode()


def test_the_api_lists_my_work(desk, api_client_for):
    rows = api_client_for(desk.agent).get("/api/v1/tickets/", {"assignee": "me"}).json()
    assert [r["reference"] for r in rows["results"]] == [desk.vpn.reference]
    rows = api_client_for(desk.agent).get("/api/v1/tickets/", {"my_queues": "true"}).json()
    assert {r["reference"] for r in rows["results"]} == {desk.vpn.reference, desk.printer.reference}


def test_the_assignee_filter_takes_me_nobody_and_the_desk_s_people_only(desk, api_client_for):
    """Me, nobody and a desk person's username are checked without listing the desk's people;
    anyone else (a council's person, no one at all) is refused, naming the filter."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for(desk.agent)

    def references(value: str) -> set[str]:
        answer = client.get("/api/v1/tickets/", {"assignee": value, "status": "new"})
        assert answer.status_code == 200, answer.content
        return {row["reference"] for row in answer.json()["results"]}

    with CaptureQueriesContext(connection) as queries:
        assert references("nobody") == {desk.printer.reference, desk.theirs.reference}
    assert not [q for q in queries.captured_queries if '"service_role" IN' in q["sql"]]
    assert references("me") == set()
    assert references(desk.agent.username) == set()
    for stranger in (desk.wcc_staff.username, "no-such-person"):
        refused = client.get("/api/v1/tickets/", {"assignee": stranger})
        assert refused.status_code == 400, stranger
        assert [error["field"] for error in refused.json()["errors"]] == ["assignee"]


def test_the_timeline_tells_the_desk_everything_and_the_requester_nothing_new(desk, client_for):
    with system_scope("test"):
        services.comment(desk.vpn, desk.agent, "Looking at it now.")
        services.comment(desk.vpn, desk.agent, "Router firmware.", public=False)
    page = client_for(desk.agent).get(desk.vpn.get_absolute_url()).content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "moj-timeline__item" in timeline
    for words in ("Raised", "Looking at it now.", "Internal note", "Router firmware."):
        assert words in timeline, words
    assert desk.agent.display_name in timeline
    own = client_for(desk.wcc_staff).get(desk.vpn.get_absolute_url()).content.decode()
    assert 'id="timeline"' not in own and "Router firmware." not in own
    lead = client_for(desk.wcc_lead).get(desk.vpn.get_absolute_url()).content.decode()
    assert "Router firmware." in lead[lead.index('id="timeline"') :]
