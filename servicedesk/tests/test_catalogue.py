"""The request catalogue: an item's questions (written one a line, checked by line), asking
for an item (pages and API, answers checked the same way), the council lead's approval (in
the app, by the API and from the signed, expiring link in their email, received by a real SMTP
server on loopback), and the fulfilment tasks an approved request becomes. The generic family
(test_generic.py, TestRequestItem) covers the rest of the item's pages and API."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.services import set_audience
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from servicedesk import catalogue
from servicedesk.choices import Decision, SlaState, TicketKind, TicketStatus
from servicedesk.models import FulfilmentTask, RequestApproval, RequestItem, Ticket

pytestmark = pytest.mark.django_db

QUESTIONS = """Start date | date | required
Laptop size | choice | required | 13 inch; 15 inch
Needs a phone too | yesno | optional
Anything else | paragraph"""


def item(cast: Any, *, approval: bool = False, councils: Any = None, **extra: Any) -> RequestItem:
    with system_scope("test"):
        made = RequestItem.objects.create(
            name=extra.pop("name", "New starter laptop"),
            questions=extra.pop("questions", QUESTIONS),
            tasks=extra.pop("tasks", "Build the laptop\nEnrol it\nHand it over"),
            needs_approval=approval,
            **extra,
        )
        set_audience(made, councils if councils is not None else [cast.wcc, cast.rbkc])
    return made


ANSWERS = {"Start date": "2027-01-04", "Laptop size": "13 inch", "Needs a phone too": "yes"}


def ask(cast: Any, made: RequestItem, **extra: Any) -> Ticket:
    with system_scope("test"):
        return catalogue.raise_request(
            made,
            partner=extra.pop("partner", cast.wcc),
            requester=extra.pop("requester", cast.wcc_staff),
            answers=extra.pop("answers", ANSWERS),
        )


def with_email(cast: Any) -> Any:
    with system_scope("test"):
        for person in (cast.wcc_staff, cast.wcc_lead, cast.rbkc_lead, cast.agent):
            person.email = f"{person.username}@example.test"
            person.save()
    return cast


# Questions -----------------------------------------------------------------------------------


def test_questions_are_read_line_by_line():
    questions = catalogue.parse_questions(QUESTIONS + "\n\n")
    assert [(q.label, q.kind, q.required) for q in questions] == [
        ("Start date", "date", True),
        ("Laptop size", "choice", True),
        ("Needs a phone too", "yesno", False),
        ("Anything else", "paragraph", False),
    ]
    assert questions[1].choices == ("13 inch", "15 inch")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Name | colour", "Line 1 has the kind “colour”"),
        ("Name | text\nName | date", "Line 2 asks “Name” a second time"),
        ("Size | choice | required | one", "Line 1 is a choice: give at least two choices"),
        ("Name | text | maybe", "Line 1 says “maybe”: write required or optional"),
        ("Name | text | required | a; b", "only a choice question has them"),
        (" | text", "Line 1 has no question"),
        ("a | b | c | d | e", "more than four parts"),
    ],
)
def test_a_wrong_question_is_refused_naming_its_line(cast, text, said):
    with pytest.raises(ValidationError) as refused:
        catalogue.parse_questions(text)
    assert said in refused.value.message_dict["questions"][0]
    # The item's own check says the same on its page and in the API.
    with pytest.raises(ValidationError):
        RequestItem(name="X", questions=text).full_clean()


def test_councils_see_the_active_items_offered_to_them(cast):
    item(cast, name="Both")
    item(cast, name="WCC only", councils=[cast.wcc])
    item(cast, name="Withdrawn", is_active=False)
    seen = {
        user: set(RequestItem.objects.visible_to(user).values_list("name", flat=True))
        for user in (cast.wcc_staff, cast.rbkc_staff, cast.agent)
    }
    assert seen[cast.wcc_staff] == {"Both", "WCC only"}
    assert seen[cast.rbkc_staff] == {"Both"}
    assert seen[cast.agent] == {"Both", "WCC only", "Withdrawn"}


# Asking --------------------------------------------------------------------------------------


def test_a_request_keeps_its_answers_and_becomes_tasks(cast):
    ticket = ask(cast, item(cast))
    assert ticket.kind == TicketKind.REQUEST and ticket.reference.startswith("REQ")
    assert ticket.subject == "New starter laptop"
    assert ticket.answers == {
        "Start date": "2027-01-04",
        "Laptop size": "13 inch",
        "Needs a phone too": "yes",
        "Anything else": "",
    }
    assert "Laptop size: 13 inch" in ticket.description
    assert ticket.status == TicketStatus.NEW
    with system_scope("test"):
        titles = list(FulfilmentTask.objects.filter(ticket=ticket).values_list("title", flat=True))
    assert titles == ["Build the laptop", "Enrol it", "Hand it over"]


def test_wrong_answers_are_refused_each_naming_its_question(cast):
    made = item(cast)
    with pytest.raises(ValidationError) as refused:
        ask(cast, made, answers={"Start date": "next week", "Laptop size": "17 inch"})
    said = refused.value.message_dict["answers"]
    assert "Give “Start date” as a date, like 2027-01-31" in said
    assert "Choose one of the answers to “Laptop size”" in said
    with pytest.raises(ValidationError) as refused:
        ask(cast, made, answers={**ANSWERS, "Colour": "red"})
    assert "“Colour” is not a question" in refused.value.message_dict["answers"][0]
    with pytest.raises(ValidationError) as refused:
        ask(cast, made, answers={**ANSWERS, "Anything else": "A\u202eB"})
    assert "U+202E" in refused.value.message_dict["answers"][0]
    with system_scope("test"):
        assert not Ticket.objects.exists()


def test_an_item_not_offered_to_the_council_cannot_be_asked_for(cast):
    made = item(cast, councils=[cast.rbkc])
    with pytest.raises(ValidationError) as refused:
        ask(cast, made)
    assert "is not offered to City of Westminster" in refused.value.message_dict["partner"][0]


def test_the_page_asks_the_items_questions_and_makes_the_request(cast, client_for):
    made = item(cast)
    client = client_for(cast.wcc_staff)
    page = client.get(f"/request-items/{made.pk}/").content.decode()
    assert f"/request-items/{made.pk}/request/" in page
    form = client.get(f"/request-items/{made.pk}/request/").content.decode()
    assert "Laptop size" in form and "13 inch" in form and 'type="date"' in form
    response = client.post(
        f"/request-items/{made.pk}/request/",
        {"partner": cast.wcc.pk, "answer_1": "soon", "answer_2": "13 inch"},
    )
    assert response.status_code == 400
    assert "Give “Start date” as a date" in response.content.decode()
    response = client.post(
        f"/request-items/{made.pk}/request/",
        {"partner": cast.wcc.pk, "answer_1": "2027-01-04", "answer_2": "15 inch", "answer_3": "no"},
    )
    assert response.status_code == 302
    with system_scope("test"):
        ticket = Ticket.objects.get()
    assert ticket.requester == cast.wcc_staff and ticket.answers["Laptop size"] == "15 inch"
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Laptop size" in page and "Build the laptop" in page
    # A requester does not work the tasks.
    assert "Mark “Build the laptop” done" not in page
    # Another council's person may not even see the item.
    assert client_for(cast.rbkc_staff).get(f"/request-items/{made.pk}/request/").status_code == 200
    other = item(cast, name="WCC only", councils=[cast.wcc])
    assert client_for(cast.rbkc_staff).get(f"/request-items/{other.pk}/request/").status_code == 404


# Approval ------------------------------------------------------------------------------------


def test_an_item_needing_approval_waits_with_its_clocks_stopped_and_emails_the_leads(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    with_email(cast)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ask(cast, item(cast, approval=True))
    assert ticket.status == TicketStatus.AWAITING_APPROVAL
    assert ticket.paused_since is not None and ticket.sla_state == SlaState.PAUSED
    with system_scope("test"):
        assert RequestApproval.objects.get(ticket=ticket).decision == Decision.PENDING
        assert not FulfilmentTask.objects.filter(ticket=ticket).exists()
    [to_lead] = smtp_server.to("wcc.lead@example.test")
    assert "Approval needed" in to_lead["Subject"]
    text = to_lead.get_body(("plain",)).get_content()
    assert "Laptop size: 13 inch" in text
    assert re.search(r"http://127\.0\.0\.1:8000/approvals/[^/\s]+/", text)
    # Never another council's lead.
    assert not smtp_server.to("rbkc.lead@example.test")


def test_the_lead_approves_in_the_app_and_the_tasks_are_made(
    cast, client_for, smtp_server, django_capture_on_commit_callbacks
):
    with_email(cast)
    ticket = ask(cast, item(cast, approval=True))
    page = client_for(cast.wcc_lead).get(ticket.get_absolute_url()).content.decode()
    assert "Approve" in page and "Reject" in page
    # Neither another council's lead (for whom the request does not exist) nor the
    # requester decides.
    assert client_for(cast.rbkc_lead).post(f"/tickets/{ticket.pk}/approve/").status_code == 404
    assert client_for(cast.wcc_staff).post(f"/tickets/{ticket.pk}/approve/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.wcc_lead).post(f"/tickets/{ticket.pk}/approve/")
    assert response.status_code == 302
    with system_scope("test"):
        ticket.refresh_from_db()
        approval = RequestApproval.objects.get(ticket=ticket)
        assert FulfilmentTask.objects.filter(ticket=ticket).count() == 3
    assert ticket.status == TicketStatus.NEW and ticket.paused_since is None
    assert approval.decision == Decision.APPROVED and approval.decided_by == cast.wcc_lead
    [told] = smtp_server.to("wcc.staff@example.test")
    assert "Approved" in told["Subject"]


def test_a_rejection_says_why_and_resolves_the_request(cast, api_client_for):
    ticket = ask(cast, item(cast, approval=True))
    client = api_client_for(cast.wcc_lead)
    response = client.post(f"/api/v1/tickets/{ticket.pk}/reject/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "comment"
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/reject/", {"comment": "Use a spare one"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    assert "Not approved by" in response.json()["resolution"]
    assert "Use a spare one" in response.json()["resolution"]
    # Decided once.
    response = client.post(f"/api/v1/tickets/{ticket.pk}/approve/", {}, format="json")
    assert response.status_code == 403


def test_the_signed_link_decides_without_signing_in_once(
    cast, client, smtp_server, django_capture_on_commit_callbacks
):
    with_email(cast)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ask(cast, item(cast, approval=True))
    text = smtp_server.to("wcc.lead@example.test")[0].get_body(("plain",)).get_content()
    found = re.search(r"http://127\.0\.0\.1:8000(/approvals/[^/\s]+/)", text)
    assert found, text
    link = found[1]
    # Opening it changes nothing (mail scanners open links).
    page = client.get(link)
    assert page.status_code == 200
    assert "Laptop size" in page.content.decode()
    with system_scope("test"):
        assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.AWAITING_APPROVAL
    response = client.post(link, {"decision": "approve", "comment": ""})
    assert response.status_code == 200
    assert "Decision recorded" in response.content.decode()
    with system_scope("test"):
        approval = RequestApproval.objects.get(ticket=ticket)
    assert approval.decided_by == cast.wcc_lead
    again = client.get(link)
    assert again.status_code == 404 and "approved already" in again.content.decode()
    # A link altered by a character is no link.
    assert client.get(link[:-3] + "xx/").status_code == 404


def test_the_signed_link_expires_and_is_only_its_leads(cast, client, settings):
    settings.CONCORD_APPROVAL_LINK_DAYS = 7
    ticket = ask(cast, item(cast, approval=True))
    token = catalogue.approval_token(ticket, cast.wcc_lead)
    later = timezone.now() + datetime.timedelta(days=8)
    with time_machine.travel(later, tick=False):
        response = client.get(f"/approvals/{token}/")
    assert response.status_code == 404 and "expired" in response.content.decode()
    # Made for someone who is not (or no longer) a lead of the council: it decides nothing.
    stranger = catalogue.approval_token(ticket, cast.rbkc_lead)
    response = client.post(f"/approvals/{stranger}/", {"decision": "approve"})
    assert response.status_code == 404
    with system_scope("test"):
        Membership.objects.filter(user=cast.wcc_lead, partner=cast.wcc).delete()
    response = client.post(f"/approvals/{token}/", {"decision": "approve"})
    assert response.status_code == 404
    with system_scope("test"):
        assert RequestApproval.objects.get(ticket=ticket).decision == Decision.PENDING


# Fulfilment ----------------------------------------------------------------------------------


def test_the_desk_works_the_tasks_and_the_last_resolves_the_request(cast, client_for):
    ticket = ask(cast, item(cast))
    with system_scope("test"):
        tasks = list(FulfilmentTask.objects.filter(ticket=ticket).order_by("position"))
    assert (
        client_for(cast.wcc_staff).post(f"/tickets/{ticket.pk}/tasks/{tasks[0].pk}/done/")
    ).status_code == 403
    agent = client_for(cast.agent)
    for task in tasks[:2]:
        assert agent.post(f"/tickets/{ticket.pk}/tasks/{task.pk}/done/").status_code == 302
    with system_scope("test"):
        ticket.refresh_from_db()
    assert ticket.status != TicketStatus.RESOLVED
    assert agent.post(f"/tickets/{ticket.pk}/tasks/{tasks[2].pk}/done/").status_code == 302
    with system_scope("test"):
        ticket.refresh_from_db()
        assert FulfilmentTask.objects.get(pk=tasks[0].pk).done_by == cast.agent
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolution == "Fulfilled: every task is done."


# API -----------------------------------------------------------------------------------------


def test_api_asks_for_an_item_and_works_its_tasks(cast, api_client_for):
    made = item(cast)
    client = api_client_for(cast.wcc_staff)
    response = client.post(
        f"/api/v1/request-items/{made.pk}/request/",
        {"partner": "wcc", "answers": {"Start date": "soon", "Laptop size": "13 inch"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "answers"
    assert "Start date" in response.json()["errors"][0]["message"]
    response = client.post(
        f"/api/v1/request-items/{made.pk}/request/",
        {"partner": "wcc", "answers": {**ANSWERS, "Needs a phone too": True}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "request" and body["request_item"] == "New starter laptop"
    assert body["answers"]["Needs a phone too"] == "yes"
    tasks = api_client_for(cast.agent).get(f"/api/v1/tickets/{body['id']}/tasks/").json()
    assert [t["title"] for t in tasks] == ["Build the laptop", "Enrol it", "Hand it over"]
    done = api_client_for(cast.agent).post(
        f"/api/v1/tickets/{body['id']}/tasks/{tasks[0]['id']}/done/"
    )
    assert done.status_code == 200 and done.json()[0]["done_by"] == "agent"
    # Asking in a council one is not in is refused as if it did not exist.
    response = client.post(
        f"/api/v1/request-items/{made.pk}/request/",
        {"partner": "rbkc", "answers": ANSWERS},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "partner"
