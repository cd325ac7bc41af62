"""Tickets linked to change requests: the rule (only a change that affects the ticket's
council), both pages' ways of linking (the ticket's edit form, the change's "Link a ticket"),
the API's (the ticket's ``change``, ``/change-requests/<id>/tickets/`` and ``link-ticket``),
the change log and the ticket's timeline, and that nobody sees a ticket or a change of a
council they cannot see."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.models import ChangeRecord
from core.services import set_audience
from core.tenancy.scoping import system_scope
from servicedesk import services
from servicedesk.console import timeline
from servicedesk.models import ChangeRequest, Ticket
from servicedesk.tests.test_changes import make_change

pytestmark = pytest.mark.django_db


def ticket_of(cast: Any, partner: Any, subject: str = "Mail is late") -> Ticket:
    requester = {cast.wcc: cast.wcc_staff, cast.rbkc: cast.rbkc_staff}[partner]
    with system_scope("test"):
        return services.raise_ticket(partner=partner, requester=requester, subject=subject)


def linked(ticket: Ticket) -> int | None:
    return Ticket.objects.unscoped("test").get(pk=ticket.pk).change_id


def errors(answer: Any) -> dict[str, list[str]]:
    """An API refusal's messages by field."""
    found: dict[str, list[str]] = {}
    for error in answer.json()["errors"]:
        found.setdefault(error["field"], []).append(error["message"])
    return found


def test_a_ticket_links_only_to_a_change_affecting_its_council(cast):
    ours, theirs = ticket_of(cast, cast.wcc), ticket_of(cast, cast.rbkc)
    change = make_change(cast, [cast.wcc])
    with system_scope("test"):
        services.link_to_change(ours, change)
        with pytest.raises(ValidationError) as refused:
            services.link_to_change(theirs, change)
    assert "does not affect Royal Borough" in refused.value.message_dict["ticket"][0]
    assert (linked(ours), linked(theirs)) == (change.pk, None)
    # A change for every council takes any council's ticket; None unlinks.
    every = make_change(cast, [cast.wcc], title="Firewall rules")
    with system_scope("test"):
        set_audience(every, [], for_all=True)
        services.link_to_change(theirs, every)
        services.link_to_change(ours, None)
    assert (linked(ours), linked(theirs)) == (None, every.pk)


def test_the_desk_links_from_the_change_page_and_both_pages_show_it(cast, client_for):
    change = make_change(cast, [cast.wcc, cast.rbkc])
    ours, theirs = ticket_of(cast, cast.wcc), ticket_of(cast, cast.rbkc)
    agent = client_for(cast.agent)
    url = f"{change.get_absolute_url()}link_ticket/"
    # Both councils have an INC0000001: the reference alone is not enough.
    assert ours.reference == theirs.reference
    page = agent.post(url, {"ticket": ours.reference.lower()})
    assert page.status_code == 400
    assert "Choose the council whose ticket it is" in page.content.decode()
    done = agent.post(url, {"ticket": ours.reference, "council": "wcc"}, follow=True)
    assert done.status_code == 200
    assert f"{ours.reference} linked to {change.reference}." in done.content.decode()
    assert linked(ours) == change.pk and linked(theirs) is None
    # The change lists it among its tickets; the ticket names the change and its timeline
    # says it was linked.
    text = agent.get(change.get_absolute_url()).content.decode()
    assert ours.get_absolute_url() in text and theirs.get_absolute_url() not in text
    text = agent.get(ours.get_absolute_url()).content.decode()
    assert "Change request" in text and change.reference in text
    with system_scope("test"):
        record = ChangeRecord.objects.filter(object_id=ours.pk, action="update").latest("id")
    assert record.after.get("change") == change.pk or record.after.get("change_id") == change.pk
    events = timeline(Ticket.objects.visible_to(cast.agent).get(pk=ours.pk), cast.agent)
    assert any(change.reference in str(event["lines"]) for event in events), events
    # A reference that is no ticket is a field error, the page drawn again.
    page = agent.post(url, {"ticket": "INC0009999", "council": "wcc"})
    assert page.status_code == 400
    assert "There is no ticket “INC0009999” of the council “wcc” that you may change" in (
        page.content.decode()
    )


