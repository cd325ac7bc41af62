"""Change requests: who sees them (the councils they affect, never a requester), the
approvals of every affected council (normal), of one (emergency) or of none (standard), an
edit's effect on the approvals, the overlap warning, the forward schedule and its iCalendar
feed (parsed with the icalendar package), and the approval emails on a real SMTP server."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from core.services import set_audience
from core.tenancy.access import access_for
from core.tenancy.scoping import system_scope
from core.tests.test_page_templates import problems_of
from servicedesk import changes
from servicedesk.choices import ApprovalDecision, ChangeKind, ChangeStatus
from servicedesk.models import ChangeApproval, ChangeRequest, Service

pytestmark = pytest.mark.django_db

START = datetime.datetime(2030, 3, 5, 19, tzinfo=datetime.UTC)


def make_change(
    cast: Any,
    councils: list[Any],
    *,
    title: str = "Mail server patch",
    kind: str = ChangeKind.NORMAL,
    start: datetime.datetime = START,
    hours: int = 2,
    service: str = "Email",
) -> ChangeRequest:
    with system_scope("test"):
        change = ChangeRequest(
            title=title,
            kind=kind,
            service=Service.objects.get_or_create(name=service)[0],
            planned_start=start,
            planned_end=start + datetime.timedelta(hours=hours),
        )
        from django.db import transaction

        with transaction.atomic():
            changes.number(change, cast.agent)
            change.save()
            set_audience(change, councils)
        return change


def fresh(change: ChangeRequest) -> ChangeRequest:
    return ChangeRequest.objects.unscoped("test").get(pk=change.pk)


def approval(change: ChangeRequest, partner: Any) -> ChangeApproval:
    return ChangeApproval.objects.unscoped("test").get(change=change, partner=partner)


@pytest.fixture
def people(cast: Any) -> Any:
    """The cast with email addresses."""
    with system_scope("test"):
        for person in (
            cast.wcc_staff,
            cast.wcc_lead,
            cast.wcc_auditor,
            cast.rbkc_staff,
            cast.rbkc_lead,
            cast.agent,
            cast.manager,
        ):
            person.email = f"{person.username}@example.test"
            person.save()
    return cast


# Who sees a change ----------------------------------------------------------------------------


def test_the_leads_of_affected_councils_see_a_change_and_a_requester_never(
    cast, client_for, api_client_for
):
    change = make_change(cast, [cast.wcc])
    url = reverse("servicedesk:changerequest_detail", args=[change.pk])
    api = f"/api/v1/change-requests/{change.pk}/"
    assert client_for(cast.wcc_lead).get(url).status_code == 200
    assert client_for(cast.wcc_auditor).get(url).status_code == 200
    assert client_for(cast.agent).get(url).status_code == 200
    # A council it does not affect, and a requester of the council it does, see nothing.
    for person in (cast.rbkc_lead, cast.wcc_staff, cast.rbkc_staff):
        assert client_for(person).get(url).status_code == 404, person
        client = api_client_for(person)
        assert client.get(api).status_code == 404, person
        assert change.reference not in client.get("/api/v1/change-requests/").content.decode()
    # A requester has no list of changes at all, nor the schedule.
    requester = client_for(cast.wcc_staff)
    assert requester.get(reverse("servicedesk:changerequest_list")).status_code == 403
    assert requester.get(reverse("servicedesk:changerequest_forward_schedule")).status_code == 403
    requester_api = api_client_for(cast.wcc_staff)
    assert requester_api.get("/api/v1/change-requests/").status_code == 403
    assert requester_api.post("/api/v1/change-requests/", {}, format="json").status_code == 403


def test_a_lead_reads_a_change_but_does_not_edit_it(cast, client_for, api_client_for):
    change = make_change(cast, [cast.wcc])
    lead = client_for(cast.wcc_lead)
    assert (
        lead.get(reverse("servicedesk:changerequest_update", args=[change.pk])).status_code == 403
    )
    assert lead.get(reverse("servicedesk:changerequest_create")).status_code == 403
    api = api_client_for(cast.wcc_lead)
    assert api.post(f"/api/v1/change-requests/{change.pk}/submit/").status_code == 403


# Approvals ----------------------------------------------------------------------------------


def test_a_normal_change_is_approved_once_every_affected_council_approves(cast, api_client_for):
    change = make_change(cast, [cast.wcc, cast.rbkc])
    agent = api_client_for(cast.agent)
    answer = agent.post(f"/api/v1/change-requests/{change.pk}/submit/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == ChangeStatus.AWAITING_APPROVAL
    assert sorted(a["council"] for a in answer.json()["approvals"]) == ["rbkc", "wcc"]

    wcc = api_client_for(cast.wcc_lead)
    answer = wcc.post(f"/api/v1/change-requests/{change.pk}/approve/", {"comment": "Fine"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == ChangeStatus.AWAITING_APPROVAL
    # A council's lead sees their own council's decision, never another's.
    assert body["approvals"] == [
        {
            "council": "wcc",
            "decision": "approved",
            "decided_by": "wcc.lead",
            "decided_at": body["approvals"][0]["decided_at"],
            "comment": "Fine",
        }
    ]
    assert body["councils"] == ["wcc"]

    rbkc = api_client_for(cast.rbkc_lead)
    answer = rbkc.post(f"/api/v1/change-requests/{change.pk}/approve/", {})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == ChangeStatus.APPROVED
    change = fresh(change)
    assert change.approved_by == cast.rbkc_lead
    assert change.approved_at is not None


def test_one_rejection_rejects_the_change_with_its_reason(cast, api_client_for, client_for):
    change = make_change(cast, [cast.wcc, cast.rbkc])
    changes.submit(change, cast.agent)
    rbkc = api_client_for(cast.rbkc_lead)
    no_reason = rbkc.post(f"/api/v1/change-requests/{change.pk}/reject/", {})
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"][0]["field"] == "comment"
    answer = rbkc.post(
        f"/api/v1/change-requests/{change.pk}/reject/", {"comment": "Clashes with our elections"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == ChangeStatus.REJECTED
    assert approval(change, cast.wcc).decision == ApprovalDecision.NOT_NEEDED
    # The desk sees the reason on the change's page; wcc's lead sees the change rejected but
    # not rbkc's words.
    page = client_for(cast.agent).get(change.get_absolute_url()).content.decode()
    assert "Clashes with our elections" in page
    wcc_page = client_for(cast.wcc_lead).get(change.get_absolute_url()).content.decode()
    assert "Rejected" in wcc_page
    assert "Clashes with our elections" not in wcc_page
    assert "Kensington" not in wcc_page


def test_resubmitting_asks_every_council_again(cast):
    change = make_change(cast, [cast.wcc, cast.rbkc])
    changes.submit(change, cast.agent)
    changes.decide(change, cast.wcc_lead, ApprovalDecision.APPROVED)
    changes.decide(change, cast.rbkc_lead, ApprovalDecision.REJECTED, "Not in March")
    assert change.status == ChangeStatus.REJECTED
    change = fresh(change)
    change.planned_start += datetime.timedelta(days=30)
    change.planned_end += datetime.timedelta(days=30)
    change.save()
    changes.submit(change, cast.agent)
    assert change.status == ChangeStatus.AWAITING_APPROVAL
    assert {a.decision for a in changes.approvals_of(change)} == {ApprovalDecision.PENDING}


def test_a_lead_cannot_decide_for_another_council(cast, api_client_for, client_for):
    change = make_change(cast, [cast.wcc, cast.rbkc])
    changes.submit(change, cast.agent)
    rbkc = api_client_for(cast.rbkc_lead)
    answer = rbkc.post(f"/api/v1/change-requests/{change.pk}/approve/", {"council": "wcc"})
    assert answer.status_code == 400
    # The same words whether the council exists or not: nothing is told.
    unknown = rbkc.post(f"/api/v1/change-requests/{change.pk}/approve/", {"council": "xyz"})
    assert answer.json()["errors"][0]["message"].replace("wcc", "?") == unknown.json()["errors"][0][
        "message"
    ].replace("xyz", "?")
    assert approval(change, cast.wcc).decision == ApprovalDecision.PENDING
    # A change that affects only wcc does not exist for rbkc's lead.
    only_wcc = make_change(cast, [cast.wcc], title="Westminster only")
    changes.submit(only_wcc, cast.agent)
    assert rbkc.post(f"/api/v1/change-requests/{only_wcc.pk}/approve/").status_code == 404
    page = client_for(cast.rbkc_lead).post(
        reverse("servicedesk:changerequest_approve", args=[only_wcc.pk])
    )
    assert page.status_code == 404
    # The desk's staff see it but decide for no council.
    assert (
        api_client_for(cast.agent).post(f"/api/v1/change-requests/{change.pk}/approve/").status_code
        == 403
    )
    # Nor does the service manager, for a normal change.
    assert not changes.change_actions(cast.manager, fresh(change))["approve"]


def test_an_emergency_change_is_approved_by_one_lead_or_the_service_manager(cast):
    first = make_change(cast, [cast.wcc, cast.rbkc], kind=ChangeKind.EMERGENCY)
    changes.submit(first, cast.agent)
    changes.decide(first, cast.rbkc_lead, ApprovalDecision.APPROVED)
    assert first.status == ChangeStatus.APPROVED
    assert approval(first, cast.wcc).decision == ApprovalDecision.NOT_NEEDED

    second = make_change(cast, [cast.wcc, cast.rbkc], kind=ChangeKind.EMERGENCY)
    changes.submit(second, cast.agent)
    assert changes.change_actions(cast.manager, second)["approve"]
    changes.decide(second, cast.manager, ApprovalDecision.APPROVED, "Outage: go")
    second = fresh(second)
    assert second.status == ChangeStatus.APPROVED
    assert second.approved_by == cast.manager
    assert {a.decision for a in changes.approvals_of(second)} == {ApprovalDecision.NOT_NEEDED}


def test_a_standard_change_is_approved_when_submitted(cast, api_client_for):
    change = make_change(cast, [cast.wcc], kind=ChangeKind.STANDARD)
    answer = api_client_for(cast.agent).post(f"/api/v1/change-requests/{change.pk}/submit/")
    assert answer.json()["status"] == ChangeStatus.APPROVED
    assert answer.json()["approvals"] == []


def test_approvals_follow_the_councils_while_awaiting_approval(cast, api_client_for):
    change = make_change(cast, [cast.wcc])
    changes.submit(change, cast.agent)
    changes.decide(change, cast.wcc_lead, ApprovalDecision.APPROVED)
    assert fresh(change).status == ChangeStatus.APPROVED
    agent = api_client_for(cast.agent)
    url = f"/api/v1/change-requests/{change.pk}/"
    # A council added to an approved change: it goes back to awaiting approval, and every
    # council is asked again.
    answer = agent.patch(url, {"councils": ["wcc", "rbkc"]}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == ChangeStatus.AWAITING_APPROVAL
    assert {a.partner.code: a.decision for a in changes.approvals_of(change)} == {
        "wcc": ApprovalDecision.PENDING,
        "rbkc": ApprovalDecision.PENDING,
    }
    changes.decide(fresh(change), cast.wcc_lead, ApprovalDecision.APPROVED)
    # A council taken away while awaiting approval loses its approval; what is left decides.
    answer = agent.patch(url, {"councils": ["wcc"]}, format="json")
    assert answer.status_code == 200, answer.content
    assert [a.partner.code for a in changes.approvals_of(change)] == ["wcc"]
    assert answer.json()["status"] == ChangeStatus.APPROVED
    # The kind changes only in draft or once rejected.
    answer = agent.patch(url, {"kind": "standard"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "kind"


def test_the_window_must_end_after_it_starts(cast, api_client_for, client_for):
    agent = api_client_for(cast.agent)
    answer = agent.post(
        "/api/v1/change-requests/",
        {
            "title": "Backwards",
            "service": Service.objects.unscoped("test").get_or_create(name="Email")[0].name,
            "planned_start": "2030-04-10T21:00:00Z",
            "planned_end": "2030-04-10T19:00:00Z",
            "councils": ["wcc"],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "planned_end"
    assert not ChangeRequest.objects.unscoped("test").exists()


def test_a_finished_change_takes_no_more_actions(cast):
    change = make_change(cast, [cast.wcc], kind=ChangeKind.STANDARD)
    changes.submit(change, cast.agent)
    with pytest.raises(ValidationError):
        changes.schedule(change)  # who carries it out?
    changes.schedule(change, cast.agent)
    changes.start(change)
    with pytest.raises(ValidationError):
        changes.finish(change, False, "")
    changes.finish(change, False, "Rolled back: the patch broke calendar sharing")
    assert change.status == ChangeStatus.FAILED
    with pytest.raises(ValidationError):
        changes.cancel(change)
    with pytest.raises(ValidationError):
        changes.check_editable(change)


def test_the_actions_are_buttons_on_the_change_page(cast, client_for):
    change = make_change(cast, [cast.wcc])
    agent = client_for(cast.agent)
    page = agent.get(change.get_absolute_url()).content.decode()
    assert f"Submit {change.reference} for approval" in page
    response = agent.post(reverse("servicedesk:changerequest_submit", args=[change.pk]))
    assert response.status_code == 302
    lead = client_for(cast.wcc_lead)
    page = lead.get(change.get_absolute_url()).content.decode()
    assert f"Approve {change.reference}" in page
    # Rejecting without a reason: the page again, with the error on the comment.
    response = lead.post(reverse("servicedesk:changerequest_reject", args=[change.pk]), {})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Say why the change is rejected" in text
    assert problems_of(text) == []
    response = lead.post(reverse("servicedesk:changerequest_approve", args=[change.pk]), {})
    assert response.status_code == 302
    assert fresh(change).status == ChangeStatus.APPROVED


# Overlaps -----------------------------------------------------------------------------------


def test_overlapping_changes_to_one_service_are_a_warning_among_those_one_can_see(
    cast, api_client_for, client_for
):
    mine = make_change(cast, [cast.wcc], title="Patch A")
    theirs = make_change(
        cast, [cast.rbkc], title="Patch B", start=START + datetime.timedelta(hours=1)
    )
    make_change(  # another service: no overlap
        cast, [cast.wcc], title="Wi-Fi", start=START, service="Wi-Fi"
    )
    later = make_change(cast, [cast.wcc], title="Later", start=START + datetime.timedelta(hours=2))
    agent = api_client_for(cast.agent).get(f"/api/v1/change-requests/{mine.pk}/").json()
    assert agent["overlaps"] == [theirs.reference]
    listed = api_client_for(cast.agent).get("/api/v1/change-requests/").json()["results"]
    by_ref = {row["reference"]: row["overlaps"] for row in listed}
    assert by_ref[later.reference] == [theirs.reference]
    # wcc's lead cannot see rbkc's change: no overlap is shown, and nothing names it.
    lead = api_client_for(cast.wcc_lead).get(f"/api/v1/change-requests/{mine.pk}/").json()
    assert lead["overlaps"] == []
    page = client_for(cast.agent).get(mine.get_absolute_url()).content.decode()
    assert "overlaps 1 other change" in page
    assert theirs.reference in page
    lead_page = client_for(cast.wcc_lead).get(mine.get_absolute_url()).content.decode()
    assert theirs.reference not in lead_page
    # A cancelled change overlaps nothing.
    changes.cancel(theirs)
    assert changes.overlapping(fresh(mine), cast.agent) == []


# The forward schedule and its feed ----------------------------------------------------------


def test_the_forward_schedule_lists_upcoming_changes_by_day_and_filters(cast, client_for):
    shared = make_change(cast, [cast.wcc, cast.rbkc], title="Shared firewall")
    changes.submit(shared, cast.agent)
    rbkc_only = make_change(cast, [cast.rbkc], title="Kensington printers", service="Printing")
    changes.submit(rbkc_only, cast.agent)
    draft = make_change(
        cast, [cast.wcc], title="Still a draft", start=START + datetime.timedelta(days=3)
    )
    url = reverse("servicedesk:changerequest_forward_schedule")
    page = client_for(cast.agent).get(url).content.decode()
    assert shared.reference in page and rbkc_only.reference in page
    assert draft.reference not in page
    assert "Tuesday 5 March 2030" in page
    assert problems_of(page) == []
    filtered = client_for(cast.agent).get(url, {"partner": cast.wcc.pk}).content.decode()
    assert shared.reference in filtered and rbkc_only.reference not in filtered
    service = Service.objects.unscoped("test").get(name="Printing")
    by_service = client_for(cast.agent).get(url, {"service": service.pk}).content.decode()
    assert rbkc_only.reference in by_service and shared.reference not in by_service
    # wcc's lead: only what affects wcc, and no way to ask for rbkc.
    lead = client_for(cast.wcc_lead)
    assert rbkc_only.reference not in lead.get(url).content.decode()
    wrong = lead.get(url, {"partner": cast.rbkc.pk})
    assert wrong.status_code == 400
    text = wrong.content.decode()
    assert "<title>Error: " in text and "Choose a council from the list" in text
    assert problems_of(text) == []


def feed_secret(client: Any) -> str:
    response = client.post(reverse("servicedesk:changerequest_feed_secret"), follow=True)
    text = response.content.decode()
    start = text.index("/change-requests/calendar/") + len("/change-requests/calendar/")
    return text[start : text.index(".ics", start)]


def test_the_calendar_feed_is_the_person_s_own_view_at_a_secret_address(cast, client_for, client):
    shared = make_change(cast, [cast.wcc, cast.rbkc], title="Shared firewall")
    changes.submit(shared, cast.agent)
    rbkc_only = make_change(cast, [cast.rbkc], title="Kensington printers")
    changes.submit(rbkc_only, cast.agent)
    secret = feed_secret(client_for(cast.wcc_lead))
    # Shown once: the schedule does not show it again.
    again = client_for(cast.wcc_lead).get(reverse("servicedesk:changerequest_forward_schedule"))
    assert secret not in again.content.decode()

    feed = reverse("servicedesk:changerequest_feed", args=[secret])
    response = client.get(feed)  # no session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert list(events) == [f"{shared.reference} Shared firewall"]
    event = events[f"{shared.reference} Shared firewall"]
    assert event.decoded("dtstart") == shared.planned_start
    assert event.decoded("dtend") == shared.planned_end
    assert str(event["status"]) == "TENTATIVE"  # awaiting approval
    assert str(event["uid"]) == f"{shared.reference.lower()}@concord"

    # A wrong secret, an old one after a new is made, a deactivated person: 404.
    assert client.get(reverse("servicedesk:changerequest_feed", args=["nope"])).status_code == 404
    newer = feed_secret(client_for(cast.wcc_lead))
    assert client.get(feed).status_code == 404
    newer_feed = reverse("servicedesk:changerequest_feed", args=[newer])
    assert client.get(newer_feed).status_code == 200
    with system_scope("test"):
        cast.wcc_lead.is_active = False
        cast.wcc_lead.save()
    assert client.get(newer_feed).status_code == 404


def test_a_requester_gets_no_calendar_address(cast, client_for):
    response = client_for(cast.wcc_staff).post(reverse("servicedesk:changerequest_feed_secret"))
    assert response.status_code == 403
    assert not changes.has_feed(cast.wcc_staff)


# Emails -------------------------------------------------------------------------------------


def test_approval_needed_goes_to_each_affected_council_s_lead_only(
    people, smtp_server, django_capture_on_commit_callbacks
):
    change = make_change(people, [people.wcc, people.rbkc])
    with django_capture_on_commit_callbacks(execute=True):
        changes.submit(change, people.agent)
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        "rbkc.lead@example.test",
        "wcc.lead@example.test",
    ]
    message = smtp_server.to("wcc.lead@example.test")[0]
    assert message["Subject"] == f"[{change.reference}] Approval needed: Mail server patch"
    assert message["X-Concord-Change"] == change.reference
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "City of Westminster" in text and "Kensington" not in text
    assert change.reference in html


def test_the_requester_is_told_of_the_approval_and_of_a_rejection_with_its_reason(
    people, smtp_server, django_capture_on_commit_callbacks
):
    approved = make_change(people, [people.wcc])
    changes.submit(approved, people.agent)
    with django_capture_on_commit_callbacks(execute=True):
        changes.decide(approved, people.wcc_lead, ApprovalDecision.APPROVED)
    assert [str(m["To"]) for m in smtp_server.messages] == ["agent@example.test"]
    assert smtp_server.messages[0]["Subject"].startswith(f"[{approved.reference}] Approved")

    rejected = make_change(people, [people.wcc, people.rbkc], title="Firewall")
    changes.submit(rejected, people.agent)
    with django_capture_on_commit_callbacks(execute=True):
        changes.decide(rejected, people.rbkc_lead, ApprovalDecision.REJECTED, "Election week")
    message = next(m for m in smtp_server.messages if "Rejected" in str(m["Subject"]))
    assert str(message["To"]) == "agent@example.test"
    assert "Election week" in message.get_body(("plain",)).get_content()


def test_nobody_who_cannot_decide_is_asked(people, smtp_server, django_capture_on_commit_callbacks):
    # wcc's auditor and requester read (or not) the change, but decide nothing.
    change = make_change(people, [people.wcc])
    with django_capture_on_commit_callbacks(execute=True):
        changes.submit(change, people.agent)
    assert [str(m["To"]) for m in smtp_server.messages] == ["wcc.lead@example.test"]
    assert access_for(people.wcc_auditor).can("view", "changes")


def test_a_lead_s_home_page_counts_the_changes_awaiting_their_approval(cast, client_for):
    from servicedesk.views import change_needs

    both = make_change(cast, [cast.wcc, cast.rbkc], title="Both")
    changes.submit(both, cast.agent)
    only_rbkc = make_change(cast, [cast.rbkc], title="Kensington only")
    changes.submit(only_rbkc, cast.agent)
    make_change(cast, [cast.wcc], title="A draft")  # nobody is asked yet
    assert [(n.label, n.count) for n in change_needs(cast.wcc_lead)] == [
        ("Changes awaiting your approval", 1)
    ]
    assert change_needs(cast.rbkc_lead)[0].count == 2
    changes.decide(fresh(both), cast.wcc_lead, ApprovalDecision.APPROVED)
    assert change_needs(cast.wcc_lead)[0].count == 0
    # Who decides nothing is not asked.
    for person in (cast.wcc_auditor, cast.wcc_staff, cast.agent):
        assert change_needs(person) == []
    assert "Changes awaiting your approval" in client_for(cast.rbkc_lead).get("/").content.decode()


def test_saving_an_overlapping_change_warns_and_saves(cast, client_for):
    make_change(cast, [cast.wcc], title="Patch A")
    data = {
        "title": "Patch B",
        "kind": "normal",
        "risk": "low",
        "impact": "low",
        "service": Service.objects.unscoped("test").get(name="Email").pk,
        "planned_start": "2030-03-05 19:30",
        "planned_end": "2030-03-05 20:30",
        "councils": [cast.wcc.pk],
    }
    response = client_for(cast.agent).post(
        reverse("servicedesk:changerequest_create"), data, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "overlaps CHG0000001 on the same service" in text
    assert ChangeRequest.objects.unscoped("test").count() == 2


# The demo -------------------------------------------------------------------------------------


def test_the_demo_s_changes_are_on_the_schedule_and_a_second_run_makes_none():
    from core.demo import DemoRun
    from core.tenancy.models import User
    from partners.demo import load_demo_data as load_councils
    from servicedesk.change_demo import load_change_requests

    run = DemoRun()
    with system_scope("demo"):
        load_councils(run)
        load_change_requests(run)
        assert run.created["change requests"] == 4
        made = {c.title: c for c in ChangeRequest.objects.unscoped("test")}
        shared = made["Exchange Online mailbox patching"]
        assert sorted(p.code for p in shared.audience()) == ["rbkc", "wcc"]
        assert shared.status == ChangeStatus.AWAITING_APPROVAL
        assert made["VPN certificate renewal"].status == ChangeStatus.IN_PROGRESS
        assert made["Print release driver rollout"].status == ChangeStatus.SCHEDULED
        assert shared.requested_by.username == "agent"
        manager = User.objects.get(username="manager")
        assert changes.overlapping(made["Mailbox storage increase"], manager) == [shared]
        again = DemoRun(partners=run.partners)
        load_change_requests(again)
        assert again.created["change requests"] == 0


def test_the_approvals_api_lists_each_councils_own_and_decides_as_the_page(cast, api_client_for):
    change = make_change(cast, [cast.wcc, cast.rbkc])
    changes.submit(change, cast.agent)
    ours, theirs = approval(change, cast.wcc), approval(change, cast.rbkc)
    wcc = api_client_for(cast.wcc_lead)
    listed = wcc.get("/api/v1/change-approvals/?decision=pending&change_status=awaiting_approval")
    assert listed.status_code == 200
    assert [(row["id"], row["partner"], row["change"]) for row in listed.json()["results"]] == [
        (ours.pk, "wcc", change.reference)
    ]
    # Another council's approval is not there for them; a requester reads no approvals.
    assert wcc.get(f"/api/v1/change-approvals/{theirs.pk}/").status_code == 404
    assert wcc.post(f"/api/v1/change-approvals/{theirs.pk}/approve/").status_code == 404
    assert api_client_for(cast.wcc_staff).get("/api/v1/change-approvals/").status_code == 403
    # The auditor reads it but decides nothing; the desk's staff decide for no council.
    assert (
        api_client_for(cast.wcc_auditor)
        .get(f"/api/v1/change-approvals/{ours.pk}/")
        .json()["decision"]
        == ApprovalDecision.PENDING
    )
    for person in (cast.wcc_auditor, cast.agent):
        refused = api_client_for(person).post(f"/api/v1/change-approvals/{ours.pk}/approve/")
        assert refused.status_code == 403
    # A rejection says why, as on the page (the same rule: servicedesk.changes.decide).
    no_reason = wcc.post(f"/api/v1/change-approvals/{ours.pk}/reject/", {"comment": " "})
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"][0]["field"] == "comment"
    answer = wcc.post(f"/api/v1/change-approvals/{ours.pk}/approve/", {"comment": "Fine by us"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["decision"], body["decided_by"], body["comment"]) == (
        ApprovalDecision.APPROVED,
        "wcc.lead",
        "Fine by us",
    )
    assert body["change_status"] == ChangeStatus.AWAITING_APPROVAL
    # Once decided, a second decision is refused on the decision, naming what it is.
    again = wcc.post(f"/api/v1/change-approvals/{ours.pk}/reject/", {"comment": "No"})
    assert again.status_code == 400
    assert again.json()["errors"][0] == {
        "field": "decision",
        "code": "invalid",
        "message": f"City of Westminster's decision on {change.reference} is made: approved",
    }
    # The last council's approval approves the change; the change's page shows it.
    last = api_client_for(cast.rbkc_lead).post(f"/api/v1/change-approvals/{theirs.pk}/approve/")
    assert last.status_code == 200 and last.json()["change_status"] == ChangeStatus.APPROVED
    assert fresh(change).approved_by == cast.rbkc_lead
    closed = wcc.post(f"/api/v1/change-approvals/{ours.pk}/approve/")
    assert closed.status_code == 400
    assert closed.json()["errors"][0]["message"] == (
        f"{change.reference} is approved: it awaits no decision"
    )
