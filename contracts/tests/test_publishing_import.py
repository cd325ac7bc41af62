"""OCDS release packages imported as suppliers and contracts through the foundation's import:
dry run, all or nothing, row-level errors naming the release and the OCDS field, matching by
Companies House number or name (suppliers) and by OCID (contracts); page, API and command."""

from __future__ import annotations

import copy
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from contracts import publishing
from contracts.models import Contract, ContractSettings, Supplier
from contracts.tests.test_publishing import SHARED, contract, supplier
from core.importing import import_records
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import content_of, unscoped

pytestmark = pytest.mark.django_db

EXAMPLE = SHARED / "data" / "ocds" / "fictional-example"
OCID = "ocds-213czf-000-00001"


def package(name: str = "ocds-213czf-000-00001-05-contract.json") -> dict[str, Any]:
    """The OCDS standard's fictional example (Barnet's cycle lanes), a fresh copy."""
    return dict(json.loads((EXAMPLE / name).read_text(encoding="utf-8")))


def run(model: Any, data: Any, user: Any, dry_run: bool = False, name: str = "cf.json") -> Any:
    body = data if isinstance(data, bytes) else json.dumps(data).encode("utf-8")
    return import_records(model, io.BytesIO(body), name, user, dry_run=dry_run)


def owners(record: Contract) -> dict[str, Decimal]:
    return {s.partner.code: s.percentage for s in record.owner_shares()}


def test_suppliers_from_a_package(cast: Cast) -> None:
    checked = run(Supplier, package(), cast.agent, dry_run=True)
    assert checked.ok, checked.errors
    assert checked.source_format == "OCDS release package"
    assert (checked.created, checked.updated) == (1, 0)
    assert not unscoped(Supplier).exists(), "a dry run writes nothing"
    assert run(Supplier, package(), cast.agent).created == 1
    anycorp = unscoped(Supplier).get()
    assert anycorp.name == "AnyCorp Cycle Provision"
    assert anycorp.companies_house_number == "11111111"
    assert anycorp.postcode == "AA1 1AA"
    assert anycorp.website == "http://www.anycorp.example"
    again = run(Supplier, package(), cast.agent)
    assert (again.created, again.updated) == (0, 1), "matched, not duplicated"


def test_a_supplier_is_matched_by_company_number_then_name(cast: Cast) -> None:
    held = supplier("AnyCorp Ltd", companies_house_number="11111111")
    named = supplier("Beta Corp Construction")
    data = package()
    release = data["releases"][0]
    beta = next(p for p in release["parties"] if p["name"] == "Beta Corp Construction")
    beta["roles"] = ["supplier"]
    del beta["identifier"]
    result = run(Supplier, data, cast.agent)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 2)
    held.refresh_from_db()
    assert held.name == "AnyCorp Cycle Provision", "the number matched, the name followed"
    assert unscoped(Supplier).filter(pk=named.pk).exists()


def test_a_council_s_person_may_not_add_suppliers(cast: Cast) -> None:
    result = run(Supplier, package(), cast.wcc_lead)
    assert not result.ok
    assert result.errors[0].message.startswith(f"Release {OCID}: ")
    assert not unscoped(Supplier).exists()


def test_contracts_from_a_package(cast: Cast) -> None:
    run(Supplier, package(), cast.agent)
    checked = run(Contract, package(), cast.wcc_lead, dry_run=True)
    assert checked.ok, checked.errors
    assert (checked.created, checked.updated) == (1, 0)
    assert not unscoped(Contract).exists()
    result = run(Contract, package(), cast.wcc_lead)
    assert result.ok and result.created == 1
    made = unscoped(Contract).get()
    assert made.ocid == OCID
    assert made.reference == "ocds-213czf-000-00001-contract-01"
    assert made.title == "Contract to build new cycle lanes in the centre of town."
    assert made.supplier.name == "AnyCorp Cycle Provision"
    assert made.total_value == Decimal("11000000.00")
    assert made.start_date == datetime.date(2010, 7, 1)
    assert made.initial_term_months == 12  # 1 July 2010 to 30 June 2011
    assert made.status == "active"
    assert made.cpv_codes == ["45233130-9", "45233162-2"]
    # Barnet is none of the partnership's councils: the importing lead's own council.
    assert owners(made) == {"wcc": Decimal("100.00")}
    again = run(Contract, package(), cast.wcc_lead)
    assert (again.created, again.updated) == (0, 1), "matched by its ocid"