def test_a_council_lead_sees_and_links_only_their_councils_tickets(cast, client_for):
    change = make_change(cast, [cast.wcc, cast.rbkc])
    ours, theirs = ticket_of(cast, cast.wcc), ticket_of(cast, cast.rbkc, "Printer jam")
    with system_scope("test"):
        services.link_to_change(theirs, change)
    lead = client_for(cast.wcc_lead)
    url = f"{change.get_absolute_url()}link_ticket/"
    # Their only council: the reference is enough, and finds their own council's ticket.
    assert lead.post(url, {"ticket": ours.reference}).status_code == 302
    assert linked(ours) == change.pk
    text = lead.get(change.get_absolute_url()).content.decode()
    assert ours.get_absolute_url() in text
    assert theirs.get_absolute_url() not in text and "Printer jam" not in text
    answer = lead.get(f"/api/v1/change-requests/{change.pk}/tickets/")
    assert answer.status_code == 200
    assert [row["reference"] for row in answer.json()] == [ours.reference]
    assert [row["partner"] for row in answer.json()] == ["wcc"]
    # Another council's ticket, by id, is not there for them.
    refused = lead.post(
        f"/api/v1/change-requests/{change.pk}/link-ticket/",
        {"ticket": str(theirs.pk)},
        content_type="application/json",
    )
    assert refused.status_code == 400, refused.content
    assert errors(refused)["ticket"] == [f"There is no ticket “{theirs.pk}” that you may change"]


def test_a_change_or_ticket_of_a_council_one_cannot_see_is_not_there(cast, client_for):
    change = make_change(cast, [cast.wcc])
    ticket = ticket_of(cast, cast.wcc)
    with system_scope("test"):
        services.link_to_change(ticket, change)
    # Another council's lead: the change is a 404 on the page and in the API.
    rbkc = client_for(cast.rbkc_lead)
    assert rbkc.get(change.get_absolute_url()).status_code == 404
    assert rbkc.get(f"/api/v1/change-requests/{change.pk}/tickets/").status_code == 404
    assert rbkc.post(f"{change.get_absolute_url()}link_ticket/", {"ticket": "x"}).status_code == (
        404
    )
    # The ticket's requester reads no change requests: the ticket does not name it.
    requester = client_for(cast.wcc_staff)
    answer = requester.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert answer["change"] is None
    text = requester.get(ticket.get_absolute_url()).content.decode()
    assert change.reference not in text
    edit = requester.get(ticket.get_absolute_url() + "edit/")
    assert 'name="change"' not in edit.content.decode()

    # Their lead reads it, and the auditor too (reading only: no link form).
    assert client_for(cast.wcc_lead).get(f"/api/v1/tickets/{ticket.pk}/").json()["change"] == (
        change.reference
    )
    page = client_for(cast.wcc_auditor).get(change.get_absolute_url()).content.decode()
    assert ticket.get_absolute_url() in page and 'id="link-ticket"' not in page


def test_the_api_links_with_the_tickets_change_field(cast, client_for):
    ours = ticket_of(cast, cast.wcc)
    theirs = make_change(cast, [cast.rbkc], title="Their patch")
    both = make_change(cast, [cast.wcc, cast.rbkc], title="Both patch")
    lead = client_for(cast.wcc_lead)
    url = f"/api/v1/tickets/{ours.pk}/"
    # A change the lead cannot see is not there for them (the field's error, never a name).
    answer = lead.patch(url, {"change": theirs.reference}, content_type="application/json")
    assert answer.status_code == 400
    assert errors(answer)["change"] == [
        f"There is no change request with reference “{theirs.reference}” that you may choose."
    ]
    # The desk sees it, but it does not affect the ticket's council.
    agent = client_for(cast.agent)
    answer = agent.patch(url, {"change": theirs.reference}, content_type="application/json")
    assert answer.status_code == 400
    assert "does not affect City of Westminster" in errors(answer)["change"][0]
    answer = lead.patch(url, {"change": both.reference}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["change"] == both.reference
    listed = agent.get(f"/api/v1/tickets/?change={both.pk}").json()["results"]
    assert [row["reference"] for row in listed] == [ours.reference]
    # Unlinking through the edit page (the lead's form offers the change).
    form = lead.get(ours.get_absolute_url() + "edit/").content.decode()
    assert 'name="change"' in form and both.reference in form and theirs.reference not in form
    answer = lead.patch(url, {"change": None}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["change"] is None
    assert ChangeRequest.objects.unscoped("test").filter(pk=both.pk).exists()
