"""The published contracts register: the Transparency Code CSV and the OCDS release package,
by page and API, for each council; validated offline with libcoveocds."""

from __future__ import annotations

import csv
import datetime
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine

from contracts.models import (
    Contract,
    ContractExtension,
    ContractSettings,
    Supplier,
)
from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
#: CI has ../shared beside the checkout; a worktree's is beside the main checkout.
SHARED = next(
    (
        p / "shared"
        for p in (ROOT.parent, *ROOT.parents)
        if (p / "shared" / "data" / "ocds" / "standard-1__1__5-schema.zip").exists()
    ),
    ROOT.parent / "shared",
)
STANDARD_ZIP = SHARED / "data" / "ocds" / "standard-1__1__5-schema.zip"
LIBCOVE = Path(sys.executable).parent / "libcoveocds"

TODAY = datetime.date(2026, 6, 1)


def supplier(name: str, **extra: Any) -> Supplier:
    with system_scope("test data"):
        return Supplier.objects.get_or_create(name=name, defaults=extra)[0]


def contract(reference: str, shares: dict[Any, Any], **extra: Any) -> Contract:
    fields: dict[str, Any] = {
        "title": f"Contract {reference}",
        "description": "Managed wide area network for the council's offices.",
        "supplier": extra.pop("supplier", None) or supplier("British Telecommunications plc"),
        "department": "Digital and ICT",
        "total_value": Decimal("120000.00"),
        "annual_value": Decimal("40000.00"),
        "irrecoverable_vat": Decimal("0.00"),
        "start_date": datetime.date(2024, 4, 1),
        "initial_term_months": 36,
        "notice_months": 3,
        "procurement_route": "framework_call_off",
        "cpv_codes": ["72253000-3", "32412000-4"],
        "status": "active",
    }
    fields.update(extra)
    with system_scope("test data"):
        made = Contract.objects.create(reference=reference, **fields)
        set_owner_shares(made, {p: Decimal(str(pct)) for p, pct in shares.items()})
    return made


def settings_for(partner: Any, prefix: str) -> None:
    with system_scope("test data"):
        ContractSettings.objects.update_or_create(partner=partner, defaults={"ocid_prefix": prefix})


@pytest.fixture
def register(cast: Cast) -> dict[str, Contract]:
    settings_for(cast.wcc, "ocds-b5fd17-wcc")
    settings_for(cast.rbkc, "ocds-b5fd17-rbkc")
    bt = supplier(
        "British Telecommunications plc",
        companies_house_number="01800000",
        address="1 Braham Street\nLondon",
        postcode="E1 8EE",
        website="https://www.bt.com",
        email="bids@bt.example",
    )
    charity = supplier(
        "Digital Inclusion Trust", charity_number="1123456", is_vcse=True, is_sme=True
    )
    network = contract("WCC-NET-1", {cast.wcc: 100}, supplier=bt)
    with system_scope("test data"):
        ContractExtension.objects.create(contract=network, sequence=1, months=12, exercised=True)
    return {
        "network": network,
        "joint": contract(
            "JOINT-CRM-1",
            {cast.wcc: 60, cast.rbkc: 40},
            supplier=bt,
            total_value=Decimal("100000.01"),
            annual_value=Decimal("33333.33"),
        ),
        "small": contract(
            "WCC-SMALL-1", {cast.wcc: 100}, supplier=charity, total_value=Decimal("5000.00")
        ),
        "draft": contract("WCC-DRAFT-1", {cast.wcc: 100}, status="draft"),
        "rbkc": contract("RBKC-ONLY-1", {cast.rbkc: 100}, supplier=charity),
    }


def csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def streamed(response: Any) -> bytes:
    assert response.streaming, "sent as it is written"
    return b"".join(response.streaming_content)


# The Transparency Code CSV ---------------------------------------------------------------------


