"""The derived dates of a contract (contracts.services) and the month-end convention
(docs/contracts.md): month ends, leap days, tacit renewal, notice missed, extensions
exercised late, break clauses, status moves."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from contracts import services
from contracts.models import BreakClause, Contract, ContractExtension
from contracts.tests.factories import contract
from core.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2024, 4, 1), 36, D(2027, 3, 31)),
        (D(2025, 5, 15), 1, D(2025, 6, 14)),
        # No 31 February: the term ends on February's last day, in a leap year too.
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 1, 30), 1, D(2024, 2, 29)),
        (D(2025, 1, 28), 1, D(2025, 2, 27)),
        # Counted from the start, never from the last end: no drift after a short month.
        (D(2025, 1, 31), 2, D(2025, 3, 30)),
        (D(2025, 1, 31), 3, D(2025, 4, 30)),
        # Leap days: a year from 29 February ends on 28 February; four years on, on the 28th.
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 28)),
        (D(2023, 3, 1), 12, D(2024, 2, 29)),
        (D(2024, 12, 31), 2, D(2025, 2, 28)),
    ],
)
def test_term_end_follows_the_corresponding_date_rule(
    start: datetime.date, months: int, end: datetime.date
) -> None:
    assert services.term_end(start, months) == end


@pytest.mark.parametrize(
    ("end", "months", "deadline"),
    [
        (D(2027, 3, 31), 3, D(2026, 12, 31)),
        (D(2025, 2, 28), 3, D(2024, 11, 30)),
        (D(2024, 2, 29), 1, D(2024, 1, 31)),
        # 31 May has no 31 February three months before: the deadline errs early.
        (D(2025, 5, 30), 3, D(2025, 2, 27)),
        (D(2027, 3, 31), 0, D(2027, 3, 31)),
    ],
)
def test_notice_deadline_counts_back_from_the_day_after_the_end(
    end: datetime.date, months: int, deadline: datetime.date
) -> None:
    assert services.deadline_for(end, months) == deadline


@pytest.fixture
def tacit(cast: Any) -> Contract:
    """Three years from 1 April 2024, renewing by itself for a year at a time unless three
    months' notice is given."""
    return contract(
        "TAC-1",
        {cast.wcc: 100},
        start=D(2024, 4, 1),
        months=36,
        renewal="tacit",
        renewal_period_months=12,
        notice_months=3,
    )


def test_tacit_renewal_before_the_deadline(tacit: Contract) -> None:
    on = D(2026, 6, 1)
    assert services.current_end_date(tacit, on) == D(2027, 3, 31)
    assert services.earliest_end_date(tacit, on) == D(2027, 3, 31)
    assert services.notice_deadline(tacit, on) == D(2026, 12, 31)
    assert services.next_decision_date(tacit, on) == D(2026, 12, 31)
    # The last day itself still reaches that end.
    assert services.earliest_end_date(tacit, D(2026, 12, 31)) == D(2027, 3, 31)


def test_tacit_renewal_notice_missed(tacit: Contract) -> None:
    on = D(2027, 1, 1)  # a day late: the term still ends 31 March, but it will renew
    assert services.current_end_date(tacit, on) == D(2027, 3, 31)
    assert services.earliest_end_date(tacit, on) == D(2028, 3, 31)
    assert services.notice_deadline(tacit, on) == D(2027, 12, 31)
    assert services.next_decision_date(tacit, on) == D(2027, 12, 31)


def test_tacit_renewal_rolls_on_year_by_year(tacit: Contract) -> None:
    assert services.current_end_date(tacit, D(2027, 4, 1)) == D(2028, 3, 31)
    assert services.current_end_date(tacit, D(2029, 5, 1)) == D(2030, 3, 31)
    assert services.earliest_end_date(tacit, D(2029, 12, 31)) == D(2030, 3, 31)
    assert services.earliest_end_date(tacit, D(2030, 1, 1)) == D(2031, 3, 31)


