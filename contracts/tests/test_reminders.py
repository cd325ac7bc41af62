"""Contract reminders: the periodic job sends, through the foundation's jobs and a real SMTP
server, one email per notice deadline and end date at each reminder day to the contract owner
and the owning council's lead, once, never to another council's people; it expires ended
contracts and rolls tacit renewals on."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from contracts import jobs
from contracts.models import Contract, ContractReminder, ContractSettings
from contracts.tests.factories import contract
from core.periodic import periodic_jobs
from core.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 10, 2, 9, tzinfo=datetime.UTC)
D = datetime.date


@pytest.fixture
def people(cast: Any) -> Any:
    with system_scope("test"):
        for person in (cast.wcc_staff, cast.wcc_lead, cast.wcc_auditor, cast.rbkc_lead):
            person.email = f"{person.username}@example.test"
            person.save()
    return cast


def test_the_job_is_on_the_timetable() -> None:
    assert "contracts.jobs.contract_dates" in [job.name for job in periodic_jobs()]


def run(capture: Any) -> Any:
    with capture(execute=True):
        return jobs.contract_dates.call()


@time_machine.travel(NOW, tick=False)
def test_a_reminder_goes_once_to_the_owner_and_the_lead(
    people: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cast = people
    # Three years from 1 April 2024, tacit, three months' notice: notice by 31 December 2026,
    # 90 days from 2 October 2026.
    made = contract(
        "REM-1",
        {cast.wcc: 100},
        start=D(2024, 4, 1),
        renewal="tacit",
        renewal_period_months=12,
        notice_months=3,
        owner=cast.wcc_auditor,
    )
    contract("REM-RBKC", {cast.rbkc: 100}, start=D(2030, 4, 1))
    assert run(django_capture_on_commit_callbacks)["reminders"] == 1
    told = sorted(str(m["To"]) for m in smtp_server.messages)
    # The owner and the council's lead; not the council's requester, nor anyone of rbkc.
    assert told == ["wcc.auditor@example.test", "wcc.lead@example.test"]
    message = smtp_server.to("wcc.lead@example.test")[0]
    assert message["Subject"] == (
        "[REM-1] Contract REM-1: the last day to give notice is 31 December 2026"
    )
    text = message.get_body(("plain",)).get_content()
    assert "in 90 days" in text and f"/contracts/{made.pk}/" in text
    with system_scope("test"):
        sent = ContractReminder.objects.get(contract=made)
    assert (sent.kind, sent.due_on, sent.days_before) == ("notice_deadline", D(2026, 12, 31), 90)
    # A second run (a tick run twice) sends nothing more.
    before = len(smtp_server.messages)
    assert run(django_capture_on_commit_callbacks)["reminders"] == 0
    assert len(smtp_server.messages) == before


def test_the_next_reminder_day_and_the_council_s_own_days(
    people: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cast = people
    with system_scope("test"):
        ContractSettings.objects.create(partner=cast.wcc, reminder_days="60,10")
    with time_machine.travel(datetime.datetime(2026, 10, 2, 9, tzinfo=datetime.UTC), tick=False):
        contract("REM-2", {cast.wcc: 100}, start=D(2024, 4, 1), months=33)  # ends 31 Dec 2026
        assert run(django_capture_on_commit_callbacks)["reminders"] == 0  # 90 days: not yet
    with time_machine.travel(datetime.datetime(2026, 11, 1, 9, tzinfo=datetime.UTC), tick=False):
        assert run(django_capture_on_commit_callbacks)["reminders"] == 1  # 60 days
    with time_machine.travel(datetime.datetime(2026, 12, 21, 9, tzinfo=datetime.UTC), tick=False):
        assert run(django_capture_on_commit_callbacks)["reminders"] == 1  # 10 days
        assert run(django_capture_on_commit_callbacks)["reminders"] == 0
    subjects = [str(m["Subject"]) for m in smtp_server.to("wcc.lead@example.test")]
    assert subjects == ["[REM-2] Contract REM-2: the end of its term is 31 December 2026"] * 2


def test_the_job_expires_ended_contracts_and_rolls_renewals_on(
    people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cast = people
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        fixed = contract("EXP-1", {cast.wcc: 100}, start=D(2024, 4, 1))
        tacit = contract(
            "ROLL-1",
            {cast.wcc: 100},
            start=D(2024, 4, 1),
            renewal="tacit",
            renewal_period_months=12,
            notice_months=3,
        )
    with time_machine.travel(datetime.datetime(2027, 4, 2, 9, tzinfo=datetime.UTC), tick=False):
        done = run(django_capture_on_commit_callbacks)
    assert done["statuses"] == 1
    with system_scope("test"):
        assert Contract.objects.get(pk=fixed.pk).status == "expired"
        rolled = Contract.objects.get(pk=tacit.pk)
    assert (rolled.status, rolled.end_date) == ("active", D(2028, 3, 31))
    assert rolled.notice_by == D(2027, 12, 31)
