"""End of support: matching what devices report to the shipped endoflife.date data, and the
report of each council's unsupported systems and those ending within a horizon."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from assets import services
from assets.eol import match_release
from assets.tests.factories import asset
from core.testing.cast import Cast
from core.testing.families import content_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "version", "product", "cycle", "ends"),
    [
        ("Windows 7 Professional", "", "windows", "7-sp1", "2020-01-14"),
        ("Windows 10 Enterprise", "22H2", "windows", "10-22h2", "2025-10-14"),
        ("Windows", "10.0.19045.4529", "windows", "10-22h2", "2025-10-14"),
        ("Windows 11 Enterprise", "23H2", "windows", "11-23h2-e", "2026-11-10"),
        ("Windows 11 Pro", "10.0.22631.3447", "windows", "11-23h2-w", "2025-11-11"),
        ("Windows Server 2012 R2 Standard", "", "windows-server", "2012-r2", "2023-10-10"),
        ("Windows Server 2012", "", "windows-server", "2012", "2023-10-10"),
        ("Windows Server", "10.0.17763", "windows-server", "2019", "2029-01-09"),
        ("Ubuntu 22.04.3 LTS", "", "ubuntu", "22.04", "2027-04-01"),
        ("VMware ESXi", "7.0.3", "vmware-esxi", "7.0", "2025-10-02"),
        ("iOS", "17.4", "ios", "17", "2025-05-13"),
        ("Microsoft SQL Server 2016", "", "mssqlserver", "13.0-sp3-acp", "2026-07-14"),
    ],
)
def test_matching(name: str, version: str, product: str, cycle: str, ends: str) -> None:
    found = match_release(name, version)
    assert found is not None
    assert (found.product, found.cycle) == (product, cycle)
    assert found.support_ends == datetime.date.fromisoformat(ends)


def test_no_match_for_what_the_data_does_not_know() -> None:
    assert match_release("Linux", "6.1") is None
    assert match_release("", "") is None
    assert match_release("macOS", "14.4").support_ends is None  # type: ignore[union-attr]


def test_an_asset_carries_its_support_date(cast: Cast) -> None:
    old = asset(cast.wcc, asset_tag="OLD", os_name="Windows 7 Professional")
    assert (old.eol_product, old.eol_release) == ("windows", "7-sp1")
    assert old.support_ends == datetime.date(2020, 1, 14)
    old.os_name = "Linux"
    old.save()
    assert old.support_ends is None and old.eol_product == ""


@time_machine.travel(datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_report_by_horizon_and_scope(cast: Cast, client_for: Any, api_client_for: Any) -> None:
    win7 = asset(cast.wcc, asset_tag="WCC-W7", os_name="Windows 7 Professional")
    sql = asset(cast.wcc, asset_tag="WCC-SQL", kind="server", os_name="SQL Server 2016")
    asset(cast.wcc, asset_tag="WCC-2019", kind="server", os_name="Windows Server 2019")
    theirs = asset(cast.rbkc, asset_tag="RBKC-2012", kind="server", os_name="Windows Server 2012")
    retired = asset(cast.wcc, asset_tag="WCC-RET", os_name="Windows 7")
    services.move(retired, "retired", cast.wcc_lead)
    assert list(services.end_of_support(cast.wcc_lead, 0)) == [win7]
    assert list(services.end_of_support(cast.wcc_lead, 6)) == [win7, sql]
    assert list(services.end_of_support(cast.agent, 0)) == [win7, theirs]
    text = content_of(client_for(cast.wcc_lead).get("/assets/end-of-support/", {"months": 6}))
    assert "WCC-W7" in text and "WCC-SQL" in text and "RBKC-2012" not in text
    assert "Out of support" in text and "Ending soon" in text
    bad = client_for(cast.wcc_lead).get("/assets/end-of-support/", {"months": "soon"})
    assert bad.status_code == 400
    api = api_client_for(cast.rbkc_lead).get("/api/v1/assets/end-of-support/", {"months": 0})
    assert api.status_code == 200
    assert [(r["asset_tag"], r["councils"], r["ended"]) for r in api.json()] == [
        ("RBKC-2012", ["rbkc"], True)
    ]
    assert client_for(cast.wcc_staff).get("/assets/end-of-support/").status_code == 403


def test_the_report_is_documented_as_the_list_it_answers(client: Any) -> None:
    """The report is one list in its own order: the schema names no page, filter or sort
    (schemathesis found it documented as a page of the asset list)."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/assets/end-of-support/"]["get"]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["months"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["type"] == "array"
