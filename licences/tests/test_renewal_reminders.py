"""Renewal reminders: the periodic job marks each agreement falling due and the email goes,
through the foundation's jobs and a real SMTP server, to the owning councils' leads and
procurement officers and the shared service's, once per due date, and never to another
council's people."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from core.periodic import periodic_jobs
from core.tenancy.scoping import system_scope
from licences import jobs
from licences.models import LicenceAgreement
from licences.tests.factories import agreement

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 9, tzinfo=datetime.UTC)


def fresh(made):
    with system_scope("test"):
        return LicenceAgreement.objects.get(pk=made.pk)


@pytest.fixture
def people(cast):
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


def test_the_job_is_on_the_timetable():
    assert "licences.jobs.remind_renewals" in [job.name for job in periodic_jobs()]


@time_machine.travel(NOW, tick=False)
def test_a_reminder_goes_once_to_the_owners_people(
    people, smtp_server, django_capture_on_commit_callbacks
):
    cast = people
    due = agreement(
        "W-RENEW", {cast.wcc: 100}, renewal_on=datetime.date(2026, 8, 1), remind_days=60
    )
    agreement("W-LATER", {cast.wcc: 100}, renewal_on=datetime.date(2026, 12, 1), remind_days=60)
    agreement("R-RENEW", {cast.rbkc: 100}, renewal_on=datetime.date(2027, 8, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_renewals.call() == 1
    told = sorted(str(m["To"]) for m in smtp_server.messages)
    # The lead and the service's manager; not the requester, the auditor, the desk agent, nor
    # anyone of rbkc.
    assert told == ["manager@example.test", "wcc.lead@example.test"]
    message = smtp_server.to("wcc.lead@example.test")[0]
    assert message["Subject"] == "[W-RENEW] Quillsoft Writer renews on 01 August 2026"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    assert "in 47 days" in text and "/licence-agreements/" in text
    assert fresh(due).reminded_for == datetime.date(2026, 8, 1)
    # A second run (a tick run twice) sends nothing more.
    before = len(smtp_server.messages)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_renewals.call() == 0
    assert len(smtp_server.messages) == before


@time_machine.travel(NOW, tick=False)
def test_a_renewed_agreement_is_reminded_of_its_next_date(
    people, smtp_server, django_capture_on_commit_callbacks
):
    cast = people
    due = agreement("EA-1", {cast.wcc: 50, cast.rbkc: 50}, renewal_on=datetime.date(2026, 7, 1))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.renewal_reminders()
    told = {str(m["To"]) for m in smtp_server.messages}
    assert {"wcc.lead@example.test", "rbkc.lead@example.test"} <= told
    with system_scope("test"):
        renewed = fresh(due)
        renewed.renewal_on = datetime.date(2026, 9, 1)
        renewed.save()
    assert jobs.renewal_reminders() == 1
