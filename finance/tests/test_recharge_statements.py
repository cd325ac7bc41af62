"""Recharge pages and files: runs list and page (run, approve), a statement's page, PDF, CSV,
XLSX and journal, who sees which statement, and "what if" (which writes nothing)."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zlib
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from core.models import ChangeRecord
from core.tenancy.scoping import system_scope
from core.testing.families import content_of
from finance import recharging
from finance.choices import CostCategory
from finance.models import RechargeRun, RechargeStatement
from finance.tests.recharge_factories import APRIL, fixed_rule, ledger_code, own_cost, shared_cost

pytestmark = pytest.mark.django_db


def pdf_texts(pdf: bytes) -> list[str]:
    """The text of each TJ/Tj run of a WeasyPrint PDF, decoded by each of its fonts'
    ToUnicode maps (the test does not work out which font each run uses)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    maps = []
    for stream in streams:
        if b"beginbfchar" in stream or b"beginbfrange" in stream:
            table = {}
            for section in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
                for code, uni in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", section):
                    table[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
            for section in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
                pattern = rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>"
                for first, last, uni in re.findall(pattern, section):
                    base = int(uni, 16)
                    for n, code in enumerate(range(int(first, 16), int(last, 16) + 1)):
                        table[code] = chr(base + n)
            maps.append(table)
    texts = []
    for stream in streams:
        for run in re.findall(rb"\[(.*?)\]\s*TJ", stream, re.S):
            hexes = re.findall(rb"<([0-9a-fA-F]+)>", run)
            for table in maps:
                texts.append(
                    "".join(
                        table.get(int(h[i : i + 4], 16), "?")
                        for h in hexes
                        for i in range(0, len(h), 4)
                    )
                )
    return texts


@pytest.fixture
def april(cast: Any) -> RechargeRun:
    fixed_rule({cast.wcc: "60", cast.rbkc: "40"})
    ledger_code(cast.wcc, CostCategory.STAFF, "400", "4510")
    ledger_code(cast.wcc, CostCategory.HARDWARE, "410", "4600")
    ledger_code(cast.rbkc, CostCategory.STAFF, "IT01", "A100")
    shared_cost("1000.01", reference="INV-1")
    shared_cost("234.50", reference="INV-2")
    own_cost(cast.wcc, "99.99")
    return recharging.run_for(*APRIL)


def statement_of(run: RechargeRun, partner: Any) -> RechargeStatement:
    return RechargeStatement.objects.unscoped("test").get(run=run, partner=partner)


def test_the_service_finance_officer_makes_and_approves_a_run_by_the_pages(cast, client_for):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    shared_cost("10.00")
    client = client_for(cast.finance)
    page = content_of(client.get("/recharge-runs/"))
    assert "Make the draft run" in page
    bad = client.post("/recharge-runs/", {"month": "2026-04-02", "length": "month"})
    assert bad.status_code == 400 and "first day of a month" in content_of(bad)
    made = client.post("/recharge-runs/", {"month": "2026-04-01", "length": "month"})
    assert made.status_code == 302
    run = RechargeRun.objects.unscoped("test").get()
    assert made["Location"] == f"/recharge-runs/{run.pk}/"
    page = content_of(client.get(f"/recharge-runs/{run.pk}/"))
    assert "Approve" in page and "City of Westminster" in page and "5.00" in page
    confirm = content_of(client.get(f"/recharge-runs/{run.pk}/approve/"))
    assert "Approve and lock the run" in confirm
    assert client.post(f"/recharge-runs/{run.pk}/approve/").status_code == 302
    run.refresh_from_db()
    assert run.is_approved
    assert client.get(f"/recharge-runs/{run.pk}/approve/").status_code == 403


def test_a_quarter_run_by_the_page(cast, client_for):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    client = client_for(cast.manager)
    assert (
        client.post("/recharge-runs/", {"month": "2026-04-01", "length": "quarter"}).status_code
        == 302
    )
    run = RechargeRun.objects.unscoped("test").get()
    assert (run.period_start, run.period_end) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 6, 30),
    )


