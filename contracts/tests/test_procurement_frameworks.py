"""Frameworks and call-offs: only a council the framework is for calls off, only from a
supplier on the lot; the ceiling is kept under the framework's lock (refused naming the
headroom, or held for the manager's approval), also when two call-offs race for the last
headroom; spend by lot, by council (never another council's by name) and the SME share."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from contracts import procurement_services as services
from contracts.procurement import CallOff, FrameworkExtension
from contracts.tests.procurement_factories import call_off, framework, supplier
from core.tenancy.scoping import system_scope
from core.testing.cast import make_cast

pytestmark = pytest.mark.django_db


def fresh(record: Any) -> Any:
    with system_scope("test"):
        return type(record).objects.get(pk=record.pk)


def test_a_call_off_within_the_ceiling_commits_spend(cast):
    _, (lot,) = framework(councils=[cast.wcc, cast.rbkc], ceiling="1000.00")
    call_off(lot, cast.wcc, "W-1", "600.00")
    call_off(lot, cast.rbkc, "R-1", "400.00")  # exactly to the ceiling
    assert services.committed_on(lot.framework_id) == Decimal("1000.00")


def test_past_the_ceiling_is_refused_naming_the_headroom(cast):
    _, (lot,) = framework(reference="DPF", councils=[cast.wcc], ceiling="1000.00")
    call_off(lot, cast.wcc, "W-1", "750.00")
    with pytest.raises(ValidationError) as refused:
        call_off(lot, cast.wcc, "W-2", "300.00")
    message = refused.value.message_dict["value"][0]
    assert "past its ceiling of £1,000.00" in message
    assert "the headroom is £250.00" in message and "this call-off is £300.00" in message
    with system_scope("test"):
        assert not CallOff.objects.filter(reference="W-2").exists()


def test_the_lock_refuses_even_a_save_nobody_cleaned(cast):
    _, (lot,) = framework(councils=[cast.wcc], ceiling="100.00")
    with system_scope("test"), pytest.raises(ValidationError):
        CallOff.objects.create(
            partner=cast.wcc,
            reference="W-9",
            lot=lot,
            supplier=supplier(),
            value=Decimal("100.01"),
            start_date=datetime.date(2024, 1, 1),
        )


def test_raising_a_value_is_counted_and_a_draft_or_cancelled_one_is_not(cast):
    _, (lot,) = framework(councils=[cast.wcc], ceiling="1000.00")
    made = call_off(lot, cast.wcc, "W-1", "500.00")
    call_off(lot, cast.wcc, "W-DRAFT", "5000.00", status="draft")
    made = fresh(made)
    made.value = Decimal("1000.00")
    with system_scope("test"):
        made.full_clean()
        made.save()
    made.value = Decimal("1000.01")
    with system_scope("test"), pytest.raises(ValidationError):
        made.full_clean()
    # Editing a committed call-off's text does not count it twice.
    made = fresh(made)
    made.description = "Discovery and alpha"
    with system_scope("test"):
        made.full_clean()
        made.save()
    assert services.committed_on(lot.framework_id) == Decimal("1000.00")


def test_over_the_ceiling_is_held_for_the_manager_where_the_framework_allows(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    with system_scope("test"):
        cast.manager.email = "manager@example.test"
        cast.manager.save()
        cast.wcc_lead.email = "wcc.lead@example.test"
        cast.wcc_lead.save()
    _, (lot,) = framework(reference="DPF", councils=[cast.wcc], ceiling="1000.00", hold=True)
    call_off(lot, cast.wcc, "W-1", "900.00")
    with django_capture_on_commit_callbacks(execute=True):
        held = call_off(lot, cast.wcc, "W-2", "200.00")
    assert fresh(held).status == "held"
    assert services.committed_on(lot.framework_id) == Decimal("900.00")
    told = [str(m["To"]) for m in smtp_server.messages]
    assert told == ["manager@example.test"]
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "W-2" in text and "£100.00 of headroom" in text and "/call-offs/" in text
    # Only the manager decides; approving commits it past the ceiling.
    with pytest.raises(PermissionDenied), system_scope("test"):
        services.decide_call_off(fresh(held), cast.wcc_lead, approve=True)
    with system_scope("test"):
        services.decide_call_off(fresh(held), cast.manager, approve=True)
    assert fresh(held).status == "active"
    assert services.committed_on(lot.framework_id) == Decimal("1100.00")


def test_only_a_council_of_the_framework_and_a_supplier_of_the_lot(cast):
    other = supplier("Zoocha", is_sme=True)
    _, (lot,) = framework(councils=[cast.wcc], suppliers=[supplier("Actica")])
    with pytest.raises(ValidationError) as refused:
        call_off(lot, cast.rbkc, "R-1", "10.00", on=supplier("Actica"))
    assert "may not call off from DPF" in refused.value.message_dict["lot"][0]
    with pytest.raises(ValidationError) as refused:
        call_off(lot, cast.wcc, "W-1", "10.00", on=other)
    assert "not on lot 1 of DPF" in refused.value.message_dict["supplier"][0]


def test_the_api_refuses_past_the_ceiling_on_value(cast, api_client_for):
    _, (lot,) = framework(councils=[cast.wcc], ceiling="100.00")
    response = api_client_for(cast.wcc_lead).post(
        "/api/v1/call-offs/",
        {
            "partner": "wcc",
            "reference": "W-API",
            "lot": lot.pk,
            "supplier": supplier().name,
            "value": "100.50",
            "start_date": "2024-05-01",
            "status": "active",
        },
        format="json",
    )
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["value"]
    assert "the headroom is £100.00" in errors[0]["message"]


def test_the_page_refuses_past_the_ceiling(cast, client_for):
    _, (lot,) = framework(councils=[cast.wcc], ceiling="100.00")
    response = client_for(cast.wcc_lead).post(
        "/call-offs/new/",
        {
            "partner": cast.wcc.pk,
            "reference": "W-PAGE",
            "lot": lot.pk,
            "supplier": supplier().pk,
            "description": "",
            "deliverables": "",
            "value": "150",
            "invoiced": "0",
            "start_date": "2024-05-01",
            "end_date": "",
            "status": "active",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200 and "Error:" in text
    assert "the headroom is £100.00" in text


@pytest.mark.django_db(transaction=True)
def test_two_call_offs_racing_for_the_last_headroom_cannot_both_pass():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs row locks and concurrent writers: SQLite has neither (Concord opens its "
            "transactions IMMEDIATE, so one writer at a time holds the whole database)"
        )
    cast = make_cast()
    _, (lot,) = framework(councils=[cast.wcc, cast.rbkc], ceiling="1000.00")
    call_off(lot, cast.wcc, "W-0", "400.00")
    both_checked = threading.Barrier(2, timeout=10)
    outcomes: dict[str, str] = {}

    def take(partner: Any, reference: str) -> None:
        try:
            with system_scope("test"), transaction.atomic():
                made = CallOff(
                    partner=partner,
                    reference=reference,
                    lot=lot,
                    supplier=supplier(),
                    value=Decimal("600.00"),
                    start_date=datetime.date(2024, 4, 1),
                )
                made.full_clean()  # both see £600 of headroom
                both_checked.wait()
                made.save()  # one waits on the other's lock, then counts again
            outcomes[reference] = "committed"
        except ValidationError as exc:
            outcomes[reference] = exc.message_dict["value"][0]
        finally:
            connection.close()

    threads = [
        threading.Thread(target=take, args=(cast.wcc, "W-RACE")),
        threading.Thread(target=take, args=(cast.rbkc, "R-RACE")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2 and list(outcomes.values()).count("committed") == 1, outcomes
    refusal = next(v for v in outcomes.values() if v != "committed")
    assert "the headroom is £0.00" in refusal
    assert services.committed_on(lot.framework_id) == Decimal("1000.00")


def test_spend_by_lot_and_council_never_names_another_council(cast, client_for, api_client_for):
    sme, big = supplier("Nudge Digital", is_sme=True), supplier("Infosys", is_sme=False)
    made, (lot1, lot2) = framework(
        councils=[cast.wcc, cast.rbkc], ceiling="10000.00", lots=2, suppliers=[sme, big]
    )
    call_off(lot1, cast.wcc, "W-1", "1000.00", on=sme, invoiced=Decimal("250.00"))
    call_off(lot2, cast.wcc, "W-2", "3000.00", on=big)
    call_off(lot2, cast.rbkc, "R-1", "1000.00", on=sme)
    call_off(lot2, cast.rbkc, "R-2", "9999.00", on=sme, status="cancelled")
    spend = services.spend(made, cast.manager)
    assert (spend.committed, spend.invoiced, spend.headroom) == (
        Decimal("5000.00"),
        Decimal("250.00"),
        Decimal("5000.00"),
    )
    assert [(line.committed) for line in spend.by_lot] == [Decimal("1000"), Decimal("4000")]
    assert spend.sme_percent == Decimal("40.0")
    assert [(line.code, line.committed) for line in spend.by_council] == [
        ("wcc", Decimal("4000")),
        ("rbkc", Decimal("1000")),
    ]
    # A Westminster lead sees the partnership's totals and Westminster by name; Kensington and
    # Chelsea's part only as "Other councils".
    mine = services.spend(made, cast.wcc_lead)
    assert mine.committed == Decimal("5000.00")
    assert [(line.code, line.label, line.committed) for line in mine.by_council] == [
        ("wcc", cast.wcc.name, Decimal("4000")),
        ("", "Other councils", Decimal("1000")),
    ]
    page = client_for(cast.wcc_lead).get(f"/frameworks/{made.pk}/spend/").content.decode()
    assert "Other councils" in page and cast.rbkc.name not in page
    answer = api_client_for(cast.wcc_lead).get(f"/api/v1/frameworks/{made.pk}/spend/").json()
    assert answer["committed"] == "5000.00" and answer["sme_percent"] == "40.0"
    assert [line["council"] for line in answer["by_council"]] == ["wcc", ""]
    # A council the framework is not for does not see it at all.
    theirs, _ = framework(reference="WCC-ONLY", councils=[cast.wcc])
    assert client_for(cast.rbkc_lead).get(f"/frameworks/{theirs.pk}/spend/").status_code == 404
    outsider = api_client_for(cast.rbkc_lead).get(f"/api/v1/frameworks/{theirs.pk}/spend/")
    assert outsider.status_code == 404


def test_the_term_runs_on_by_each_exercised_extension(cast):
    made, _ = framework(councils=[cast.wcc])
    assert made.initial_end_date() == datetime.date(2023, 5, 31)
    with system_scope("test"):
        FrameworkExtension.objects.create(framework=made, sequence=1, months=24, exercised=True)
        FrameworkExtension.objects.create(framework=made, sequence=2, months=12, exercised=False)
    assert services.framework_end_date(made) == datetime.date(2025, 5, 31)


def test_merging_two_suppliers_moves_their_lot_places_and_call_offs(cast):
    from contracts.services import merge_suppliers

    gone, keep = supplier("Zoocha Ltd", is_sme=True), supplier("Zoocha", is_sme=True)
    _, (lot,) = framework(councils=[cast.wcc], suppliers=[gone])
    made = call_off(lot, cast.wcc, "W-Z", "10.00", on=gone)
    with system_scope("test"):
        merge_suppliers(keep, gone)
    assert fresh(made).supplier == keep
    assert services.lot_suppliers(lot) == [keep]
