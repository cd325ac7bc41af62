"""The portfolio's reminders (portfolio.jobs): through the foundation's jobs and a real SMTP
server on loopback, a risk's owner is emailed once per review date when it has come, and a
project's manager once a month when last month's report is missing after the fifth working
day; never someone who cannot see the project."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from core.periodic import periodic_jobs
from core.tenancy.scoping import system_scope
from portfolio import jobs
from portfolio.models import ProjectIssue, ProjectReport, Risk
from portfolio.tests.factories import project

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def people(cast: Any) -> Any:
    with system_scope("test"):
        for person in (cast.wcc_lead, cast.wcc_auditor, cast.rbkc_lead, cast.manager):
            person.email = f"{person.username}@example.test"
            person.save()
    return cast


def run(capture: Any) -> Any:
    with capture(execute=True):
        return jobs.portfolio_reminders.call()


def test_the_job_is_on_the_timetable() -> None:
    assert "portfolio.jobs.portfolio_reminders" in [job.name for job in periodic_jobs()]


@time_machine.travel(datetime.datetime(2026, 6, 2, 9, tzinfo=datetime.UTC), tick=False)
def test_a_risk_s_owner_is_reminded_once_per_review_date(
    people: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cast = people
    proj = project("RMD-1", {cast.wcc: 100}, start_date=D(2026, 5, 1))
    with system_scope("test data"):
        risk = Risk.objects.create(
            project=proj,
            title="Racks late",
            likelihood=3,
            impact=4,
            owner=cast.wcc_lead,
            review_date=D(2026, 6, 1),
        )
        Risk.objects.create(
            project=proj,
            title="Not yet",
            likelihood=1,
            impact=1,
            owner=cast.wcc_lead,
            review_date=D(2026, 6, 30),
        )
        # Owned by someone who cannot see the project: never written to.
        Risk.objects.create(
            project=proj,
            title="Wrong owner",
            likelihood=1,
            impact=1,
            owner=cast.rbkc_lead,
            review_date=D(2026, 5, 30),
        )
    assert run(django_capture_on_commit_callbacks)["risks"] == 2
    assert [str(m["To"]) for m in smtp_server.messages] == ["wcc.lead@example.test"]
    message = smtp_server.messages[0]
    assert message["Subject"] == "[RMD-1] Review the risk: Racks late (due 01 June 2026)"
    text = message.get_body(("plain",)).get_content()
    assert "score 12 out of 25" in text and f"/risks/{risk.pk}/" in text
    # Run again (a tick twice): nothing more.
    assert run(django_capture_on_commit_callbacks)["risks"] == 0
    assert len(smtp_server.messages) == 1
    # A new review date, once it has come, reminds again.
    with system_scope("test data"):
        risk.review_date = D(2026, 6, 2)
        risk.save()
    assert run(django_capture_on_commit_callbacks)["risks"] == 1
    assert len(smtp_server.messages) == 2


@time_machine.travel(datetime.datetime(2026, 6, 2, 9, tzinfo=datetime.UTC), tick=False)
def test_an_issue_s_owner_is_reminded_too(
    people: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cast = people
    proj = project("RMD-I", {cast.wcc: 100}, start_date=D(2026, 5, 1))
    with system_scope("test data"):
        issue = ProjectIssue.objects.create(
            project=proj,
            title="Supplier missed the cut-over",
            likelihood=5,
            impact=3,
            owner=cast.wcc_lead,
            review_date=D(2026, 6, 1),
        )
        ProjectIssue.objects.create(  # closed: never reminded
            project=proj,
            title="Settled",
            likelihood=1,
            impact=1,
            owner=cast.wcc_lead,
            review_date=D(2026, 5, 1),
            status="closed",
        )
    done = run(django_capture_on_commit_callbacks)
    assert (done["issues"], done["risks"]) == (1, 0)
    [message] = smtp_server.messages
    assert message["Subject"] == (
        "[RMD-I] Review the issue: Supplier missed the cut-over (due 01 June 2026)"
    )
    text = message.get_body(("plain",)).get_content()
    assert 'The issue "Supplier missed the cut-over"' in text
    assert issue.get_absolute_url() in text
    assert run(django_capture_on_commit_callbacks)["issues"] == 0


def test_a_missing_report_reminds_the_manager_after_the_fifth_working_day(
    people: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cast = people
    late = project("RMD-2", {cast.wcc: 100}, start_date=D(2026, 1, 1), manager=cast.wcc_lead)
    done = project("RMD-3", {cast.wcc: 100}, start_date=D(2026, 1, 1), manager=cast.wcc_lead)
    project("RMD-4", {cast.wcc: 100}, start_date=D(2026, 1, 1), stage="idea", manager=cast.wcc_lead)
    with system_scope("test data"):
        ProjectReport.objects.create(
            project=done,
            period=D(2026, 5, 1),
            rag_scope="green",
            rag_time="green",
            rag_cost="green",
            rag_risk="green",
            narrative="Fine",
        )
    # June 2026: 1st Monday; the fifth working day is Friday 5 June.
    with time_machine.travel(datetime.datetime(2026, 6, 5, 12, tzinfo=datetime.UTC), tick=False):
        assert run(django_capture_on_commit_callbacks)["reports"] == 0
    with time_machine.travel(datetime.datetime(2026, 6, 8, 9, tzinfo=datetime.UTC), tick=False):
        assert run(django_capture_on_commit_callbacks)["reports"] == 1
        assert run(django_capture_on_commit_callbacks)["reports"] == 0
    [message] = smtp_server.messages
    assert str(message["To"]) == "wcc.lead@example.test"
    assert message["Subject"] == "[RMD-2] The report for May 2026 is missing"
    assert f"/projects/{late.pk}/" in message.get_body(("plain",)).get_content()