def test_others_may_not_run_or_approve(cast, client_for, april):
    for user in (cast.wcc_lead, cast.agent):
        client = client_for(user)
        assert "Make the draft run" not in content_of(client.get("/recharge-runs/"))
        assert (
            client.post("/recharge-runs/", {"month": "2026-05-01", "length": "month"}).status_code
            == 403
        )
        assert client.post(f"/recharge-runs/{april.pk}/approve/").status_code == 403
        assert client.post(f"/recharge-runs/{april.pk}/rerun/").status_code == 403
    assert client_for(cast.wcc_staff).get("/recharge-runs/").status_code == 403
    assert client_for(cast.wcc_staff).get(f"/recharge-runs/{april.pk}/").status_code == 404


def test_a_council_sees_only_its_own_statement(cast, client_for, april):
    wcc, rbkc = statement_of(april, cast.wcc), statement_of(april, cast.rbkc)
    lead = client_for(cast.wcc_lead)
    run_page = content_of(lead.get(f"/recharge-runs/{april.pk}/"))
    assert cast.wcc.name in run_page and cast.rbkc.name not in run_page
    page = content_of(lead.get(f"/recharge-statements/{wcc.pk}/"))
    assert "INV-1" in page and "Fixed staff" in page and "400" in page and "4510" in page
    assert f"{wcc.total:,}" in page
    for suffix in ("", "pdf/", "csv/", "xlsx/", "journal/"):
        assert lead.get(f"/recharge-statements/{rbkc.pk}/{suffix}").status_code == 404
        assert (
            client_for(cast.wcc_staff).get(f"/recharge-statements/{wcc.pk}/{suffix}").status_code
            == 404
        )
    service = client_for(cast.finance)
    assert service.get(f"/recharge-statements/{rbkc.pk}/").status_code == 200
    # The council's weight beside every council's total, never another council's own.
    assert "60" in page and "100" in page


def test_the_run_pages_honour_the_councils_shown(cast, client_for, april):
    """The header's "Councils shown" (core.partner_filter) narrows the run pages as it narrows
    every list: one council chosen, the run's page lists its statement only and the runs list
    its share of each run; "All councils" again shows every statement."""
    wcc, rbkc = statement_of(april, cast.wcc), statement_of(april, cast.rbkc)
    client = client_for(cast.finance)
    every = content_of(client.get(f"/recharge-runs/{april.pk}/"))
    assert cast.wcc.name in every and cast.rbkc.name in every
    assert f"/recharge-statements/{rbkc.pk}/" in every
    client.post("/partner-filter/", {"partner": "rbkc", "next": "/recharge-runs/"})
    page = content_of(client.get(f"/recharge-runs/{april.pk}/"))
    assert f"/recharge-statements/{rbkc.pk}/" in page
    assert f"/recharge-statements/{wcc.pk}/" not in page
    assert f"Showing {cast.rbkc.name} only" in page
    runs = content_of(client.get("/recharge-runs/"))
    assert f"{cast.rbkc.name}&#x27;s share" in runs or f"{cast.rbkc.name}'s share" in runs
    assert f"{rbkc.total:,}" in runs and f"Showing {cast.rbkc.name} only" in runs
    # Another council's statement stays readable by its link, and says whose it is.
    other = content_of(client.get(f"/recharge-statements/{wcc.pk}/"))
    assert f"This is {cast.wcc.name}" in other.replace("&#x27;", "'")
    client.post("/partner-filter/", {"partner": "", "next": "/recharge-runs/"})
    again = content_of(client.get(f"/recharge-runs/{april.pk}/"))
    assert (
        f"/recharge-statements/{wcc.pk}/" in again and f"/recharge-statements/{rbkc.pk}/" in again
    )


