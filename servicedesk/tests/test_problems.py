"""Problems: the shared service's own record behind incidents of any council. Linking
incidents, the rules of a known error and a resolution, the known error shown to agents on
linked and similar incidents, and never to a council (pages and API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.tenancy.scoping import system_scope
from servicedesk import services
from servicedesk.choices import ProblemStatus, TicketKind
from servicedesk.models import Problem, Service, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def email(cast: Any) -> Any:
    with system_scope("test"):
        return Service.objects.create(name="Email")


def incident(cast: Any, partner: Any, **extra: Any) -> Ticket:
    requester = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
    with system_scope("test"):
        return services.raise_ticket(
            partner=partner, requester=requester, subject=extra.pop("subject", "Mail late"), **extra
        )


def known_error(service: Any) -> Problem:
    with system_scope("test"):
        problem = services.raise_problem(title="Mail gateway backlog", service=service)
        return services.change_problem(
            problem,
            {"status": ProblemStatus.KNOWN_ERROR, "workaround": "Send large files by link"},
        )


def test_references_count_across_the_service(cast):
    with system_scope("test"):
        first = services.raise_problem(title="One")
        second = services.raise_problem(title="Two")
    assert (first.reference, second.reference) == ("PRB0000001", "PRB0000002")


def test_a_known_error_says_how_to_get_round_it_and_a_resolution_why(cast):
    with system_scope("test"):
        problem = services.raise_problem(title="VPN drops")
        with pytest.raises(ValidationError) as known:
            services.change_problem(problem, {"status": ProblemStatus.KNOWN_ERROR})
        assert "workaround" in known.value.message_dict
        problem.refresh_from_db()
        with pytest.raises(ValidationError) as resolved:
            services.change_problem(problem, {"status": ProblemStatus.RESOLVED})
        assert "root_cause" in resolved.value.message_dict
        problem.refresh_from_db()
        done = services.change_problem(
            problem, {"status": ProblemStatus.RESOLVED, "root_cause": "Expired certificate"}
        )
        assert done.resolved_at is not None
        again = services.change_problem(done, {"status": ProblemStatus.INVESTIGATING})
        assert again.resolved_at is None


def test_incidents_of_several_councils_link_to_one_problem(cast, client_for, email):
    problem = known_error(email)
    ours, theirs = incident(cast, cast.wcc), incident(cast, cast.rbkc)
    with system_scope("test"):
        services.link_to_problem(ours, problem)
        services.link_to_problem(theirs, problem)
    page = client_for(cast.agent).get(problem.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert ours.get_absolute_url() in text and theirs.get_absolute_url() in text


def test_only_open_problems_take_incidents_and_only_incidents_link(cast):
    with system_scope("test"):
        problem = services.raise_problem(title="Printers")
        request = incident(cast, cast.wcc, kind=TicketKind.REQUEST)
        with pytest.raises(ValidationError):
            services.link_to_problem(request, problem)
        services.change_problem(problem, {"status": ProblemStatus.CLOSED, "root_cause": "Old"})
        with pytest.raises(ValidationError):
            services.link_to_problem(incident(cast, cast.wcc), problem)


def test_agents_see_the_known_error_on_linked_and_similar_incidents(cast, client_for, email):
    problem = known_error(email)
    linked = incident(cast, cast.wcc)
    similar = incident(cast, cast.rbkc, service=email)
    unrelated = incident(cast, cast.wcc, subject="Screen flickers")
    with system_scope("test"):
        services.link_to_problem(linked, problem)
    agent = client_for(cast.agent)
    for ticket in (linked, similar):
        text = agent.get(ticket.get_absolute_url()).content.decode()
        assert "Send large files by link" in text and problem.reference in text
    assert (
        "Send large files by link" not in agent.get(unrelated.get_absolute_url()).content.decode()
    )


def test_councils_never_see_problems(cast, client_for, email):
    problem = known_error(email)
    ticket = incident(cast, cast.wcc, service=email)
    with system_scope("test"):
        services.link_to_problem(ticket, problem)
    for person in (cast.wcc_lead, cast.wcc_staff, cast.wcc_auditor):
        client = client_for(person)
        text = client.get(ticket.get_absolute_url()).content.decode()
        assert problem.reference not in text and "Send large files by link" not in text
        assert client.get(problem.get_absolute_url()).status_code in (403, 404)
        assert client.get("/api/v1/problems/").status_code == 403
        answer = client.get(f"/api/v1/tickets/{ticket.pk}/")
        assert answer.status_code == 200 and answer.json()["problem"] is None
    assert client_for(cast.agent).get(f"/api/v1/tickets/{ticket.pk}/").json()["problem"] == (
        problem.reference
    )


def test_the_desk_links_an_incident_through_the_api_and_the_edit_page(cast, client_for, email):
    problem = known_error(email)
    ticket = incident(cast, cast.wcc)
    api = client_for(cast.agent)
    answer = api.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"problem": problem.reference},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    with system_scope("test"):
        ticket.refresh_from_db()
    assert ticket.problem_id == problem.pk
    listed = api.get(f"/api/v1/tickets/?problem={problem.pk}").json()
    assert [row["reference"] for row in listed["results"]] == [ticket.reference]
    # A lead's edit page has no problem to choose.
    form = client_for(cast.wcc_lead).get(ticket.get_absolute_url() + "edit/")
    assert form.status_code == 200 and 'name="problem"' not in form.content.decode()


def test_a_lead_who_reads_no_problems_unlinks_none(cast, client_for, email):
    problem = known_error(email)
    ticket = incident(cast, cast.wcc)
    with system_scope("test"):
        services.link_to_problem(ticket, problem)
    # The lead reads the ticket's problem as null; sending that back changes nothing.
    lead = client_for(cast.wcc_lead)
    answer = lead.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"problem": None, "subject": "Mail is very late"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["problem"] is None and answer.json()["subject"] == "Mail is very late"
    with system_scope("test"):
        ticket.refresh_from_db()
    assert ticket.problem_id == problem.pk
