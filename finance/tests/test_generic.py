"""The generic test families (core.testing.families) for the finance ledger's models.

Each class declares who may do what and how to make sample records; the families generate the
page and API tests. Financial years and apportionment rules (with their drivers) are
catalogues the shared service keeps; cost centres, ledger codes, budgets, rule shares and
driver figures are each council's own; a cost line is for the councils that bear it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from core.services import set_audience
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import ModelFamily
from finance.choices import ApportionmentMethod, CostCategory, Driver, SpendType
from finance.models.ledger import (
    ApportionmentRule,
    Budget,
    BudgetRevision,
    CostCentre,
    CostLine,
    DriverFigure,
    FinancialYear,
    LedgerCode,
    RuleComponent,
    RuleShare,
)
from finance.tests.factories import cost_centre, financial_year

pytestmark = pytest.mark.django_db


# Financial years: catalogue -----------------------------------------------------------------


class TestFinancialYear(ModelFamily):
    """Read by every signed-in person; kept by the shared service."""

    model = FinancialYear
    permitted = "manager"
    denied = ("wcc_lead", "wcc_staff")
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> FinancialYear:
        n = self.seq()
        start = 1900 + n
        return FinancialYear.objects.create(
            name=f"Q{start}/{(start + 1) % 100:02d}",
            starts_on=datetime.date(start, 4, 1),
            ends_on=datetime.date(start + 1, 3, 31),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"name": "2090/91", "starts_on": "2090-04-01", "ends_on": "2091-03-31"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "name": f"Renamed {obj.name}",
            "starts_on": obj.starts_on.isoformat(),
            "ends_on": obj.ends_on.isoformat(),
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": f"{y}/{(y + 1) % 100:02d}",
                "starts_on": f"{y}-04-01",
                "ends_on": f"{y + 1}-03-31",
            }
            for y in (2080, 2081)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {"name": "2085/86", "starts_on": "2085-04-01", "ends_on": "2084-03-31"}, "ends_on"


# Cost centres: each council's ----------------------------------------------------------------


class TestCostCentre(ModelFamily):
    """A council's lead (or finance officer) keeps its cost centres; rbkc sees none of wcc's."""

    model = CostCentre
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> CostCentre:
        n = self.seq()
        return CostCentre.objects.create(
            partner=partner, code=f"QC-{n:03d}", name=f"Quillon centre {n:03d}"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"partner": partner.pk, "code": "NEW-400", "name": "Xerxes telephony"}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "partner": partner.code}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"partner": obj.partner_id, "code": obj.code, "name": "Renamed Quillon centre"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "partner": obj.partner.code}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {"partner": partner.code, "code": f"IMP-{n}", "name": f"Imported centre {n}"}
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {"partner": partner.code, "code": "bad code!", "name": "Bad centre"}, "code"


# Ledger codes ---------------------------------------------------------------------------------

COMBINATIONS = [(c, s) for s in SpendType.values for c in CostCategory.values]


def free_combination(partner: Any) -> tuple[str, str]:
    """A category and spend type `partner` has no ledger code for yet."""
    with system_scope("test data"):
        used = set(LedgerCode.objects.owned_by(partner).values_list("category", "spend_type"))
    return next(pair for pair in COMBINATIONS if pair not in used)


class TestLedgerCode(ModelFamily):
    """Where a council books its share of a category: its own, like its cost centres."""

    model = LedgerCode
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "account_code"
    identity_field = "account_code"
    list_queries = 5
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> LedgerCode:
        n = self.seq()
        category, spend_type = free_combination(partner)
        return LedgerCode.objects.create(
            partner=partner,
            category=category,
            spend_type=spend_type,
            cost_centre=cost_centre(partner),
            account_code=f"QL-{n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        category, spend_type = free_combination(partner)
        return {
            "partner": partner.pk,
            "category": category,
            "spend_type": spend_type,
            "cost_centre": cost_centre(partner).pk,
            "account_code": "NEW-4510",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        data = self.create_data(cast, partner)
        return {**data, "partner": partner.code, "cost_centre": cost_centre(partner).code}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "category": obj.category,
            "spend_type": obj.spend_type,
            "cost_centre": obj.cost_centre_id,
            "account_code": "RENAMED-1",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = self.update_data(cast, obj)
        return {**data, "partner": obj.partner.code, "cost_centre": obj.cost_centre.code}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        centre = cost_centre(partner)
        return [
            {
                "partner": partner.code,
                "category": category,
                "spend_type": "capital",
                "cost_centre": centre.code,
                "account_code": f"IMP-{n}",
            }
            for n, category in enumerate(("staff", "hardware"))
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "category": "licence"}
        return {**row, "cost_centre": "NO-SUCH"}, "cost_centre"


# Budgets ---------------------------------------------------------------------------------------


class TestBudget(ModelFamily):
    """A council's budgets; each figure is kept as a revision."""

    model = Budget
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "amount"
    identity_field = "cost_centre"
    list_queries = 6
    api_list_queries = 5

    def make(self, cast: Cast, partner: Any) -> Budget:
        n = self.seq()
        return Budget.objects.create(
            partner=partner,
            year=financial_year(2026),
            cost_centre=cost_centre(partner, f"QB-{n:03d}", f"Quillon budget centre {n:03d}"),
            spend_type=SpendType.REVENUE,
            amount=Decimal("250000.00"),
        )

    def search_term(self, obj: Any) -> str:
        return str(obj.cost_centre.name)

    def find(self, data: dict[str, Any]) -> Any:
        # A budget is named by its cost centre, given by id (pages) or code (API, imports).
        key = str(data["cost_centre"])
        with system_scope("test"):
            found = Budget.objects.filter(cost_centre__code=key)
            if key.isdigit():
                found = Budget.objects.filter(cost_centre_id=int(key))
            return found.first()

    def history_text(self, data: dict[str, Any]) -> str:
        return "123456"

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "year": financial_year(2026).pk,
            "cost_centre": cost_centre(partner, "NEW-B", "Xerxes budget centre").pk,
            "spend_type": "revenue",
            "amount": "90000.00",
            "reason": "Original budget",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.create_data(cast, partner),
            "partner": partner.code,
            "year": financial_year(2026).name,
            "cost_centre": "NEW-B",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "year": obj.year_id,
            "cost_centre": obj.cost_centre_id,
            "spend_type": obj.spend_type,
            "amount": "123456.00",
            "reason": "Growth agreed at Cabinet",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.update_data(cast, obj),
            "partner": obj.partner.code,
            "year": obj.year.name,
            "cost_centre": obj.cost_centre.code,
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        year = financial_year(2026)
        return [
            {
                "partner": partner.code,
                "year": year.name,
                "cost_centre": cost_centre(partner, f"IMP-{n}", f"Imported centre {n}").code,
                "spend_type": "revenue",
                "amount": "1000.00",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {**self.import_rows(cast, partner)[0], "amount": "-5"}, "amount"


class TestBudgetRevision(ModelFamily):
    """Part of its budget: seen and changed as the budget is."""

    model = BudgetRevision
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "reason"
    identity_field = "reason"
    movable = False
    # Kept for good, gone only with its budget (BudgetRevision.deletion_refused).
    deletable = False
    list_queries = 6
    api_list_queries = 3

    def budget_of(self, partner: Any) -> Budget:
        centre = cost_centre(partner, "QR-1", "Quillon revised centre")
        with system_scope("test data"):
            return Budget.objects.get_or_create(
                partner=partner,
                year=financial_year(2026),
                cost_centre=centre,
                spend_type=SpendType.REVENUE,
                defaults={"amount": Decimal("1000")},
            )[0]

    def make(self, cast: Cast, partner: Any) -> BudgetRevision:
        n = self.seq()
        return BudgetRevision.objects.create(
            budget=self.budget_of(partner),
            amount=Decimal("1000"),
            reason=f"Quillon revision {n:03d}",
            revised_on=datetime.date(2026, 4, 1),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "budget": self.budget_of(partner).pk,
            "amount": "2500.00",
            "reason": "Xerxes growth",
            "revised_on": "2026-06-01",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "budget": obj.budget_id,
            "amount": str(obj.amount),
            "reason": "Renamed revision",
            "revised_on": obj.revised_on.isoformat(),
        }


def test_a_revision_changes_the_budget(cast: Cast, client_for: Any) -> None:
    """Adding a revision (page) sets the budget's figure; the original is kept."""
    from finance.tests.factories import budget

    made = budget(cast.wcc, "100000")
    response = client_for(cast.wcc_lead).post(
        "/budget-revisions/new/",
        {"budget": made.pk, "amount": "120000", "reason": "Growth", "revised_on": "2026-07-01"},
    )
    assert response.status_code == 302
    with system_scope("test"):
        made.refresh_from_db()
        figures = list(
            BudgetRevision.objects.filter(budget=made)
            .order_by("revised_on")
            .values_list("amount", flat=True)
        )
    assert made.amount == Decimal("120000")
    assert figures == [Decimal("100000"), Decimal("120000")]


# Cost lines ----------------------------------------------------------------------------------


class TestCostLine(ModelFamily):
    """A cost one council bears is that council's; rbkc never sees wcc's."""

    model = CostLine
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "description"
    identity_field = "description"
    list_queries = 6
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> CostLine:
        n = self.seq()
        line = CostLine.objects.create(
            description=f"Quillon cost {n:03d}",
            reference=f"INV-Q{n:03d}",
            amount=Decimal("1200.00"),
            incurred_on=datetime.date(2026, 5, 1),
            category=CostCategory.HARDWARE,
        )
        set_audience(line, [partner])
        return line

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "INV-NEW",
            "description": "Xerxes laptops",
            "amount": "4500.00",
            "incurred_on": "2026-06-01",
            "period_start": "",
            "period_end": "",
            "category": "hardware",
            "spend_type": "capital",
            "supplier": "",
            "cost_centre": cost_centre(partner).pk,
            "rule": "",
            "councils": [partner.pk],
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "INV-NEW",
            "description": "Xerxes laptops",
            "amount": "4500.00",
            "incurred_on": "2026-06-01",
            "category": "hardware",
            "spend_type": "capital",
            "cost_centre": cost_centre(partner).code,
            "councils": [partner.code],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "description": "Renamed cost",
            "amount": str(obj.amount),
            "incurred_on": obj.incurred_on.isoformat(),
            "period_start": "",
            "period_end": "",
            "category": obj.category,
            "spend_type": obj.spend_type,
            "supplier": "",
            "cost_centre": "",
            "rule": "",
            "councils": [p.pk for p in obj.audience() if not p.is_former],
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "description": "Renamed cost",
            "amount": str(obj.amount),
            "incurred_on": obj.incurred_on.isoformat(),
            "category": obj.category,
            "spend_type": obj.spend_type,
            "is_shared": False,
            "councils": [p.code for p in obj.audience() if not p.is_former],
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        # The generic import, with the councils column (core.importing.audience) and the
        # cost centre looked up within the row's council.
        centre = cost_centre(partner)
        return [
            {
                "reference": f"INV-IMP-{n}",
                "description": f"Imported laptops {n}",
                "amount": "450.00",
                "incurred_on": "2026-06-01",
                "category": "hardware",
                "is_shared": "no",
                "councils": partner.code,
                "cost_centre": centre.code,
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {**self.import_rows(cast, partner)[0], "amount": "lots"}, "amount"


# Apportionment rules: catalogue, with drivers -------------------------------------------------


class TestApportionmentRule(ModelFamily):
    """Read by every signed-in person; kept by the shared service."""

    model = ApportionmentRule
    permitted = "manager"
    denied = ("wcc_lead", "wcc_staff")
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> ApportionmentRule:
        n = self.seq()
        return ApportionmentRule.objects.create(
            name=f"Quillon rule {n:03d}",
            method=ApportionmentMethod.FIXED,
            valid_from=datetime.date(2025, 4, 1),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "Xerxes split",
            "method": "driver",
            "category": "",
            "valid_from": "2026-04-01",
            "valid_to": "",
            "description": "",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "valid_to": None}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "name": "Renamed rule",
            "method": obj.method,
            "category": obj.category,
            "valid_from": obj.valid_from.isoformat(),
            "valid_to": "",
            "description": obj.description,
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "valid_to": None}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": f"Imported rule {n}",
                "method": "fixed",
                "category": "",
                "valid_from": "2026-04-01",
                "valid_to": "",
                "description": "",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {**self.import_rows(cast, partner)[0], "method": "guesswork"}, "method"


class TestRuleComponent(ModelFamily):
    """A rule's drivers: read and changed as the rule is."""

    model = RuleComponent
    permitted = "manager"
    denied = ("wcc_lead", "wcc_staff")
    outsider = None
    edited_field = "weight"
    identity_field = "rule"
    movable = False
    list_queries = 5
    api_list_queries = 3

    def mix(self, n: int) -> ApportionmentRule:
        return ApportionmentRule.objects.unscoped("test data").get_or_create(
            name=f"Quillon mix {n:03d}",
            defaults={"method": ApportionmentMethod.MIX, "valid_from": datetime.date(2025, 4, 1)},
        )[0]

    def make(self, cast: Cast, partner: Any) -> RuleComponent:
        n = self.seq()
        return RuleComponent.objects.create(rule=self.mix(n), driver=Driver.TICKETS, weight=60)

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        with system_scope("test data"):
            rule = self.mix(900)
        return {"rule": rule.pk, "driver": "devices", "weight": "40"}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        with system_scope("test data"):
            rule = self.mix(900)
        return {"rule": rule.name, "driver": "devices", "weight": "40.00"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"rule": obj.rule_id, "driver": obj.driver, "weight": "55.00"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"rule": obj.rule.name, "driver": obj.driver, "weight": "55.00"}

    def history_text(self, data: dict[str, Any]) -> str:
        return "55"

    def search_term(self, obj: Any) -> str:
        return str(obj.rule.name)

    def find(self, data: dict[str, Any]) -> Any:
        key = str(data["rule"])
        with system_scope("test"):
            if key.isdigit():
                return RuleComponent.objects.filter(rule_id=int(key)).first()
            return RuleComponent.objects.filter(rule__name=key).first()


class TestRuleShare(ModelFamily):
    """A council's share under a fixed rule: its own; no council sees another's."""

    model = RuleShare
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "percent"
    identity_field = "percent"
    list_queries = 5
    api_list_queries = 4

    def fixed(self, n: int) -> ApportionmentRule:
        with system_scope("test data"):
            return ApportionmentRule.objects.get_or_create(
                name=f"Quillon fixed {n:03d}",
                defaults={
                    "method": ApportionmentMethod.FIXED,
                    "valid_from": datetime.date(2025, 4, 1),
                },
            )[0]

    def make(self, cast: Cast, partner: Any) -> RuleShare:
        n = self.seq()
        # The share is the record's identity, looked for in what the outsider is shown: 76 and
        # up, so that it can never be a time's seconds ("20:58:37.012999" holds "37.01").
        return RuleShare.objects.create(
            rule=self.fixed(n), partner=partner, percent=Decimal(f"76.{n:02d}")
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"partner": partner.pk, "rule": self.fixed(900).pk, "percent": "41.50"}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"partner": partner.code, "rule": self.fixed(900).name, "percent": "41.50"}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"partner": obj.partner_id, "rule": obj.rule_id, "percent": "63.25"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"partner": obj.partner.code, "rule": obj.rule.name, "percent": "63.25"}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {"partner": partner.code, "rule": self.fixed(800 + n).name, "percent": "50"}
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {**self.import_rows(cast, partner)[0], "percent": "150"}, "percent"


# Driver figures --------------------------------------------------------------------------------


class TestDriverFigure(ModelFamily):
    """A council's figures: its own; entered ones typed by its people or the service."""

    model = DriverFigure
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "note"
    identity_field = "note"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> DriverFigure:
        n = self.seq()
        start = datetime.date(2000, 1, 1) + datetime.timedelta(days=31 * n)
        return DriverFigure.objects.create(
            partner=partner,
            driver=Driver.HEADCOUNT,
            period_start=start,
            period_end=start + datetime.timedelta(days=27),
            value=Decimal("2150"),
            note=f"Quillon establishment {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "driver": "headcount",
            "period_start": "2026-04-01",
            "period_end": "2026-04-30",
            "value": "1980",
            "note": "Xerxes report",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "partner": partner.code}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "driver": obj.driver,
            "period_start": obj.period_start.isoformat(),
            "period_end": obj.period_end.isoformat(),
            "value": str(obj.value),
            "note": "Renamed note",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "partner": obj.partner.code}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "driver": "headcount",
                "period_start": f"2030-0{n}-01",
                "period_end": f"2030-0{n}-28",
                "value": "100",
                "note": f"Imported figure {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "period_start": "2031-01-01"}
        return {**row, "period_end": "2030-12-01"}, "period_end"
