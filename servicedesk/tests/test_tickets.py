"""The service desk's rules on tickets, through services, pages and API: numbering, the
priority matrix, routing, who sees what (a requester's own tickets, never an internal note),
replies, the lifecycle, merging, linking, rating, and working time."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.tenancy.scoping import system_scope
from core.testing.families import content_of, results_of
from servicedesk import services
from servicedesk.choices import Impact, Priority, TicketKind, TicketStatus, Urgency
from servicedesk.models import (
    PriorityRule,
    Queue,
    RoutingRule,
    ServiceCalendar,
    Ticket,
    TicketComment,
    TicketLink,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def ticket(cast: Any, partner: Any = None, **extra: Any) -> Ticket:
    partner = partner or cast.wcc
    requester = extra.pop("requester", cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff)
    with system_scope("test"):
        return services.raise_ticket(
            partner=partner, requester=requester, subject=extra.pop("subject", "VPN drops"), **extra
        )


# Numbers, priority, routing -----------------------------------------------------------------


def test_references_count_within_each_council_and_kind(cast):
    a, b = ticket(cast), ticket(cast)
    request = ticket(cast, kind=TicketKind.REQUEST)
    other = ticket(cast, cast.rbkc)
    assert [a.reference, b.reference, request.reference] == [
        "INC0000001",
        "INC0000002",
        "REQ0000001",
    ]
    assert other.reference == "INC0000001"  # rbkc's own count tells nothing of wcc's


def test_priority_comes_from_the_matrix_the_service_sets(cast):
    assert ticket(cast, impact=Impact.HIGH, urgency=Urgency.HIGH).priority == Priority.CRITICAL
    assert ticket(cast, impact=Impact.LOW, urgency=Urgency.LOW).priority == Priority.LOW
    with system_scope("test"):
        PriorityRule.objects.create(impact=Impact.LOW, urgency=Urgency.LOW, priority=Priority.HIGH)
    assert ticket(cast, impact=Impact.LOW, urgency=Urgency.LOW).priority == Priority.HIGH


def test_the_first_matching_routing_rule_wins_and_is_shown(cast):
    with system_scope("test"):
        first = Queue.objects.create(name="First line")
        network = Queue.objects.create(name="Network")
        RoutingRule.objects.create(order=1, name="Off", queue=first, is_active=False)
        rule = RoutingRule.objects.create(
            order=5, name="VPN", queue=network, subject_words="vpn, wifi"
        )
        RoutingRule.objects.create(order=9, name="Everything else", queue=first)
        RoutingRule.objects.create(order=2, name="rbkc only", queue=first, partner=cast.rbkc)
    routed = ticket(cast, subject="My VPN keeps dropping")
    assert routed.queue == network and routed.routed_by == rule
    assert ticket(cast, subject="Printer").queue == first
    rbkc = ticket(cast, cast.rbkc, subject="My VPN").routed_by
    assert rbkc is not None and rbkc.name == "rbkc only"


def test_a_requester_or_contact_must_be_one_of_the_councils_people(cast):
    with pytest.raises(ValidationError) as refused:
        ticket(cast, requester=cast.rbkc_staff)
    assert "requester" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        ticket(cast, contact=cast.rbkc_lead)
    assert "contact" in refused.value.message_dict


# Who sees what --------------------------------------------------------------------------------


def test_a_requester_sees_their_own_and_their_contacts_tickets_only(cast, client_for):
    mine = ticket(cast, subject="Mine")
    as_contact = ticket(cast, subject="Theirs, me in copy", requester=cast.wcc_colleague,
                        contact=cast.wcc_staff)  # fmt: skip
    theirs = ticket(cast, subject="Colleague's alone", requester=cast.wcc_colleague)
    seen = set(Ticket.objects.visible_to(cast.wcc_staff).values_list("pk", flat=True))
    assert seen == {mine.pk, as_contact.pk}
    lead = set(Ticket.objects.visible_to(cast.wcc_lead).values_list("pk", flat=True))
    assert lead == {mine.pk, as_contact.pk, theirs.pk}
    assert Ticket.objects.visible_to(cast.rbkc_lead).count() == 0
    assert client_for(cast.wcc_staff).get(f"/tickets/{theirs.pk}/").status_code == 404
    # A requester reads their ticket but does not edit it as the desk does.
    assert client_for(cast.wcc_staff).get(f"/tickets/{mine.pk}/edit/").status_code == 403


def test_a_requester_never_sees_an_internal_note(cast, client_for, api_client_for):
    mine = ticket(cast)
    with system_scope("test"):
        services.comment(mine, cast.agent, "We are on it", public=True)
        services.comment(mine, cast.agent, "Suspect the requester's home router", public=False)
    page = content_of(client_for(cast.wcc_staff).get(f"/tickets/{mine.pk}/"))
    assert "We are on it" in page and "home router" not in page
    api = api_client_for(cast.wcc_staff)
    bodies = [c["body"] for c in api.get(f"/api/v1/tickets/{mine.pk}/comments/").json()]
    assert bodies == ["We are on it"]
    assert TicketComment.objects.visible_to(cast.wcc_staff).count() == 1
    # The council's lead and the desk read notes.
    lead_page = content_of(client_for(cast.wcc_lead).get(f"/tickets/{mine.pk}/"))
    assert "home router" in lead_page
    assert TicketComment.objects.visible_to(cast.agent).count() == 2
    with system_scope("test"), pytest.raises(ValidationError):
        services.comment(mine, cast.wcc_staff, "A note of my own", public=False)


# The lifecycle ------------------------------------------------------------------------------


def test_replies_move_a_ticket_through_its_life(cast):
    t = ticket(cast)
    with system_scope("test"):
        services.comment(t, cast.agent, "Can you restart it?")
        assert t.status == TicketStatus.IN_PROGRESS and t.first_response_at is not None
        services.move(t, TicketStatus.AWAITING_CUSTOMER)
        services.comment(t, cast.wcc_staff, "Restarted, still broken")
        assert t.status == TicketStatus.IN_PROGRESS and t.paused_since is None
        services.resolve(t, "Replaced the network card")
        services.comment(t, cast.wcc_staff, "Broken again")
        assert t.status == TicketStatus.REOPENED and t.reopen_count == 1
        services.resolve(t, "Replaced the cable")
        services.close(t)
        with pytest.raises(ValidationError):
            services.comment(t, cast.wcc_staff, "Hello?")
        with pytest.raises(ValidationError):
            services.move(t, TicketStatus.IN_PROGRESS)
        with pytest.raises(ValidationError):
            services.reopen(t)


def test_merging_closes_the_duplicate_and_keeps_its_story(cast):
    a, b = ticket(cast, subject="Outlook down"), ticket(cast, subject="Email not working")
    other = ticket(cast, cast.rbkc)
    with system_scope("test"):
        with pytest.raises(ValidationError):
            services.merge(b, other, cast.agent)  # another council's
        services.merge(b, a, cast.agent)
        b.refresh_from_db()
        assert b.status == TicketStatus.CLOSED and b.merged_into == a
        note = TicketComment.objects.unscoped("test").get(ticket=a)
    assert b.reference in note.body and not note.public


def test_links_join_two_tickets_of_one_council_once(cast):
    a, b = ticket(cast), ticket(cast)
    with system_scope("test"):
        first = services.link(a, b)
        assert services.link(b, a) == first
        assert TicketLink.objects.unscoped("test").count() == 1
        with pytest.raises(ValidationError):
            services.link(a, ticket(cast, cast.rbkc))


def test_only_the_requester_rates_a_resolved_ticket(cast):
    t = ticket(cast)
    with system_scope("test"):
        with pytest.raises(ValidationError):
            services.rate(t, cast.wcc_staff, 5)  # not resolved yet
        services.resolve(t, "Done")
        with pytest.raises(ValidationError):
            services.rate(t, cast.wcc_lead, 5)
        services.rate(t, cast.wcc_staff, 4, "Quick, thanks")
    assert t.satisfaction == 4


# Pages and API -------------------------------------------------------------------------------


def test_a_requester_raises_a_ticket_from_the_page_and_follows_it_up(cast, client_for):
    client = client_for(cast.wcc_staff)
    page = content_of(client.get("/tickets/new/"))
    assert 'name="requester"' not in page  # raised for themselves
    response = client.post(
        "/tickets/new/",
        {"partner": cast.wcc.pk, "kind": "incident", "subject": "Monitor flickers",
         "description": "Since this morning", "impact": 3, "urgency": 2},
    )  # fmt: skip
    assert response.status_code == 302
    with system_scope("test"):
        t = Ticket.objects.get(subject="Monitor flickers")
    assert t.requester == cast.wcc_staff and t.reference == "INC0000001"
    assert client.post(f"/tickets/{t.pk}/reply/", {"body": "Also it hums"}).status_code == 302
    assert client.post(f"/tickets/{t.pk}/resolve/", {"resolution": "x"}).status_code == 403
    assert (
        client_for(cast.wcc_colleague).post(f"/tickets/{t.pk}/reply/", {"body": "?"}).status_code
        == 404
    )
    assert (
        client_for(cast.agent).post(f"/tickets/{t.pk}/resolve/", {"resolution": ""}).status_code
        == 400
    )


def test_every_ticket_action_is_in_the_api_for_whoever_may_take_it(cast, api_client_for):
    t = ticket(cast)
    staff, requester = api_client_for(cast.agent), api_client_for(cast.wcc_staff)
    url = f"/api/v1/tickets/{t.pk}"
    assert requester.post(f"{url}/note/", {"body": "x"}).status_code == 403
    assert requester.post(f"{url}/assign/", {"assignee": "agent"}).status_code == 403
    assert (
        api_client_for(cast.wcc_colleague).post(f"{url}/reply/", {"body": "x"}).status_code == 404
    )
    assert api_client_for(cast.rbkc_lead).post(f"{url}/reply/", {"body": "x"}).status_code == 404
    answer = staff.post(f"{url}/assign/", {"assignee": "agent"}).json()
    assert answer["assignee"] == "agent" and answer["status"] == "assigned"
    answer = staff.post(f"{url}/reply/", {"body": "Looking now"}).json()
    assert answer["status"] == "in_progress" and answer["first_response_at"]
    assert staff.post(f"{url}/note/", {"body": "Internal"}).status_code == 200
    assert requester.post(f"{url}/reply/", {"body": "Thanks"}).status_code == 200
    answer = staff.post(f"{url}/resolve/", {"resolution": "Reset the token"}).json()
    assert answer["status"] == "resolved" and answer["sla_state"] in ("met", "missed")
    assert requester.post(f"{url}/rate/", {"satisfaction": 5}).json()["satisfaction"] == 5
    assert requester.post(f"{url}/reopen/").json()["status"] == "reopened"
    staff.post(f"{url}/resolve/", {"resolution": "Again"})
    assert staff.post(f"{url}/close/").json()["status"] == "closed"
    other = ticket(cast)
    merged = staff.post(f"/api/v1/tickets/{other.pk}/merge/", {"into": t.reference})
    assert merged.status_code == 400  # closed tickets take no merge
    fresh = ticket(cast)
    merged = staff.post(f"/api/v1/tickets/{other.pk}/merge/", {"into": fresh.reference})
    assert merged.status_code == 200 and merged.json()["reference"] == fresh.reference
    body = staff.get(f"{url}/").json()
    assert {"response_due", "resolution_due", "sla_state"} <= set(body)


def test_the_api_lists_tickets_by_kind(cast, api_client_for):
    ticket(cast)
    ticket(cast, kind=TicketKind.REQUEST)
    client = api_client_for(cast.agent)
    kinds = [r["kind"] for r in results_of(client.get("/api/v1/tickets/", {"kind": "request"}))]
    assert kinds == ["request"]


def test_working_time_is_offered_to_people(cast, api_client_for):
    client = api_client_for(cast.wcc_lead)
    answer = client.get(
        "/api/v1/working-time/",
        {"start": "2027-01-08T16:00:00+00:00", "hours": "3", "nation": "ENG"},
    )
    assert answer.status_code == 200
    assert answer.json() == {"due": "2027-01-11T11:00:00Z"}
    # St Andrew's Day (Tuesday 30 November 2027) in Scotland; a council's own calendar.
    scots = client.get(
        "/api/v1/working-time/", {"start": "2027-11-29T16:00:00Z", "hours": 2, "nation": "SCT"}
    ).json()
    assert scots == {"due": "2027-12-01T10:00:00Z"}
    with system_scope("test"):
        ServiceCalendar.objects.create(
            partner=cast.wcc, saturday_opens=datetime.time(9), saturday_closes=datetime.time(13)
        )
    saturday = client.get(
        "/api/v1/working-time/", {"start": "2027-01-08T16:00:00Z", "hours": 3, "partner": "wcc"}
    ).json()
    assert saturday == {"due": "2027-01-09T11:00:00Z"}
    for params, field in (
        ({"start": "yesterday", "hours": 1, "nation": "ENG"}, "start"),
        ({"start": "2027-01-08T16:00:00", "hours": 1, "nation": "ENG"}, "start"),
        ({"start": "2027-01-08T16:00:00Z", "hours": "-1", "nation": "ENG"}, "hours"),
        ({"start": "2027-01-08T16:00:00Z", "hours": "NaN", "nation": "ENG"}, "hours"),
        ({"start": "2027-01-08T16:00:00Z", "hours": 1, "nation": "FRA"}, "nation"),
        ({"start": "2027-01-08T16:00:00Z", "hours": 1}, "partner"),
        ({"start": "2027-01-08T16:00:00Z", "hours": 1, "partner": "rbkc"}, "partner"),
        ({"start": "0001-01-01T00:00:00+14:00", "hours": 1, "nation": "ENG"}, "start"),
        ({"start": "9999-12-31T23:00:00-14:00", "hours": 1, "nation": "ENG"}, "start"),
    ):
        answer = client.get("/api/v1/working-time/", params)
        assert answer.status_code == 400, params
        assert field in str(answer.json()), params
    assert "Royal Borough" not in str(client.get(
        "/api/v1/working-time/", {"start": "2027-01-08T16:00:00Z", "hours": 1, "partner": "rbkc"}
    ).json())  # fmt: skip


def test_a_new_calendar_re_times_every_open_ticket(cast, client_for):
    with time_machine.travel(datetime.datetime(2027, 1, 8, 16, tzinfo=LONDON), tick=False):
        t = ticket(cast, impact=Impact.MEDIUM, urgency=Urgency.MEDIUM)  # 4 h to respond
        assert t.response_due == datetime.datetime(2027, 1, 11, 12, tzinfo=LONDON)
        response = client_for(cast.manager).post(
            "/service-calendars/new/",
            {"partner": cast.wcc.pk, "name": "With Saturdays", "is_default": "on",
             "close_resolved_after": 5,
             "monday_opens": "09:00", "monday_closes": "17:00", "tuesday_opens": "09:00",
             "tuesday_closes": "17:00", "wednesday_opens": "09:00", "wednesday_closes": "17:00",
             "thursday_opens": "09:00", "thursday_closes": "17:00", "friday_opens": "09:00",
             "friday_closes": "17:00", "saturday_opens": "09:00", "saturday_closes": "13:00"},
        )  # fmt: skip
        assert response.status_code == 302
    with system_scope("test"):
        t.refresh_from_db()
    assert t.response_due == datetime.datetime(2027, 1, 9, 12, tzinfo=LONDON)


# Reading only ------------------------------------------------------------------------------


def test_a_requester_who_may_reply_is_not_told_they_only_read(cast, client_for):
    """A requester cannot edit their ticket on the desk's edit page, but replies to it: the
    page does not tell them they can only read it. The council's auditor is told."""
    t = ticket(cast)
    notice = "You can read this record but not change it."
    assert notice not in content_of(client_for(cast.wcc_staff).get(f"/tickets/{t.pk}/"))
    assert notice in content_of(client_for(cast.wcc_auditor).get(f"/tickets/{t.pk}/"))


