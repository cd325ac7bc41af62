"""Seats: an agreement's quota is never exceeded, whether the seat is assigned on the page,
through the API or by an import, and of two people taking the last seat at the same moment
only one succeeds (the agreement's row is locked while its seats are counted)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from core.tenancy.scoping import system_scope
from core.testing.cast import make_cast
from licences import services
from licences.choices import LicenceKind
from licences.models import LicenceAssignment
from licences.tests.factories import agreement

pytestmark = pytest.mark.django_db

FULL = "Agreement {ref} has no seat left: all {n} are assigned."


def seats(held: Any) -> int:
    with system_scope("test"):
        return LicenceAssignment.objects.filter(agreement=held).count()


def test_assign_up_to_the_quantity_then_refuse_naming_the_agreement(cast):
    held = agreement("LIC-2", {cast.wcc: 100}, quantity=2)
    with system_scope("test"):
        services.assign(held, cast.wcc, person=cast.wcc_staff)
        services.assign(held, cast.wcc, person=cast.wcc_colleague)
        assert services.seats_free(held) == 0
        with pytest.raises(ValidationError) as refused:
            services.assign(held, cast.wcc, person=cast.wcc_lead)
    assert refused.value.message_dict["agreement"][0].startswith(FULL.format(ref="LIC-2", n=2))
    assert seats(held) == 2


def test_the_lock_is_taken_even_when_nobody_cleaned_the_record(cast):
    """A save that skipped validation is still counted under the lock (take_seat)."""
    held = agreement("LIC-1", {cast.wcc: 100}, quantity=1)
    with system_scope("test"):
        LicenceAssignment.objects.create(agreement=held, partner=cast.wcc, person=cast.wcc_staff)
        with pytest.raises(ValidationError):
            LicenceAssignment.objects.create(
                agreement=held, partner=cast.wcc, person=cast.wcc_colleague
            )
    assert seats(held) == 1


def test_changing_a_seat_s_note_does_not_count_it_twice(cast):
    held = agreement("LIC-1", {cast.wcc: 100}, quantity=1)
    with system_scope("test"):
        seat = services.assign(held, cast.wcc, person=cast.wcc_staff)
        seat.note = "Planning"
        seat.full_clean()
        seat.save()
    assert seats(held) == 1


def test_a_per_device_agreement_takes_no_person_and_the_council_must_hold_it(cast):
    devices = agreement("DEV-1", {cast.wcc: 100}, kind=LicenceKind.PER_DEVICE)
    theirs = agreement("RB-1", {cast.rbkc: 100})
    with system_scope("test"), pytest.raises(ValidationError) as refused:
        services.assign(devices, cast.wcc, person=cast.wcc_staff)
    assert "go to devices, not people" in refused.value.message_dict["person"][0]
    with system_scope("test"), pytest.raises(ValidationError) as refused:
        services.assign(theirs, cast.wcc, person=cast.wcc_staff)
    assert refused.value.message_dict["agreement"] == [
        "Choose an agreement the seat's council holds"
    ]
    with system_scope("test"), pytest.raises(ValidationError) as refused:
        services.assign(agreement("W-2", {cast.wcc: 100}), cast.wcc, person=cast.rbkc_staff)
    assert refused.value.message_dict["person"] == ["Choose one of the council's people"]


def test_a_co_owned_agreement_s_seats_go_to_either_owner(cast):
    shared = agreement("EA-1", {cast.wcc: 50, cast.rbkc: 50}, quantity=2)
    with system_scope("test"):
        services.assign(shared, cast.wcc, person=cast.wcc_staff)
        services.assign(shared, cast.rbkc, person=cast.rbkc_staff)
        with pytest.raises(ValidationError):
            services.assign(shared, cast.wcc, person=cast.wcc_colleague)


def test_the_page_refuses_the_seat_past_the_last(cast, client_for):
    held = agreement("LIC-1", {cast.wcc: 100}, quantity=1)
    with system_scope("test"):
        services.assign(held, cast.wcc, person=cast.wcc_staff)
    response = client_for(cast.wcc_lead).post(
        "/licence-assignments/new/",
        {
            "partner": cast.wcc.pk,
            "agreement": held.pk,
            "person": cast.wcc_colleague.pk,
            "assigned_on": "2026-03-01",
            "note": "",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Error:" in text and "has no seat left" in text
    assert seats(held) == 1


def test_the_api_refuses_the_seat_past_the_last_on_the_agreement(cast, api_client_for):
    held = agreement("LIC-1", {cast.wcc: 100}, quantity=1)
    with system_scope("test"):
        services.assign(held, cast.wcc, person=cast.wcc_staff)
    response = api_client_for(cast.wcc_lead).post(
        "/api/v1/licence-assignments/",
        {"partner": "wcc", "agreement": "LIC-1", "person": cast.wcc_colleague.username},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert "has no seat left" in str(response.json())
    assert "agreement" in str(response.json())
    assert seats(held) == 1


def test_an_import_refuses_the_rows_past_the_last_seat_and_writes_none(cast, api_client_for):
    held = agreement("LIC-1", {cast.wcc: 100}, quantity=1)
    with system_scope("test"):
        services.assign(held, cast.wcc, person=cast.wcc_staff)
    text = (
        "partner,agreement,person,assigned_on,note\n"
        f"wcc,LIC-1,{cast.wcc_colleague.username},2026-03-01,\n"
    )
    upload = SimpleUploadedFile("seats.csv", text.encode(), content_type="text/csv")
    response = api_client_for(cast.wcc_lead).post(
        "/api/v1/licence-assignments/import/",
        {"file": upload, "dry_run": "false"},
        format="multipart",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "agreement")]
    assert "has no seat left" in errors[0]["message"]
    assert seats(held) == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_seat_at_once_cannot_both_succeed():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs row locks and concurrent writers: SQLite has neither (Concord opens its "
            "transactions IMMEDIATE, so one writer at a time holds the whole database)"
        )
    cast = make_cast()
    held = agreement("LIC-LAST", {cast.wcc: 100}, quantity=1)
    both_checked = threading.Barrier(2, timeout=10)
    outcomes: dict[str, str] = {}

    def take(person: Any) -> None:
        try:
            with system_scope("test"), transaction.atomic():
                seat = LicenceAssignment(agreement=held, partner=cast.wcc, person=person)
                seat.full_clean()  # both see one seat free
                both_checked.wait()
                seat.save()  # one waits on the other's lock, then counts again
            outcomes[person.username] = "assigned"
        except ValidationError as exc:
            outcomes[person.username] = exc.message_dict["agreement"][0]
        finally:
            connection.close()

    threads = [
        threading.Thread(target=take, args=(person,))
        for person in (cast.wcc_staff, cast.wcc_colleague)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2 and list(outcomes.values()).count("assigned") == 1, outcomes
    refusal = next(v for v in outcomes.values() if v != "assigned")
    assert refusal.startswith(FULL.format(ref="LIC-LAST", n=1))
    assert seats(held) == 1


def test_an_import_s_dry_run_counts_the_seats_its_rows_above_would_take(cast, api_client_for):
    held = agreement("LIC-2", {cast.wcc: 100}, quantity=2)
    with system_scope("test"):
        services.assign(held, cast.wcc, person=cast.wcc_staff)
    text = "partner,agreement,person,assigned_on,note\n" + "".join(
        f"wcc,LIC-2,{person.username},2026-03-01,\n"
        for person in (cast.wcc_colleague, cast.wcc_lead, cast.wcc_auditor)
    )
    for dry_run in ("true", "false"):
        upload = SimpleUploadedFile("seats.csv", text.encode(), content_type="text/csv")
        response = api_client_for(cast.wcc_lead).post(
            "/api/v1/licence-assignments/import/",
            {"file": upload, "dry_run": dry_run},
            format="multipart",
        )
        assert response.status_code == 400, dry_run
        errors = response.json()["errors"]
        # The first row takes the last seat; the two below it are refused, naming the column.
        assert [(e["row"], e["field"]) for e in errors] == [(3, "agreement"), (4, "agreement")]
        assert all("has no seat left" in e["message"] for e in errors)
    assert seats(held) == 1


def test_an_agreement_s_page_says_how_many_seats_are_free(cast, client_for):
    held = agreement("LIC-3", {cast.wcc: 100}, quantity=3)
    with system_scope("test"):
        services.assign(held, cast.wcc, person=cast.wcc_staff)
    text = client_for(cast.wcc_lead).get(f"/licence-agreements/{held.pk}/").content.decode()
    assert "Seats free" in text and "2 of 3" in text
    assert "Seats assigned" in text