@time_machine.travel(TODAY)
def test_transparency_csv_has_the_code_s_fields_in_order(
    cast: Cast, register: dict[str, Contract], api_client_for: Any
) -> None:
    response = api_client_for(cast.wcc_lead).get("/api/v1/partners/wcc/transparency-contracts/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = streamed(response)
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header[:13] == [
        "Reference number",
        "Title of agreement",
        "Department responsible",
        "Description of goods and/or services",
        "Supplier name",
        "Supplier details",
        "Value over the length of the contract (GBP)",
        "Estimated annual spend (GBP)",
        "Irrecoverable VAT (GBP)",
        "Start date",
        "End date",
        "Review date",
        "Procurement route",
    ]
    rows = {r["Reference number"]: r for r in csv_rows(body)}
    # Over £5,000 only, no drafts, no other council's contract.
    assert set(rows) == {"WCC-NET-1", "JOINT-CRM-1"}
    network = rows["WCC-NET-1"]
    assert network["Supplier name"] == "British Telecommunications plc"
    assert network["Supplier details"] == "1 Braham Street London, E1 8EE"
    assert network["Value over the length of the contract (GBP)"] == "120000.00"
    assert network["Start date"] == "2024-04-01"
    # 36 months and the exercised 12-month extension (contracts.services).
    assert network["End date"] == "2028-03-31"
    assert network["Procurement route"] == "Call-off from a framework agreement"
    assert (network["SME"], network["VCSE"]) == ("No", "No")
    assert network["Companies House number"] == "01800000"
    assert network["Open Contracting ID"] == f"ocds-b5fd17-wcc-{register['network'].pk}"
    assert network["CPV codes"] == "72253000-3; 32412000-4"
    assert network["Value basis"] == "Whole contract"


@time_machine.travel(TODAY)
def test_a_joint_contract_publishes_each_council_s_share(
    cast: Cast, register: dict[str, Contract], api_client_for: Any
) -> None:
    wcc = {
        r["Reference number"]: r
        for r in csv_rows(
            streamed(
                api_client_for(cast.wcc_lead).get("/api/v1/partners/wcc/transparency-contracts/")
            )
        )
    }["JOINT-CRM-1"]
    rbkc = {
        r["Reference number"]: r
        for r in csv_rows(
            streamed(
                api_client_for(cast.rbkc_lead).get("/api/v1/partners/rbkc/transparency-contracts/")
            )
        )
    }["JOINT-CRM-1"]
    # 60% and 40% of £100,000.01, to the penny (half up).
    assert wcc["Value over the length of the contract (GBP)"] == "60000.01"
    assert rbkc["Value over the length of the contract (GBP)"] == "40000.00"
    assert wcc["Estimated annual spend (GBP)"] == "20000.00"
    assert "60% share" in wcc["Value basis"] and "£100,000.01" in wcc["Value basis"]
    assert "Royal Borough of Kensington and Chelsea (40%)" in wcc["Value basis"] or (
        cast.rbkc.name in wcc["Value basis"]
    )
    assert cast.wcc.name in rbkc["Value basis"]


def test_a_formula_in_a_cell_is_written_as_text(
    cast: Cast, register: dict[str, Contract], api_client_for: Any
) -> None:
    contract("WCC-FORMULA", {cast.wcc: 100}, title="=HYPERLINK(1)")
    body = streamed(
        api_client_for(cast.wcc_lead).get("/api/v1/partners/wcc/transparency-contracts/")
    )
    rows = {r["Reference number"]: r for r in csv_rows(body)}
    assert rows["WCC-FORMULA"]["Title of agreement"] == "'=HYPERLINK(1)"


# Who may have it -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["ocds", "transparency-contracts"])
def test_another_council_s_register_is_a_404(
    cast: Cast, register: dict[str, Contract], api_client_for: Any, path: str
) -> None:
    client = api_client_for(cast.rbkc_lead)
    for code in ("wcc", "nosuch"):
        response = client.get(f"/api/v1/partners/{code}/{path}/")
        assert response.status_code == 404, code
        assert "Westminster" not in response.content.decode()


@pytest.mark.parametrize("path", ["ocds", "transparency-contracts"])
def test_who_may_download(
    cast: Cast, register: dict[str, Contract], api_client_for: Any, client: Any, path: str
) -> None:
    # A requester sees the council but may not export its contracts.
    assert api_client_for(cast.wcc_staff).get(f"/api/v1/partners/wcc/{path}/").status_code == 403
    assert client.get(f"/api/v1/partners/wcc/{path}/").status_code in (401, 403)
    # The shared service's staff read every council's; an auditor reads their own.
    assert api_client_for(cast.agent).get(f"/api/v1/partners/rbkc/{path}/").status_code == 200
    assert api_client_for(cast.wcc_auditor).get(f"/api/v1/partners/wcc/{path}/").status_code == 200


def test_the_pages_offer_each_council_s_files(
    cast: Cast, register: dict[str, Contract], client_for: Any
) -> None:
    client = client_for(cast.wcc_lead)
    listing = client.get("/contracts/")
    assert b"/contracts/register/" in listing.content, "linked from the contracts list"
    page = client.get("/contracts/register/")
    text = page.content.decode()
    assert page.status_code == 200
    assert cast.wcc.name in text and cast.rbkc.name not in text
    assert "/contracts/register/wcc/ocds.json" in text
    assert "ocds-b5fd17-wcc" in text
    download = client.get("/contracts/register/wcc/transparency.csv")
    assert download.status_code == 200
    assert 'filename="wcc-contracts-transparency-' in download["Content-Disposition"]
    assert {r["Reference number"] for r in csv_rows(streamed(download))} == {
        "WCC-NET-1",
        "JOINT-CRM-1",
    }
    package = json.loads(streamed(client.get("/contracts/register/wcc/ocds.json")))
    assert len(package["releases"]) == 3
    assert client.get("/contracts/register/rbkc/ocds.json").status_code == 404
    assert client_for(cast.wcc_staff).get("/contracts/register/").status_code == 403


# The OCDS release package ----------------------------------------------------------------------


@time_machine.travel(TODAY)
def test_ocds_package_holds_a_release_per_contract(
    cast: Cast, register: dict[str, Contract], api_client_for: Any
) -> None:
    response = api_client_for(cast.wcc_lead).get("/api/v1/partners/wcc/ocds/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    package = json.loads(streamed(response))
    assert package["version"] == "1.1"
    assert package["uri"].endswith("/api/v1/partners/wcc/ocds/")
    assert package["publisher"] == {"name": cast.wcc.name}
    by_ocid = {r["ocid"]: r for r in package["releases"]}
    network = register["network"]
    release = by_ocid[f"ocds-b5fd17-wcc-{network.pk}"]
    assert set(by_ocid) == {
        f"ocds-b5fd17-wcc-{register[k].pk}" for k in ("network", "joint", "small")
    }
    assert release["tag"] == ["award", "contract"]
    assert release["language"] == "en"
    assert release["buyer"]["name"] == cast.wcc.name
    supplier_party = next(p for p in release["parties"] if "supplier" in p["roles"])
    assert supplier_party["id"] == "GB-COH-01800000"
    assert supplier_party["identifier"] == {
        "scheme": "GB-COH",
        "id": "01800000",
        "legalName": "British Telecommunications plc",
    }
    block = release["contracts"][0]
    assert block["value"] == {"amount": 120000.0, "currency": "GBP"}
    assert block["period"] == {
        "startDate": "2024-04-01T00:00:00Z",
        "endDate": "2028-03-31T00:00:00Z",
    }
    assert [i["classification"] for i in block["items"]] == [
        {"scheme": "CPV", "id": "72253000", "description": "Helpdesk and support services"},
        {"scheme": "CPV", "id": "32412000", "description": "Communications network"},
    ]
    assert release["awards"][0]["suppliers"] == [
        {"id": "GB-COH-01800000", "name": "British Telecommunications plc"}
    ]
    assert release["tender"]["procurementMethod"] == "selective"
    joint = by_ocid[f"ocds-b5fd17-wcc-{register['joint'].pk}"]["contracts"][0]
    assert joint["value"]["amount"] == 60000.01
    assert "60% share" in joint["description"]
    charity = next(
        p
        for p in by_ocid[f"ocds-b5fd17-wcc-{register['small'].pk}"]["parties"]
        if "supplier" in p["roles"]
    )
    assert charity["identifier"]["scheme"] == "GB-CHC"


def test_a_stored_ocid_is_kept(
    cast: Cast, register: dict[str, Contract], api_client_for: Any
) -> None:
    with system_scope("test data"):
        network = register["network"]
        network.ocid = "ocds-b5fd17-imported-7"
        network.save()
    package = json.loads(streamed(api_client_for(cast.wcc_lead).get("/api/v1/partners/wcc/ocds/")))
    assert "ocds-b5fd17-imported-7" in {r["ocid"] for r in package["releases"]}


def libcove(path: Path) -> dict[str, Any]:
    """libcoveocds's report of `path`, against the 1.1.5 schema in the standard's zip."""
    assert STANDARD_ZIP.exists(), f"the OCDS standard's zip is not at {STANDARD_ZIP}"
    done = subprocess.run(
        [str(LIBCOVE), "--standard-zip", str(STANDARD_ZIP), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


@time_machine.travel(TODAY)
def test_the_package_validates_against_ocds_1_1_5(
    cast: Cast, register: dict[str, Contract], api_client_for: Any, tmp_path: Path
) -> None:
    body = streamed(api_client_for(cast.wcc_lead).get("/api/v1/partners/wcc/ocds/"))
    path = tmp_path / "wcc-ocds.json"
    path.write_bytes(body)
    report = libcove(path)
    assert report["version_used"] == "1.1"
    assert report["count"] == 3
    assert report["validation_errors"] == []
    assert report["additional_fields"] == [], "no field the schema does not define"
    assert report["additional_closed_codelist_values"] == {}
    assert report.get("additional_checks", {}) == {}, report.get("additional_checks")
    assert report["deprecated_fields"] == []
