"""The compliance position, the joint-licensing report and renewals with the true-up
forecast: the figures, and that a council never sees another council's quantities or prices."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership, Partner
from core.tenancy.scoping import system_scope
from licences import services
from licences.choices import LicenceKind
from licences.models import LicenceAssignment
from licences.tests.factories import agreement, product

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def seat(held, partner, person, on=datetime.date(2026, 1, 10)):
    with system_scope("test"):
        return LicenceAssignment.objects.create(
            agreement=held, partner=partner, person=person, assigned_on=on
        )


def by_council(rows):
    return {(r.product.name, r.partner.code if r.partner else None): r for r in rows}


def test_split_whole_and_money_add_up():
    assert services.split_whole(5, {1: Decimal("50"), 2: Decimal("50")}) == {1: 3, 2: 2}
    assert services.split_whole(
        10, {1: Decimal("33.33"), 2: Decimal("33.33"), 3: Decimal("33.34")}
    ) == {1: 3, 2: 3, 3: 4}
    split = services.split_money(Decimal("100.00"), {1: Decimal("33.33"), 2: Decimal("66.67")})
    assert sum(split.values()) == Decimal("100.00")


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_compliance_per_council_and_for_the_partnership(cast):
    writer = product("Quillsoft Writer")
    mine = agreement("W-1", {cast.wcc: 100}, quantity=2, unit_cost="100.00", of=writer)
    agreement("EA-1", {cast.wcc: 50, cast.rbkc: 50}, quantity=3, unit_cost="60.00", of=writer)
    agreement("OLD", {cast.rbkc: 100}, quantity=99, of=writer, ends_on=datetime.date(2025, 3, 31))
    for person in (cast.wcc_staff, cast.wcc_colleague):
        seat(mine, cast.wcc, person)
    theirs = agreement("R-1", {cast.rbkc: 100}, quantity=1, unit_cost="80.00", of=writer)
    seat(theirs, cast.rbkc, cast.rbkc_staff)
    with system_scope("test"):
        # Two more rbkc seats than it is entitled to: its EA share is one whole seat (of 3, 50%).
        seat(
            agreement("EA-1-X", {cast.rbkc: 100}, quantity=5, of=product("Other")),
            cast.rbkc,
            cast.rbkc_lead,
        )
    rows = by_council(services.compliance(cast.manager))
    wcc, rbkc, total = (
        rows[("Quillsoft Writer", "wcc")],
        rows[("Quillsoft Writer", "rbkc")],
        rows[("Quillsoft Writer", None)],
    )
    # 3 EA seats split 50/50 in whole seats: 2 to wcc (the lower id on a tie), 1 to rbkc.
    assert (wcc.entitled, wcc.used, wcc.surplus, wcc.shortfall) == (4, 2, 2, 0)
    assert (rbkc.entitled, rbkc.used) == (2, 1)
    assert (total.entitled, total.used, total.surplus) == (6, 3, 3)
    # wcc: W-1 costs 200, its EA share 90 over 4 seats: 72.50 a seat; 2 spare waste 145.
    assert wcc.unit_cost == Decimal("72.5")
    assert wcc.surplus_cost == Decimal("145.00")
    assert total.surplus_cost == money_of(total.unit_cost * 3)


def money_of(value):
    return services.money(value)


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_a_shortfall_is_priced_and_a_council_sees_only_its_own_rows(cast, api_client_for):
    writer = product("Quillsoft Writer")
    held = agreement("R-1", {cast.rbkc: 100}, quantity=1, unit_cost="80.00", of=writer)
    seat(held, cast.rbkc, cast.rbkc_staff)
    mine = agreement("W-1", {cast.wcc: 100}, quantity=1, unit_cost="50.00", of=writer)
    seat(mine, cast.wcc, cast.wcc_staff)
    with system_scope("test"):
        # Raise no quota: a seat of an agreement since cut back leaves wcc one short.
        mine.quantity = 2
        mine.save()
        seat(mine, cast.wcc, cast.wcc_colleague)
        mine.quantity = 1
        mine.save()
    rows = by_council(services.compliance(cast.wcc_lead))
    assert ("Quillsoft Writer", "rbkc") not in rows
    wcc = rows[("Quillsoft Writer", "wcc")]
    assert (wcc.shortfall, wcc.shortfall_cost, wcc.compliant) == (1, Decimal("50.00"), False)
    response = api_client_for(cast.wcc_lead).get("/api/v1/licence-compliance/")
    assert response.status_code == 200
    body = response.json()
    # Two councils license it: the partnership's line less wcc's own would be rbkc's figures.
    assert {r["council"] for r in body} == {"wcc"}
    line = next(r for r in body if r["council"] == "wcc")
    assert (line["entitled"], line["used"], line["shortfall"]) == (1, 2, 1)
    assert line["shortfall_cost"] == "50.00"
    # Filtered by council and product; another council is as unknown as none at all.
    only = api_client_for(cast.wcc_lead).get(
        "/api/v1/licence-compliance/", {"council": "wcc", "product": "Quillsoft Writer"}
    )
    assert [r["council"] for r in only.json()] == ["wcc"]
    for code in ("rbkc", "nope"):
        refused = api_client_for(cast.wcc_lead).get(
            "/api/v1/licence-compliance/", {"council": code}
        )
        assert refused.status_code == 400
        assert refused.json()["errors"] == [
            {
                "field": "council",
                "code": "invalid",
                "message": f"There is no council with code “{code}” that you can see",
            }
        ]
    assert api_client_for(cast.wcc_staff).get("/api/v1/licence-compliance/").status_code == 403
    assert api_client_for(None).get("/api/v1/licence-compliance/").status_code in (401, 403)


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_the_compliance_page_draws_and_filters(cast, client_for):
    writer = product("Quillsoft Writer")
    seat(agreement("W-1", {cast.wcc: 100}, quantity=3, of=writer), cast.wcc, cast.wcc_staff)
    seat(agreement("R-1", {cast.rbkc: 100}, quantity=1, of=writer), cast.rbkc, cast.rbkc_staff)
    page = client_for(cast.wcc_lead).get("/licence-compliance/")
    text = page.content.decode()
    assert page.status_code == 200 and "Quillsoft Writer" in text
    # Its line less wcc's own would be rbkc's: withheld from wcc, shown to the service.
    assert "<strong>The partnership</strong>" not in text and "Royal Borough" not in text
    assert (
        "<strong>The partnership</strong>"
        in client_for(cast.manager).get("/licence-compliance/").content.decode()
    )
    filtered = client_for(cast.manager).get("/licence-compliance/", {"partner": cast.rbkc.pk})
    assert "Royal Borough" in filtered.content.decode()
    wrong = client_for(cast.wcc_lead).get("/licence-compliance/", {"partner": cast.rbkc.pk})
    assert wrong.status_code == 400 and "Choose a council from the list" in wrong.content.decode()


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_joint_licensing_shows_own_lines_and_partnership_totals_only(cast, client_for):
    office = product("Orrery Office")
    agreement(
        "W-OFF",
        {cast.wcc: 100},
        quantity=100,
        unit_cost="20.00",
        of=office,
        renewal_on=datetime.date(2027, 3, 31),
    )
    agreement(
        "R-OFF",
        {cast.rbkc: 100},
        quantity=50,
        unit_cost="23.17",
        of=office,
        renewal_on=datetime.date(2026, 12, 31),
    )
    # Co-owned: not licensed separately, so not a line of the report.
    agreement("EA-OFF", {cast.wcc: 50, cast.rbkc: 50}, quantity=10, unit_cost="1.00", of=office)
    # Only one council licenses this one: not in the report.
    agreement("W-GIS", {cast.wcc: 100}, quantity=5, of=product("Zephyr GIS"))
    # The service sees every council's lines, and the partnership's figures.
    [item] = services.joint_licensing(cast.manager)
    assert item.product == office and item.councils == 2 and not item.totals_withheld
    assert item.combined_quantity == 150
    assert item.combined_cost == Decimal("3158.50")
    assert item.best_unit_cost == Decimal("20.00")
    assert item.consolidated_cost == Decimal("3000.00")
    assert item.saving == Decimal("158.50")
    assert item.first_due == datetime.date(2026, 12, 31)
    assert len(item.lines) == 2
    # A council sees its own line; the totals less it would be the other council's quantity,
    # cost, price and due date, so with one other council they are withheld.
    [item] = services.joint_licensing(cast.wcc_lead)
    assert item.councils == 2 and item.totals_withheld
    assert (item.combined_quantity, item.combined_cost, item.best_unit_cost) == (None, None, None)
    assert (item.saving, item.first_due, item.last_due) == (None, None, None)
    assert [line.agreement.reference for line in item.lines] == ["W-OFF"]
    assert item.hidden_lines == 1
    [theirs] = services.joint_licensing(cast.rbkc_lead)
    assert [line.agreement.reference for line in theirs.lines] == ["R-OFF"]
    assert theirs.totals_withheld
    text = client_for(cast.wcc_lead).get("/joint-licensing/").content.decode()
    assert "W-OFF" in text and services.WITHHELD.replace("'", "&#x27;") in text
    for secret in ("R-OFF", "23.17", "1158.50", "3158.50", "158.50", "150 seats", "Royal Borough"):
        assert secret not in text, secret


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_partnership_totals_are_shown_where_they_hide_two_councils_or_more(cast, client_for):
    """With three councils licensing a product, the totals less a council's own line are the
    sum of two others': shown. A reader who sees two of the three councils would find the
    third's: withheld from them. The compliance page's partnership line follows the same rule."""
    with system_scope("test"):
        brent = Partner.objects.create(
            code="brent", name="London Borough of Brent", joined_on=datetime.date(2011, 4, 1)
        )
        Membership.objects.create(user=cast.wcc_lead, partner=cast.rbkc, role=CouncilRole.LEAD)
    office = product("Orrery Office")
    agreement("W-OFF", {cast.wcc: 100}, quantity=100, unit_cost="20.00", of=office)
    agreement("R-OFF", {cast.rbkc: 100}, quantity=50, unit_cost="23.17", of=office)
    agreement("B-OFF", {brent: 100}, quantity=10, unit_cost="30.00", of=office)
    [item] = services.joint_licensing(cast.rbkc_lead)
    assert item.councils == 3 and not item.totals_withheld
    assert (item.combined_quantity, item.combined_cost) == (160, Decimal("3458.50"))
    assert [line.agreement.reference for line in item.lines] == ["R-OFF"]
    # wcc's lead is rbkc's lead too: the totals less their two lines would be Brent's.
    [item] = services.joint_licensing(cast.wcc_lead)
    assert item.totals_withheld and item.combined_quantity is None
    assert sorted(line.agreement.reference for line in item.lines) == ["R-OFF", "W-OFF"]
    rows = by_council(services.compliance(cast.wcc_lead))
    assert ("Orrery Office", None) not in rows
    total = by_council(services.compliance(cast.rbkc_lead))[("Orrery Office", None)]
    assert total.entitled == 160
    text = client_for(cast.rbkc_lead).get("/joint-licensing/").content.decode()
    assert "£3458.50" in text and "B-OFF" not in text and "30.00" not in text


def test_linear_forecast_reads_the_trend():
    assert services.linear_forecast([10, 12, 14, 16], 2) == 20
    assert services.linear_forecast([5, 5, 5], 6) == 5
    assert services.linear_forecast([9, 6, 3], 12) == 0
    assert services.linear_forecast([], 3) == 0


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_renewals_due_with_the_true_up_forecast(cast, client_for):
    held = agreement(
        "W-RENEW",
        {cast.wcc: 100},
        quantity=4,
        unit_cost="10.00",
        kind=LicenceKind.SITE,
        renewal_on=datetime.date(2026, 12, 15),
    )
    # One more seat each month from March: 1, 2, 3, 4 by June.
    for month, person in zip(
        (3, 4, 5, 6),
        (cast.wcc_staff, cast.wcc_colleague, cast.wcc_lead, cast.wcc_auditor),
        strict=True,
    ):
        seat(held, cast.wcc, person, on=datetime.date(2026, month, 1))
    agreement("W-LATER", {cast.wcc: 100}, renewal_on=datetime.date(2028, 1, 1))
    agreement("R-SOON", {cast.rbkc: 100}, renewal_on=datetime.date(2026, 7, 1))
    [due] = services.renewals_due(cast.wcc_lead, 200)
    assert due.agreement == held and due.in_use == 4 and due.days_left == 183
    assert due.monthly[-4:] == [1, 2, 3, 4]
    # The line through 1 to 4 (the months before the first seat left out), six months on.
    assert due.forecast == 10 and due.true_up == 6
    assert due.true_up_cost == Decimal(due.true_up * 10).quantize(Decimal("0.01"))
    page = client_for(cast.wcc_lead).get("/licence-renewals/", {"within": "200"})
    text = page.content.decode()
    assert "W-RENEW" in text and "R-SOON" not in text and "W-LATER" not in text
    bad = client_for(cast.wcc_lead).get("/licence-renewals/", {"within": "soon"})
    assert bad.status_code == 400 and "Enter the days as a whole number" in bad.content.decode()


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_installations_no_seat_covers_are_used_seats(cast):
    from assets.models import Asset  # noqa: F401 - the devices are the assets app's
    from licences.models import Installation
    from licences.tests.factories import device

    gis = product("Zephyr GIS")
    per_device = agreement(
        "W-DEV", {cast.wcc: 100}, quantity=5, kind=LicenceKind.PER_DEVICE, of=gis
    )
    per_user = agreement("W-USR", {cast.wcc: 100}, quantity=5, of=gis)
    by_device = device("LT-1", {cast.wcc: 100})
    by_person = device("LT-2", {cast.wcc: 100}, person=cast.wcc_colleague)
    bare = device("LT-3", {cast.wcc: 100}, person=cast.wcc_lead)
    shared = device("SRV-1", {cast.wcc: 50, cast.rbkc: 50})
    with system_scope("test"):
        LicenceAssignment.objects.create(agreement=per_device, partner=cast.wcc, device=by_device)
        LicenceAssignment.objects.create(
            agreement=per_user, partner=cast.wcc, person=cast.wcc_colleague
        )
        for laptop in (by_device, by_person, bare):
            Installation.objects.create(partner=cast.wcc, device=laptop, product=gis)
        # Two versions on one device: two installations, both uncovered.
        Installation.objects.create(
            partner=cast.rbkc, device=shared, product=gis, product_version="1"
        )
        Installation.objects.create(
            partner=cast.rbkc, device=shared, product=gis, product_version="2"
        )
    rows = by_council(services.compliance(cast.manager))
    wcc, rbkc = rows[("Zephyr GIS", "wcc")], rows[("Zephyr GIS", "rbkc")]
    # LT-1 is covered by its device seat, LT-2 by its person's seat; LT-3 is not.
    assert (wcc.entitled, wcc.assigned, wcc.installed, wcc.used) == (10, 2, 1, 3)
    assert (rbkc.entitled, rbkc.installed, rbkc.shortfall) == (0, 2, 2)
    # rbkc has no agreement of its own: its shortfall is priced at the partnership's seat.
    assert rbkc.shortfall_cost == Decimal("200.00")


def test_an_installation_and_a_device_seat_are_on_the_council_s_own_devices(cast):
    from django.core.exceptions import ValidationError

    from licences.models import Installation
    from licences.tests.factories import device

    theirs = device("RB-LT-1", {cast.rbkc: 100})
    held = agreement("W-DEV", {cast.wcc: 100}, kind=LicenceKind.PER_DEVICE)
    users = agreement("W-USR", {cast.wcc: 100}, kind=LicenceKind.PER_USER)
    mine = device("WC-LT-1", {cast.wcc: 100})
    with system_scope("test"):
        with pytest.raises(ValidationError) as refused:
            Installation(partner=cast.wcc, device=theirs, product=product()).full_clean()
        assert refused.value.message_dict["device"] == ["Choose one of the council's devices"]
        with pytest.raises(ValidationError) as refused:
            services.assign(held, cast.wcc, device=theirs)
        assert refused.value.message_dict["device"] == ["Choose one of the council's devices"]
        with pytest.raises(ValidationError) as refused:
            services.assign(users, cast.wcc, device=mine)
        assert "go to people, not devices" in refused.value.message_dict["device"][0]
        with pytest.raises(ValidationError) as refused:
            services.assign(held, cast.wcc, device=mine, person=cast.wcc_staff)
        assert refused.value.message_dict["device"][0].startswith("A seat is for a person or")
        assert services.assign(held, cast.wcc, device=mine).device == mine


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_the_true_up_forecast_counts_installations_no_seat_covers(cast):
    """Software found on a council's devices with no seat assigned is use the renewal must
    pay for: it counts against the council's agreement for the product falling due first."""
    from licences.models import Installation
    from licences.tests.factories import device

    gis = product("Zephyr GIS")
    first = agreement(
        "W-GIS-1", {cast.wcc: 100}, quantity=1, unit_cost="10.00", of=gis,
        renewal_on=datetime.date(2026, 9, 1),
    )  # fmt: skip
    later = agreement(
        "W-GIS-2", {cast.wcc: 100}, quantity=1, of=gis, renewal_on=datetime.date(2026, 11, 1)
    )
    seat(first, cast.wcc, cast.wcc_staff, on=datetime.date(2026, 1, 10))
    with system_scope("test"):
        covered = device("LT-1", {cast.wcc: 100}, person=cast.wcc_staff)
        Installation.objects.create(partner=cast.wcc, device=covered, product=gis)
        for tag in ("LT-2", "LT-3"):
            laptop = device(tag, {cast.wcc: 100})
            Installation.objects.create(partner=cast.wcc, device=laptop, product=gis)
        # Another council's uncovered installation is its own agreements' business.
        theirs = device("R-1", {cast.rbkc: 100})
        Installation.objects.create(partner=cast.rbkc, device=theirs, product=gis)
    due = {r.agreement.reference: r for r in services.renewals_due(cast.wcc_lead, 200)}
    # One seat assigned (its installation covered by it) and two installations uncovered.
    assert due["W-GIS-1"].in_use == 3 and due["W-GIS-1"].true_up == 2
    assert due["W-GIS-1"].true_up_cost == Decimal("20.00")
    assert due["W-GIS-2"].in_use == 0 and later.pk == due["W-GIS-2"].agreement.pk