def test_notice_given_in_time_ends_it_and_moves_it_to_in_notice(tacit: Contract) -> None:
    with system_scope("test"):
        assert services.give_notice(tacit, D(2026, 12, 31)) == D(2027, 3, 31)
    tacit.refresh_from_db()
    assert tacit.status == "in_notice"
    assert services.current_end_date(tacit, D(2027, 2, 1)) == D(2027, 3, 31)
    assert services.notice_deadline(tacit, D(2027, 2, 1)) is None
    assert services.next_decision_date(tacit, D(2027, 2, 1)) == D(2027, 3, 31)
    assert services.status_on(tacit, D(2027, 4, 1)) == "expired"


def test_notice_given_late_ends_it_a_year_later(tacit: Contract) -> None:
    with system_scope("test"):
        assert services.give_notice(tacit, D(2027, 1, 5)) == D(2028, 3, 31)
    assert services.current_end_date(tacit, D(2027, 6, 1)) == D(2028, 3, 31)
    assert services.status_on(tacit, D(2027, 4, 1)) == "in_notice"


def test_notice_refused_on_a_contract_not_active(cast: Any) -> None:
    draft = contract("DR-1", {cast.wcc: 100}, status="draft")
    with system_scope("test"), pytest.raises(ValidationError) as refused:
        services.give_notice(draft, D(2025, 1, 1))
    assert "only on an active contract" in str(refused.value)


@pytest.fixture
def three_plus_one_plus_one(cast: Any) -> Contract:
    made = contract("EXT-1", {cast.wcc: 100}, start=D(2023, 4, 1), months=36, notice_months=6)
    with system_scope("test"):
        for sequence in (1, 2):
            ContractExtension.objects.create(contract=made, sequence=sequence, months=12)
    return made


def test_extensions_exercised_in_time_extend_the_term(three_plus_one_plus_one: Contract) -> None:
    made = three_plus_one_plus_one
    assert services.current_end_date(made, D(2025, 1, 1)) == D(2026, 3, 31)
    # A fixed term needs no notice; the decision is whether to take up option 1, by the
    # notice deadline of the end it extends.
    assert services.notice_deadline(made, D(2025, 1, 1)) is None
    assert services.option_deadline(made) == D(2025, 9, 30)
    assert services.next_decision_date(made, D(2025, 1, 1)) == D(2025, 9, 30)
    with system_scope("test"):
        option = ContractExtension.objects.get(contract=made, sequence=1)
        option.exercised, option.exercised_on = True, D(2025, 9, 1)
        option.full_clean()
        option.save()
        made = Contract.objects.get(pk=made.pk)
    assert services.current_end_date(made, D(2026, 6, 1)) == D(2027, 3, 31)
    assert services.option_deadline(made) == D(2026, 9, 30)
    assert made.end_date is not None  # the stored dates followed the option


def test_extension_exercised_after_the_term_ended_is_refused(
    three_plus_one_plus_one: Contract,
) -> None:
    with system_scope("test"):
        option = ContractExtension.objects.get(contract=three_plus_one_plus_one, sequence=1)
        option.exercised, option.exercised_on = True, D(2026, 4, 15)
        with pytest.raises(ValidationError) as refused:
            option.full_clean()
    message = str(refused.value)
    assert "after the term it extends ended on 31 March 2026" in message


def test_extension_exercised_out_of_order_is_refused(three_plus_one_plus_one: Contract) -> None:
    with system_scope("test"):
        option = ContractExtension.objects.get(contract=three_plus_one_plus_one, sequence=2)
        option.exercised, option.exercised_on = True, D(2025, 1, 1)
        with pytest.raises(ValidationError) as refused:
            option.full_clean()
    assert "before option 1" in str(refused.value)