def test_the_statement_pages_its_costs(cast, client_for, april):
    with system_scope("test data"):
        for n in range(60):
            shared_cost("1.00", reference=f"BULK-{n:03d}")
    recharging.run_for(*APRIL)
    statement = statement_of(april, cast.rbkc)
    client = client_for(cast.finance)
    first = content_of(client.get(f"/recharge-statements/{statement.pk}/"))
    assert "Next page of costs" in first
    found = re.search(r"\?after=(\d+)", first)
    assert found is not None
    after = found.group(1)
    second = content_of(client.get(f"/recharge-statements/{statement.pk}/?after={after}"))
    assert "BULK-059" in second and "Next page of costs" not in second
    assert (
        client.get(f"/recharge-statements/{statement.pk}/?after=99999999999999999999").status_code
        == 200
    )


def test_the_pdf_is_a_pdf_with_the_total(cast, client_for, april):
    statement = statement_of(april, cast.wcc)
    response = client_for(cast.wcc_lead).get(f"/recharge-statements/{statement.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-")
    texts = " ".join(pdf_texts(body))
    assert "Total" in texts
    assert f"{statement.total:,}" in texts  # 600.01 + 140.70 + 99.99 = 840.70
    assert statement.total == Decimal("840.70")


def test_the_csv_has_every_cost_and_adds_up(cast, client_for, april):
    statement = statement_of(april, cast.rbkc)
    response = client_for(cast.rbkc_lead).get(f"/recharge-statements/{statement.pk}/csv/")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Cost id" and rows[-1][3] == "Total"
    costs = rows[1:-1]
    assert len(costs) == 2
    assert sum(Decimal(row[-1]) for row in costs) == Decimal(rows[-1][-1]) == statement.total


def test_the_xlsx_has_every_cost(cast, client_for, april):
    statement = statement_of(april, cast.wcc)
    response = client_for(cast.finance).get(f"/recharge-statements/{statement.pk}/xlsx/")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Cost id" and len(rows) == 1 + 3 + 1
    assert Decimal(str(rows[-1][-1])) == statement.total


def test_the_journal_has_one_line_per_cost_centre_and_account(cast, client_for, april):
    statement = statement_of(april, cast.wcc)
    response = client_for(cast.wcc_lead).get(f"/recharge-statements/{statement.pk}/journal/")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["cost_centre"], r["account_code"], r["amount"]) for r in rows] == [
        ("400", "4510", "740.71"),
        ("410", "4600", "99.99"),
    ]
    assert {r["council"] for r in rows} == {"wcc"} and rows[0]["period_start"] == "2026-04-01"
    assert sum(Decimal(r["amount"]) for r in rows) == statement.total


def test_what_if_a_council_leaves_changes_nothing(cast, client_for, april):
    client = client_for(cast.finance)
    before = ChangeRecord.objects.unscoped("test").count()
    response = client.get(
        "/recharge-what-if/",
        {"change": "leave", "council": cast.rbkc.pk, "month": "2026-04-01", "length": "month"},
    )
    page = content_of(response)
    assert response.status_code == 200
    # Without rbkc, wcc bears every shared cost: 1234.51 + its own 99.99.
    assert "1,334.50" in page and "840.70" in page
    assert ChangeRecord.objects.unscoped("test").count() == before
    with system_scope("test"):
        assert RechargeRun.objects.count() == 1
    assert statement_of(april, cast.wcc).total == Decimal("840.70")


def test_what_if_a_council_joins(cast, client_for, april):
    response = client_for(cast.manager).get(
        "/recharge-what-if/",
        {
            "change": "join",
            "name": "Camden",
            "share": "20",
            "month": "2026-04-01",
            "length": "month",
        },
    )
    page = content_of(response)
    assert "Camden (joining)" in page
    # 1000.01 and 234.50 at 48/32/20.
    assert "246.90" in page


def test_what_if_is_for_the_service_finance_staff(cast, client_for):
    assert client_for(cast.wcc_lead).get("/recharge-what-if/").status_code == 403
    bad = client_for(cast.finance).get(
        "/recharge-what-if/", {"change": "leave", "month": "x", "length": "month"}
    )
    assert bad.status_code == 400 and "Error:" in content_of(bad)