def test_a_nul_character_in_a_named_record_is_a_400_naming_the_field(cast, client_for):
    # Form-encoded, as the fuzzer sent it: PostgreSQL cannot look such a name up at all.
    answer = client_for(cast.wcc_lead).post(
        "/api/v1/tickets/",
        {"partner": "wcc", "subject": "Printer", "service": "Em\x00ail"},
    )
    assert answer.status_code == 400, answer.content
    [error] = answer.json()["errors"]
    assert error["field"] == "service" and "NUL" in error["message"]


def test_a_ticket_raised_in_the_api_joins_its_transaction_and_a_refusal_leaves_no_trace(
    cast, api_client_for
):
    """`raise_ticket` writes in the request's transaction, with no savepoint of its own; a
    ticket refused after its number was taken (a contact from another council) rolls the
    whole request back: the number is not used up, no row or change record is left."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.models import ChangeRecord

    client = api_client_for(cast.wcc_lead)
    body = {"partner": cast.wcc.code, "subject": "Printer jammed"}
    client.post("/api/v1/tickets/", body, format="json")  # the council's numbering begins
    with CaptureQueriesContext(connection) as queries:
        first = client.post("/api/v1/tickets/", body, format="json")
    assert first.status_code == 201, first.content
    statements = [q["sql"].upper() for q in queries.captured_queries]
    assert any(s.startswith('INSERT INTO "SERVICEDESK_TICKET"') for s in statements)
    # One savepoint: the request's transaction, made one only because the test runs in one.
    assert len([s for s in statements if s.startswith("SAVEPOINT")]) == 1
    with system_scope("test"):
        changes = ChangeRecord.objects.unscoped("test").count()
        tickets = Ticket.objects.count()
    refused = client.post(
        "/api/v1/tickets/", {**body, "contact": cast.rbkc_staff.username}, format="json"
    )
    assert refused.status_code == 400, refused.content
    with system_scope("test"):
        assert Ticket.objects.count() == tickets
        assert ChangeRecord.objects.unscoped("test").count() == changes
    second = client.post("/api/v1/tickets/", body, format="json").json()
    assert int(second["reference"][3:]) == int(first.json()["reference"][3:]) + 1
