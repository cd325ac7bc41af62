"""The recharge API: making and approving a run, a run's statements as each reader sees them,
a statement's lines, and refusals (400 naming the field, 403, 404)."""

from __future__ import annotations

import pytest

from finance.models import RechargeRun
from finance.tests.recharge_factories import fixed_rule, shared_cost

pytestmark = pytest.mark.django_db


def test_run_and_approve_by_the_api(cast, api_client_for):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    shared_cost("10.01")
    client = api_client_for(cast.finance)
    made = client.post(
        "/api/v1/recharge-runs/run/",
        {"period_start": "2026-04-01", "period_end": "2026-04-30"},
        format="json",
    )
    assert made.status_code == 200, made.content
    body = made.json()
    assert (
        body["status"] == "draft" and body["total"] == "10.01" and len(body["inputs_digest"]) == 64
    )
    statements = client.get(f"/api/v1/recharge-runs/{body['id']}/statements/").json()
    assert sorted(s["total"] for s in statements) == ["5.00", "5.01"]
    detail = client.get(f"/api/v1/recharge-statements/{statements[0]['id']}/").json()
    assert detail["lines"][0]["rule"] == "Fixed staff"
    approved = client.post(f"/api/v1/recharge-runs/{body['id']}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = client.post(f"/api/v1/recharge-runs/{body['id']}/approve/")
    assert again.status_code == 400
    rerun = client.post(
        "/api/v1/recharge-runs/run/",
        {"period_start": "2026-04-01", "period_end": "2026-04-30"},
        format="json",
    )
    assert rerun.status_code == 400 and "locked" in rerun.content.decode()


def test_a_council_reads_its_own_statement_only(cast, api_client_for):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    shared_cost("10.00")
    run_id = (
        api_client_for(cast.manager)
        .post(
            "/api/v1/recharge-runs/run/",
            {"period_start": "2026-04-01", "period_end": "2026-04-30"},
            format="json",
        )
        .json()["id"]
    )
    lead = api_client_for(cast.wcc_lead)
    mine = lead.get(f"/api/v1/recharge-runs/{run_id}/statements/").json()
    assert [s["partner"] for s in mine] == ["wcc"]
    with_all = (
        api_client_for(cast.finance).get(f"/api/v1/recharge-runs/{run_id}/statements/").json()
    )
    theirs = next(s for s in with_all if s["partner"] == "rbkc")
    assert lead.get(f"/api/v1/recharge-statements/{theirs['id']}/").status_code == 404
    assert api_client_for(cast.wcc_staff).get(f"/api/v1/recharge-runs/{run_id}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period_start": "2026-04-02", "period_end": "2026-04-30"}, "period_end"),
        ({"period_start": "2026-04-01", "period_end": "2026-05-15"}, "period_end"),
        ({"period_start": "soon", "period_end": "2026-04-30"}, "period_start"),
        ({"period_end": "2026-04-30"}, "period_start"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(cast, api_client_for, body, field):
    response = api_client_for(cast.finance).post("/api/v1/recharge-runs/run/", body, format="json")
    assert response.status_code == 400
    assert field in {error["field"] for error in response.json()["errors"]}


def test_only_the_service_finance_staff_run_and_approve(cast, api_client_for):
    fixed_rule({cast.wcc: "50", cast.rbkc: "50"})
    period = {"period_start": "2026-04-01", "period_end": "2026-04-30"}
    for user in (cast.wcc_lead, cast.agent):
        assert (
            api_client_for(user)
            .post("/api/v1/recharge-runs/run/", period, format="json")
            .status_code
            == 403
        )
    run_id = (
        api_client_for(cast.finance)
        .post("/api/v1/recharge-runs/run/", period, format="json")
        .json()["id"]
    )
    assert (
        api_client_for(cast.wcc_lead).post(f"/api/v1/recharge-runs/{run_id}/approve/").status_code
        == 403
    )
    assert (
        api_client_for(cast.wcc_staff).post(f"/api/v1/recharge-runs/{run_id}/approve/").status_code
        == 404
    )
    assert RechargeRun.objects.unscoped("test").get().status == "draft"