def test_the_buyer_names_the_council(cast: Cast) -> None:
    run(Supplier, package(), cast.agent)
    data = package()
    release = data["releases"][0]
    barnet = release["parties"][0]
    barnet["name"] = "Some other name"
    barnet["identifier"]["id"] = cast.rbkc.gss_code
    result = run(Contract, data, cast.manager)
    assert result.ok, result.errors
    assert owners(unscoped(Contract).get()) == {"rbkc": Decimal("100.00")}


def test_errors_name_the_release_and_the_field(cast: Cast) -> None:
    data = package()
    second = copy.deepcopy(data["releases"][0])
    second["ocid"] = "ocds-213czf-000-00002"
    second["id"] = "ocds-213czf-000-00002-01"
    del second["contracts"][0]["period"]
    del second["awards"][0]["contractPeriod"]
    second["contracts"][0]["id"] = "second-contract"
    data["releases"].append(second)
    result = run(Contract, data, cast.wcc_lead)
    assert not result.ok
    found = {(e.row, e.column): e.message for e in result.errors}
    # No supplier held yet: both rows; the second also lacks its start date.
    assert found[(2, "awards/suppliers")].startswith(f"Release {OCID}: ")
    assert "AnyCorp Cycle Provision" in found[(2, "awards/suppliers")]
    start = found[(3, "contracts/period/startDate")]
    assert start.startswith("Release ocds-213czf-000-00002: ")
    assert not unscoped(Contract).exists(), "all or nothing"


def test_all_or_nothing(cast: Cast) -> None:
    run(Supplier, package(), cast.agent)
    data = package()
    bad = copy.deepcopy(data["releases"][0])
    bad["ocid"] = "ocds-213czf-000-00003"
    bad["contracts"][0]["id"] = "bad-contract"
    bad["contracts"][0]["items"][0]["classification"]["id"] = "99999999-9"
    bad["contracts"][0]["items"][0]["additionalClassifications"] = []
    data["releases"].append(bad)
    result = run(Contract, data, cast.wcc_lead)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "contracts/items/classification")]
    assert "99999999-9 is not a CPV 2008 code" in result.errors[0].message
    assert not unscoped(Contract).exists()


def test_a_full_history_is_one_contract(cast: Cast) -> None:
    run(Supplier, package("ocds-213czf-000-00001.json"), cast.agent)
    result = run(Contract, package("ocds-213czf-000-00001.json"), cast.wcc_lead)
    assert result.ok, result.errors
    assert result.created == 1
    assert unscoped(Contract).get().ocid == OCID


def test_a_council_re_imports_its_own_register(cast: Cast, api_client_for: Any) -> None:
    with system_scope("test data"):
        ContractSettings.objects.create(partner=cast.wcc, ocid_prefix="ocds-b5fd17-wcc")
    bt = supplier("British Telecommunications plc", companies_house_number="01800000")
    mine = contract("WCC-NET-9", {cast.wcc: 100}, supplier=bt)
    body = publishing.joined(
        publishing.ocds_package(cast.wcc_lead, cast.wcc, "https://concord.example/ocds/")
    )
    result = run(Contract, body, cast.wcc_lead, name="wcc.json")
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    mine.refresh_from_db()
    assert mine.ocid == f"ocds-b5fd17-wcc-{mine.pk}", "the OCID publication gave it, now kept"
    assert mine.reference == "WCC-NET-9"


def test_page_api_and_command_take_a_package(
    cast: Cast, client_for: Any, api_client_for: Any, tmp_path: Path
) -> None:
    data = json.dumps(package()).encode("utf-8")
    upload = io.BytesIO(data)
    upload.name = "notice.json"
    response = api_client_for(cast.agent).post(
        "/api/v1/suppliers/import/", {"file": upload, "dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["source_format"]) == (
        1,
        "OCDS release package",
    )
    path = tmp_path / "notice.json"
    path.write_bytes(data)
    call_command("import", "contracts.Supplier", str(path), "--as", "agent", stdout=io.StringIO())
    assert unscoped(Supplier).count() == 1
    upload = io.BytesIO(data)
    upload.name = "notice.json"
    page = client_for(cast.wcc_lead).post("/contracts/import/", {"file": upload}, follow=True)
    assert page.status_code == 200
    assert "OCDS release package" in content_of(page)