def test_extension_stored_late_past_the_checks_is_flagged(
    three_plus_one_plus_one: Contract,
) -> None:
    """Written past validation (an old import): the dates say so, never silently."""
    with system_scope("test"):
        option = ContractExtension.objects.get(contract=three_plus_one_plus_one, sequence=1)
        option.exercised, option.exercised_on = True, D(2026, 5, 1)
        option.save()
        made = Contract.objects.get(pk=three_plus_one_plus_one.pk)
    problems = services.date_problems(made)
    assert len(problems) == 1 and "exercised on 01 May 2026" in problems[0]
    assert services.dates(made, D(2026, 6, 1)).problems == tuple(problems)


def test_break_clause_is_the_earliest_end_until_its_deadline(cast: Any) -> None:
    made = contract("BRK-1", {cast.wcc: 100}, start=D(2024, 4, 1), months=60, notice_months=3)
    with system_scope("test"):
        BreakClause.objects.create(contract=made, break_date=D(2026, 3, 31), notice_months=6)
    assert services.earliest_end_date(made, D(2025, 6, 1)) == D(2026, 3, 31)
    assert services.notice_deadline(made, D(2025, 6, 1)) == D(2025, 9, 30)
    assert services.next_decision_date(made, D(2025, 6, 1)) == D(2025, 9, 30)
    # Break missed: the fixed term ends anyway on 31 March 2029, with no notice to give.
    assert services.earliest_end_date(made, D(2025, 10, 1)) == D(2029, 3, 31)
    assert services.notice_deadline(made, D(2025, 10, 1)) is None
    assert services.next_decision_date(made, D(2025, 10, 1)) == D(2029, 3, 31)


def test_fixed_term_expires_and_then_has_no_dates_ahead(cast: Any) -> None:
    made = contract("FIX-1", {cast.wcc: 100}, start=D(2022, 4, 1), months=24)
    assert services.current_end_date(made, D(2025, 1, 1)) == D(2024, 3, 31)
    assert services.earliest_end_date(made, D(2025, 1, 1)) is None
    assert services.next_decision_date(made, D(2025, 1, 1)) is None
    assert services.status_on(made, D(2025, 1, 1)) == "expired"
    with system_scope("test"):
        assert services.refresh_statuses(D(2025, 1, 1)) == 1
        assert Contract.objects.get(pk=made.pk).status == "expired"


def test_terminated_contract_ends_on_its_termination_date(tacit: Contract) -> None:
    with system_scope("test"):
        services.terminate(tacit, D(2025, 7, 31))
        with pytest.raises(ValidationError):
            services.terminate(tacit, D(2025, 8, 31))
    assert tacit.status == "terminated"
    assert services.current_end_date(tacit, D(2025, 1, 1)) == D(2025, 7, 31)
    assert services.earliest_end_date(tacit, D(2025, 1, 1)) is None
    assert services.next_decision_date(tacit, D(2025, 1, 1)) is None


def test_review_date_is_a_decision(cast: Any) -> None:
    made = contract(
        "REV-1",
        {cast.wcc: 100},
        start=D(2024, 4, 1),
        months=60,
        review_date=D(2025, 4, 1),
    )
    assert services.next_decision_date(made, D(2025, 1, 1)) == D(2025, 4, 1)
    assert services.decision_kind(made, D(2025, 1, 1)) == "Review"


def test_stored_dates_follow_time_by_the_daily_refresh(tacit: Contract) -> None:
    with system_scope("test"):
        services.refresh_stored_dates(tacit.pk, D(2026, 6, 1))
        assert Contract.objects.get(pk=tacit.pk).decision_by == D(2026, 12, 31)
        assert services.refresh_passed_dates(D(2027, 1, 1)) == 1
        stored = Contract.objects.get(pk=tacit.pk)
    assert (stored.end_date, stored.notice_by) == (D(2027, 3, 31), D(2027, 12, 31))
    assert stored.dates_as_of == D(2027, 1, 1)
