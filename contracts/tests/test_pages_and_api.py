"""A contract's dates on its page and in the API, the decisions-due list and its calendar
feed (parsed with icalendar), suppliers that cannot be deleted and their merge, the transition
view and the supplier scorecard: each council seeing only its own contracts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from contracts import services
from contracts.models import (
    Contract,
    ExitMilestone,
    ExitPlan,
    Kpi,
    KpiMeasure,
    ServiceCredit,
    Supplier,
    SupplierContact,
)
from contracts.tests.factories import contract, supplier
from core.tenancy.scoping import system_scope
from core.testing.families.base import change_records

pytestmark = pytest.mark.django_db

D = datetime.date


def due_soon(reference: str, partner: Any, **fields: Any) -> Contract:
    """A tacit contract whose notice deadline is about 60 days away."""
    today = timezone.localdate()
    start = services.add_months(today.replace(day=1), -33)
    fields.setdefault("notice_months", 1)
    return contract(
        reference,
        {partner: 100},
        start=start,
        months=36,
        renewal="tacit",
        renewal_period_months=12,
        **fields,
    )


def test_contract_page_shows_its_dates_and_as_of_another_day(cast: Any, client_for: Any) -> None:
    made = contract(
        "PAGE-1",
        {cast.wcc: 100},
        start=D(2024, 4, 1),
        renewal="tacit",
        renewal_period_months=12,
        notice_months=3,
    )
    lead = client_for(cast.wcc_lead)
    text = lead.get(made.get_absolute_url(), {"on": "2026-06-01"}).content.decode()
    assert "31 Dec 2026: Last day to give notice" in text
    assert "31 Mar 2027" in text
    later = lead.get(made.get_absolute_url(), {"on": "2027-01-01"}).content.decode()
    assert "31 Mar 2028" in later
    assert client_for(cast.rbkc_lead).get(made.get_absolute_url()).status_code == 404


def test_notice_from_the_page_moves_the_contract_to_in_notice(cast: Any, client_for: Any) -> None:
    made = contract(
        "PAGE-2",
        {cast.wcc: 100},
        start=D(2024, 4, 1),
        renewal="tacit",
        renewal_period_months=12,
        notice_months=3,
    )
    url = reverse("contracts:contract_notice", args=[made.pk])
    assert client_for(cast.wcc_auditor).post(url, {"given_on": "2026-12-01"}).status_code == 403
    assert client_for(cast.rbkc_lead).post(url, {"given_on": "2026-12-01"}).status_code == 404
    response = client_for(cast.wcc_lead).post(url, {"given_on": "2026-12-01"}, follow=True)
    assert "ends on 31 March 2027" in response.content.decode()
    with system_scope("test"):
        made.refresh_from_db()
    assert (made.status, made.notice_given_on) == ("in_notice", D(2026, 12, 1))
    assert change_records(Contract, made.pk, "update").filter(actor=cast.wcc_lead).exists()


def test_api_dates_as_of_a_day_and_a_bad_day_is_a_400(cast: Any, api_client_for: Any) -> None:
    made = contract(
        "API-1",
        {cast.wcc: 100},
        start=D(2024, 4, 1),
        renewal="tacit",
        renewal_period_months=12,
        notice_months=3,
    )
    api = api_client_for(cast.wcc_lead)
    url = reverse("api:contract-detail", args=[made.pk])
    dates = api.get(url, {"on": "2027-01-01"}).json()["dates"]
    assert dates == {
        "on": "2027-01-01",
        "current_end_date": "2027-03-31",
        "earliest_end_date": "2028-03-31",
        "notice_deadline": "2027-12-31",
        "next_decision_date": "2027-12-31",
        "problems": [],
    }
    bad = api.get(url, {"on": "soon"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "on"


def test_decisions_due_page_api_and_feed_show_each_council_its_own(
    cast: Any, client_for: Any, api_client_for: Any, client: Any
) -> None:
    ours = due_soon("DUE-WCC", cast.wcc, owner=cast.wcc_lead)
    theirs = due_soon("DUE-RBKC", cast.rbkc)
    far = contract("FAR-1", {cast.wcc: 100}, start=timezone.localdate(), months=120)
    text = client_for(cast.wcc_lead).get(reverse("contracts:decisions_due")).content.decode()
    assert "DUE-WCC" in text and "Last day to give notice" in text
    assert "DUE-RBKC" not in text and "FAR-1" not in text
    everyone = client_for(cast.manager).get(reverse("contracts:decisions_due")).content.decode()
    assert "DUE-WCC" in everyone and "DUE-RBKC" in everyone
    bad = client_for(cast.wcc_lead).get(reverse("contracts:decisions_due"), {"within": "x"})
    assert bad.status_code == 400

    answer = api_client_for(cast.wcc_lead).get(reverse("api:contract-decisions-due")).json()
    assert answer["next"] is None and answer["previous"] is None
    rows = answer["results"]
    assert [row["contract"] for row in rows] == ["DUE-WCC"]
    assert rows[0]["decision"] == "Last day to give notice"
    assert rows[0]["decision_by"] == str(ours.notice_by)
    assert rows[0]["owner"] == cast.wcc_lead.username
    refused = api_client_for(cast.wcc_lead).get(
        reverse("api:contract-decisions-due"), {"within": 0}
    )
    assert refused.status_code == 400

    # The feed: a secret address per person, parsed as iCalendar.
    lead = client_for(cast.wcc_lead)
    lead.post(reverse("contracts:feed_secret"))
    page = lead.get(reverse("contracts:decisions_due")).content.decode()
    address = page.split('id="calendar-address" type="text" readonly value="')[1].split('"')[0]
    path = address.split("testserver", 1)[1]
    response = client.get(path)  # no session: the address is the key
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in feed.walk("VEVENT")}
    notice = events[f"contract-{ours.pk}-notice@concord"]
    assert notice.decoded("dtstart") == ours.notice_by
    assert "DUE-WCC" in str(notice["summary"])
    assert not any(str(theirs.pk) in uid.split("-")[1] for uid in events if "-" in uid)
    assert all(f"contract-{theirs.pk}-" not in uid for uid in events)
    assert f"contract-{far.pk}-end@concord" not in events
    # A new address stops the old one; an unknown one is a 404.
    lead.post(reverse("contracts:feed_secret"))
    assert client.get(path).status_code == 404
    assert client.get(reverse("contracts:feed", args=["nope"])).status_code == 404


def test_decisions_due_come_a_page_at_a_time_soonest_first(
    cast: Any,
    client_for: Any,
    api_client_for: Any,
    monkeypatch: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from contracts import views

    made = [due_soon(f"PAGE-{n:02}", cast.wcc, notice_months=1 + n % 3) for n in range(7)]
    expected = [c.reference for c in sorted(made, key=lambda c: (c.decision_by, c.pk))]
    # A contract saved before the decision was stored: worked out as the row is read.
    stale = made[0]
    Contract.objects.unscoped("test").filter(pk=stale.pk).unlogged("test").update(decision="")

    monkeypatch.setattr(views, "DECISIONS_PAGE_SIZE", 3)
    lead = client_for(cast.wcc_lead)
    seen: list[str] = []
    url = reverse("contracts:decisions_due")
    params: dict[str, str] = {"within": "3650"}
    for _ in range(3):
        page = lead.get(url, params)
        assert page.status_code == 200
        rows = page.context["rows"]
        seen += [row["contract"].reference for row in rows]
        assert all(row["what"] for row in rows)
        if not page.context["page"].has_next:
            break
        params = {"within": "3650", "cursor": page.context["page"].next_cursor}
    assert seen == expected
    assert 'rel="next"' not in page.content.decode()
    # A cursor that cannot be read starts again from the first page.
    again = lead.get(url, {"within": "3650", "cursor": "nonsense"})
    assert [row["contract"].reference for row in again.context["rows"]] == expected[:3]

    api = api_client_for(cast.wcc_lead)
    first = api.get(reverse("api:contract-decisions-due"), {"within": 3650, "page_size": 4})
    body = first.json()
    assert [row["contract"] for row in body["results"]] == expected[:4]
    assert body["previous"] is None and body["next"]
    second = api.get(body["next"]).json()
    assert [row["contract"] for row in second["results"]] == expected[4:]
    assert second["next"] is None
    # The order is the list's own; a sort or a broken cursor is a 400 naming its parameter.
    for bad in ({"ordering": "title"}, {"cursor": "nonsense"}, {"page_size": 0}):
        refused = api.get(reverse("api:contract-decisions-due"), bad)
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["field"] == next(iter(bad))
    # A page costs the same number of queries however many rows it shows (the stale row
    # moved out of the way: it is the one that would be worked out as it is read).
    last = expected[3]
    far = next(c for c in made if c.reference == last).decision_by
    assert far is not None
    Contract.objects.unscoped("test").filter(pk=stale.pk).unlogged("test").update(
        decision_by=far + datetime.timedelta(days=400)
    )
    counts = []
    for size in (1, 4):
        with CaptureQueriesContext(connection) as queries:
            api.get(reverse("api:contract-decisions-due"), {"within": 3650, "page_size": size})
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_supplier_a_contract_names_cannot_be_deleted(
    cast: Any, client_for: Any, api_client_for: Any
) -> None:
    named = supplier("Named Supplier Ltd")
    contract("DEL-1", {cast.wcc: 100}, supplier=named)
    page = client_for(cast.manager).post(reverse("contracts:supplier_delete", args=[named.pk]))
    assert page.status_code == 200
    assert "cannot be deleted because other records refer to it" in page.content.decode()
    api = api_client_for(cast.manager).delete(reverse("api:supplier-detail", args=[named.pk]))
    assert api.status_code == 409
    with system_scope("test"):
        assert Supplier.objects.filter(pk=named.pk).exists()


def test_merging_suppliers_moves_every_reference_and_is_logged(
    cast: Any, client_for: Any, api_client_for: Any
) -> None:
    keep = supplier("British Telecommunications plc")
    gone = supplier("BT")
    first = contract("MRG-1", {cast.wcc: 100}, supplier=gone)
    second = contract("MRG-2", {cast.rbkc: 100}, supplier=gone)
    with system_scope("test"):
        SupplierContact.objects.create(supplier=gone, name="Sam Patel")
    url = reverse("contracts:supplier_merge", args=[gone.pk])
    assert client_for(cast.wcc_lead).get(url).status_code == 403
    manager = client_for(cast.manager)
    assert manager.get(url).status_code == 200
    same = manager.post(url, {"into": gone.pk})
    assert same.status_code == 400
    response = manager.post(url, {"into": keep.pk}, follow=True)
    assert "3 records moved" in response.content.decode()
    with system_scope("test"):
        assert not Supplier.objects.filter(pk=gone.pk).exists()
        assert {c.supplier_id for c in Contract.objects.filter(pk__in=[first.pk, second.pk])} == {
            keep.pk
        }
        assert SupplierContact.objects.get(name="Sam Patel").supplier_id == keep.pk
    assert change_records(Contract, first.pk, "update").filter(actor=cast.manager).exists()
    assert change_records(Supplier, gone.pk, "delete").filter(actor=cast.manager).exists()

    # The API action, and its refusals.
    third = supplier("Capita plc")
    api = api_client_for(cast.manager)
    answer = api.post(
        reverse("api:supplier-merge", args=[third.pk]), {"into": keep.name}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["name"] == keep.name
    missing = api.post(
        reverse("api:supplier-merge", args=[keep.pk]), {"into": "Nobody"}, format="json"
    )
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "into"
    lead = api_client_for(cast.wcc_lead).post(
        reverse("api:supplier-merge", args=[keep.pk]), {"into": keep.name}, format="json"
    )
    assert lead.status_code == 403


def test_merge_finds_the_references_of_every_app(cast: Any) -> None:
    references = {(m._meta.label, f) for m, f in services.supplier_references(supplier())}
    assert ("contracts.Contract", "supplier") in references
    assert ("contracts.SupplierContact", "supplier") in references


def test_transition_view_shows_contracts_ending_with_their_plan_state(
    cast: Any, client_for: Any
) -> None:
    today = timezone.localdate()
    ending = contract("TRN-1", {cast.wcc: 100}, start=services.add_months(today, -30), months=36)
    no_plan = contract("TRN-2", {cast.wcc: 100}, start=services.add_months(today, -24), months=36)
    later = contract("TRN-3", {cast.wcc: 100}, start=today, months=60)
    theirs = contract("TRN-4", {cast.rbkc: 100}, start=services.add_months(today, -30), months=36)
    with system_scope("test"):
        plan = ExitPlan.objects.create(contract=ending, successor="In-house")
        ExitMilestone.objects.create(
            plan=plan,
            kind="data_return",
            title="Data back",
            due_date=today - datetime.timedelta(days=3),
            rag="amber",
        )
        ExitMilestone.objects.create(
            plan=plan, kind="successor_start", title="Go live", due_date=today, rag="green"
        )
    rows = {r.contract.reference: r for r in services.transition(cast.wcc_lead, today)}
    assert set(rows) == {"TRN-1", "TRN-2"}
    assert rows["TRN-1"].state == "Red"  # a milestone overdue
    assert (rows["TRN-1"].milestones, rows["TRN-1"].overdue) == (2, 1)
    assert rows["TRN-2"].state == "No plan"
    text = client_for(cast.wcc_lead).get(reverse("contracts:transition")).content.decode()
    assert "TRN-1" in text and "TRN-2" in text and "TRN-3" not in text and "TRN-4" not in text
    assert later and no_plan and theirs


def test_scorecard_shows_each_council_its_own_contracts_figures(cast: Any, client_for: Any) -> None:
    bt = supplier("BT Scorecard")
    today = timezone.localdate()
    ours = contract("SC-WCC", {cast.wcc: 100}, supplier=bt)
    theirs = contract("SC-RBKC", {cast.rbkc: 100}, supplier=bt)
    with system_scope("test"):
        for made, value in ((ours, "97.00"), (theirs, "99.90")):
            kpi = Kpi.objects.create(
                contract=made,
                name="Availability",
                target=Decimal("99.5"),
                amber_margin=Decimal("1"),
            )
            KpiMeasure.objects.create(kpi=kpi, month=today, value=Decimal(value))
        ServiceCredit.objects.create(
            contract=ours, month=today, amount=Decimal("1200.00"), reason="Outage"
        )
        ServiceCredit.objects.create(
            contract=theirs, month=today, amount=Decimal("5000.00"), reason="Outage"
        )
    card = services.scorecard(cast.wcc_lead, bt, today)
    assert [c.contract.reference for c in card.contracts] == ["SC-WCC"]
    assert (card.red, card.green, card.credits) == (1, 0, Decimal("1200.00"))
    everyone = services.scorecard(cast.manager, bt, today)
    assert (everyone.red, everyone.green, everyone.credits) == (1, 1, Decimal("6200.00"))
    url = reverse("contracts:supplier_scorecard", args=[bt.pk])
    text = client_for(cast.rbkc_lead).get(url).content.decode()
    assert "SC-RBKC" in text and "SC-WCC" not in text and "1200" not in text


def test_kpi_measure_rag_against_the_target(cast: Any) -> None:
    made = contract("RAG-1", {cast.wcc: 100})
    with system_scope("test"):
        up = Kpi.objects.create(
            contract=made, name="Uptime", target=Decimal("99.5"), amber_margin=Decimal("0.5")
        )
        fix = Kpi.objects.create(
            contract=made,
            name="Hours to fix",
            target=Decimal("4"),
            higher_is_better=False,
            amber_margin=Decimal("2"),
        )
    assert [up.rag_for(Decimal(v)) for v in ("99.6", "99.2", "98.9")] == ["green", "amber", "red"]
    assert [fix.rag_for(Decimal(v)) for v in ("3", "5.5", "7")] == ["green", "amber", "red"]
