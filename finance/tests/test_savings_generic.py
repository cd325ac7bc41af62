"""The generic test families (core.testing.families) for business cases and savings: a case
is for chosen councils (an audience) and its targets are parts of it; implementation costs,
splits and realised savings are one council's each."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.testing.cast import Cast
from core.testing.families import ModelFamily
from finance.models.savings import (
    BusinessCase,
    ImplementationCost,
    RealisedSaving,
    SavingsSplit,
    SavingsTarget,
)
from finance.tests.savings_factories import case_of, year

pytestmark = pytest.mark.django_db


class TestBusinessCase(ModelFamily):
    """For the councils it is for: another council's is a 404."""

    model = BusinessCase
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "reference"
    edited_field = "name"
    list_queries = 4
    api_list_queries = 5

    def make(self, cast: Cast, partner: Any) -> BusinessCase:
        n = self.seq()
        return case_of(partner, reference=f"QBC-{n:03d}")

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "QBC-NEW",
            "name": "Yeoman shared desk",
            "description": "",
            "approved_on": "2026-03-01",
            "baseline_cost": "500000",
            "categories": "staff,contract",
            "first_year": year().pk,
            "status": "draft",
            "councils": [partner.pk],
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "name": "Renamed case",
            "description": obj.description,
            "approved_on": "",
            "baseline_cost": str(obj.baseline_cost),
            "categories": obj.categories,
            "first_year": obj.first_year_id,
            "status": obj.status,
            "councils": [p.pk for p in obj.audience() if not p.is_former],
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "reference": "QBC-NEW",
            "name": "Yeoman shared desk",
            "baseline_cost": "500000.00",
            "categories": "staff,contract",
            "first_year": year().name,
            "status": "draft",
            "councils": [partner.code],
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "name": "Renamed case",
            "description": obj.description,
            "baseline_cost": str(obj.baseline_cost),
            "categories": obj.categories,
            "first_year": obj.first_year.name,
            "status": obj.status,
            "councils": [p.code for p in obj.audience() if not p.is_former],
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        # The generic import's councils column (core.importing.audience).
        return [
            {
                "reference": f"QBC-IMP-{n}",
                "name": f"Imported case {n}",
                "baseline_cost": "250000",
                "categories": "staff,licence",
                "first_year": year().name,
                "status": "draft",
                "councils": partner.code,
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        return {**self.import_rows(cast, partner)[0], "councils": "nowhere"}, "councils"


class TestSavingsTarget(ModelFamily):
    """A part of its business case: seen and changed as the case is."""

    model = SavingsTarget
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "note"
    edited_field = "note"
    movable = False
    list_queries = 5
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> SavingsTarget:
        n = self.seq()
        return SavingsTarget.objects.create(
            business_case=case_of(partner),
            year=year(2030 + n),
            cashable=Decimal(1000 + n),
            note=f"Quillon section {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "business_case": case_of(partner).pk,
            "year": year(2026).pk,
            "cashable": "250000",
            "non_cashable": "10000",
            "note": "Section 4",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "business_case": case_of(partner).reference,
            "year": year(2026).name,
            "cashable": "250000.00",
            "non_cashable": "10000.00",
            "note": "Section 4",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "business_case": obj.business_case_id,
            "year": obj.year_id,
            "cashable": str(obj.cashable),
            "non_cashable": str(obj.non_cashable),
            "note": "Renamed section",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "business_case": obj.business_case.reference,
            "year": obj.year.name,
            "cashable": str(obj.cashable),
            "non_cashable": str(obj.non_cashable),
            "note": "Renamed section",
        }


class TestImplementationCost(ModelFamily):
    """A council's one-off cost: another council's is a 404."""

    model = ImplementationCost
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "description"
    edited_field = "description"
    movable = False
    list_queries = 5
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> ImplementationCost:
        n = self.seq()
        return ImplementationCost.objects.create(
            partner=partner,
            business_case=case_of(partner),
            amount=Decimal("35000"),
            description=f"Quillon change team {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "business_case": case_of(partner).pk,
            "amount": "35000",
            "description": "Data migration",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.code,
            "business_case": case_of(partner).reference,
            "amount": "35000.00",
            "description": "Data migration",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "business_case": obj.business_case_id,
            "amount": str(obj.amount),
            "description": "Renamed cost",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner.code,
            "business_case": obj.business_case.reference,
            "amount": str(obj.amount),
            "description": "Renamed cost",
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "business_case": case_of(partner).reference,
                "amount": f"{n}000.00",
                "description": f"Imported cost {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "description": "Bad cost"}
        return {**row, "amount": "-5"}, "amount"


class TestSavingsSplit(ModelFamily):
    """A council's share of a case's savings: another council's is a 404."""

    model = SavingsSplit
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "note"
    edited_field = "note"
    movable = False
    list_queries = 5
    api_list_queries = 4

    def make(self, cast: Cast, partner: Any) -> SavingsSplit:
        n = self.seq()
        return SavingsSplit.objects.create(
            partner=partner,
            business_case=case_of(partner, reference=f"QSPLIT-{partner.code}-{n:03d}"),
            percent=Decimal("40"),
            note=f"Quillon committee {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "business_case": case_of(partner).pk,
            "percent": "50",
            "note": "Joint committee",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.code,
            "business_case": case_of(partner).reference,
            "percent": "50.000",
            "note": "Joint committee",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "business_case": obj.business_case_id,
            "percent": "45",
            "note": "Renamed agreement",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner.code,
            "business_case": obj.business_case.reference,
            "percent": "45.000",
            "note": "Renamed agreement",
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "business_case": case_of(partner, reference=f"QIMP-{n}").reference,
                "percent": "30",
                "note": f"Imported agreement {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = self.import_rows(cast, partner)[0]
        return {**row, "percent": "130"}, "percent"


class TestRealisedSaving(ModelFamily):
    """A council's saving in a year: another council's is a 404."""

    model = RealisedSaving
    permitted = "wcc_lead"
    denied = ("wcc_auditor", "agent")
    outsider = "rbkc_lead"
    identity_field = "evidence"
    edited_field = "evidence"
    movable = False
    list_queries = 6
    api_list_queries = 5

    def make(self, cast: Cast, partner: Any) -> RealisedSaving:
        n = self.seq()
        return RealisedSaving.objects.create(
            partner=partner,
            business_case=case_of(partner),
            year=year(2030 + n),
            basis="entered",
            cashable=Decimal("12000"),
            evidence=f"Quillon desk hours {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.pk,
            "business_case": case_of(partner).pk,
            "year": year(2026).pk,
            "basis": "entered",
            "cashable": "12000",
            "non_cashable": "3000",
            "evidence": "Desk hours saved",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": partner.code,
            "business_case": case_of(partner).reference,
            "year": year(2026).name,
            "basis": "entered",
            "cashable": "12000.00",
            "non_cashable": "3000.00",
            "evidence": "Desk hours saved",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id,
            "business_case": obj.business_case_id,
            "year": obj.year_id,
            "basis": obj.basis,
            "cashable": str(obj.cashable),
            "non_cashable": str(obj.non_cashable),
            "evidence": "Renamed evidence",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner.code,
            "business_case": obj.business_case.reference,
            "year": obj.year.name,
            "basis": obj.basis,
            "cashable": str(obj.cashable),
            "non_cashable": str(obj.non_cashable),
            "evidence": "Renamed evidence",
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "partner": partner.code,
                "business_case": case_of(partner).reference,
                "year": year(2040 + n).name,
                "basis": "entered",
                "cashable": "1000.00",
                "non_cashable": "0",
                "evidence": f"Imported measure {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "evidence": "Bad measure"}
        row["year"] = year(2049).name
        return {**row, "non_cashable": "-1"}, "non_cashable"
