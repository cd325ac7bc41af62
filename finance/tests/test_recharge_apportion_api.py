"""``POST /api/v1/apportion/``: the splitting arithmetic offered to clients
(finance/api/recharges.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from finance.arithmetic import apportion

URL = "/api/v1/apportion/"


def fields_of(response: Any) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_anyone_signed_in_splits_an_amount_to_the_penny(cast, api_client_for):
    for user in (cast.wcc_staff, cast.finance, cast.rbkc_lead):
        response = api_client_for(user).post(
            URL,
            {"amount": "100.00", "weights": {"wcc": "1", "rbkc": "1", "lbhf": "1"}},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json() == {"shares": {"lbhf": "33.34", "rbkc": "33.33", "wcc": "33.33"}}


def test_the_answer_is_the_run_arithmetic(cast, api_client_for):
    weights = {"a": "12.5", "b": "40.25", "c": "0", "d": "47.25"}
    response = api_client_for(cast.agent).post(
        URL, {"amount": "-1234.57", "weights": weights}, format="json"
    )
    expected = apportion(Decimal("-1234.57"), {k: Decimal(v) for k, v in weights.items()})
    assert response.json()["shares"] == {k: str(v) for k, v in sorted(expected.items())}
    assert sum(Decimal(v) for v in response.json()["shares"].values()) == Decimal("-1234.57")


def test_signed_out_is_refused(db):
    from rest_framework.test import APIClient

    response = APIClient().post(URL, {"amount": "1", "weights": {"a": "1"}}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "ten", "weights": {"a": "1"}}, "amount"),
        ({"amount": "1.005", "weights": {"a": "1"}}, "amount"),
        ({"amount": "NaN", "weights": {"a": "1"}}, "amount"),
        ({"amount": "1e400", "weights": {"a": "1"}}, "amount"),
        ({"weights": {"a": "1"}}, "amount"),
        ({"amount": "1.00"}, "weights"),
        ({"amount": "1.00", "weights": {}}, "weights"),
        ({"amount": "1.00", "weights": ["a"]}, "weights"),
        ({"amount": "1.00", "weights": {"a": "0", "b": "0"}}, "weights"),
        ({"amount": "1.00", "weights": {"a": "1", "b": "x"}}, "weights.b"),
        ({"amount": "1.00", "weights": {"a": "-1", "b": "2"}}, "weights.a"),
        ({"amount": "1.00", "weights": {"a": "0.1234567"}}, "weights.a"),
        ({"amount": "1.00", "weights": {"a": "Infinity"}}, "weights.a"),
        ({"amount": "1.00", "weights": {"": "1"}}, "weights"),
        ({"amount": "1.00", "weights": {"a": "1"}, "rounding": "up"}, "rounding"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(cast, api_client_for, body, field):
    response = api_client_for(cast.wcc_staff).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert any(name and name.startswith(field) for name in fields_of(response)), response.json()


def test_not_an_object_is_a_400(cast, api_client_for):
    client = api_client_for(cast.wcc_staff)
    assert client.post(URL, [1, 2], format="json").status_code == 400
    assert client.post(URL, "null", content_type="application/json").status_code == 400


def test_it_is_in_the_schema_with_its_bodies(cast, client_for):
    schema = client_for(cast.agent).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/apportion/"]["post"]
    assert "application/json" in operation["requestBody"]["content"]
    assert {"200", "400"} <= set(operation["responses"])


@pytest.mark.parametrize(
    "body",
    [
        {"amount": True, "weights": {"a": "1"}},
        {"amount": 1e308, "weights": {"a": "1"}},
        {"amount": "1.00", "weights": {"a": {"b": "1"}}},
        {"amount": "1.00", "weights": {"a": None}},
        {"amount": "1.00", "weights": {"a": "1e-7"}},
        {"amount": "1.00", "weights": {"x" * 41: "1"}},
        {"amount": "1.00", "weights": {f"c{n}": "1" for n in range(201)}},
        {"amount": [], "weights": "a"},
    ],
)
def test_odd_bodies_are_400s_not_500s(cast, api_client_for, body):
    response = api_client_for(cast.wcc_staff).post(URL, body, format="json")
    assert response.status_code == 400, response.content


def test_the_largest_amounts_and_weights_split(cast, api_client_for):
    body = {
        "amount": "-999999999999.99",
        "weights": {f"c{n:03d}": "999999999999.999999" for n in range(200)},
    }
    response = api_client_for(cast.wcc_staff).post(URL, body, format="json")
    assert response.status_code == 200
    shares = response.json()["shares"]
    assert sum(Decimal(v) for v in shares.values()) == Decimal("-999999999999.99")
