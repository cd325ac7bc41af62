"""The generic test families (core.testing.families) for the contracts app's models.

Each class declares who may do what and how to make sample records; the families generate the
page and API tests. Rules have their own modules (test_dates, test_suppliers...).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from contracts.models import (
    BreakClause,
    Contract,
    ContractExtension,
    ContractSettings,
    ExitMilestone,
    ExitPlan,
    Kpi,
    KpiMeasure,
    ServiceCredit,
    Supplier,
    SupplierContact,
)
from contracts.tests.factories import contract, supplier
from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import ModelFamily

pytestmark = pytest.mark.django_db

CATALOGUE_DENIED = ("wcc_lead", "rbkc_lead", "wcc_staff")


def shares_api(obj: Any) -> list[dict[str, str]]:
    return [
        {"partner": s.partner.code, "percentage": str(s.percentage)} for s in obj.owner_shares()
    ]


class TestSupplier(ModelFamily):
    """A catalogue: every signed-in person reads it, shared-service staff keep it."""

    model = Supplier
    permitted = "manager"
    denied = CATALOGUE_DENIED
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> Supplier:
        return Supplier.objects.create(name=f"Quillon Networks {self.seq():03d}", is_sme=True)

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "name": "Zephyr Digital",
            "companies_house_number": "01234567",
            "charity_number": "",
            "is_sme": "on",
            "address": "1 High Street",
            "postcode": "SW1A 1AA",
            "email": "bids@zephyr.example",
            "phone": "",
            "website": "",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "is_sme": True, "is_vcse": False}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"name": "Renamed supplier", "postcode": obj.postcode}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"name": "Renamed supplier", "postcode": obj.postcode}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": f"Imported supplier {n}",
                "companies_house_number": f"0765432{n}",
                "charity_number": "",
                "is_sme": "true",
                "is_vcse": "false",
                "address": "",
                "postcode": "",
                "email": "",
                "phone": "",
                "website": "",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "name": "Bad supplier"}
        return {**row, "companies_house_number": "not one"}, "companies_house_number"


class TestSupplierContact(ModelFamily):
    """Part of the catalogue: read by everyone signed in, kept by service staff."""

    model = SupplierContact
    permitted = "manager"
    denied = CATALOGUE_DENIED
    outsider = None
    list_queries = 5
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> SupplierContact:
        return SupplierContact.objects.create(
            supplier=supplier(), name=f"Quillon person {self.seq():03d}", role="Account manager"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "supplier": supplier().pk,
            "name": "Xerxes Smith",
            "role": "Bid manager",
            "email": "",
            "phone": "",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "supplier": supplier().name}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"supplier": obj.supplier_id, "name": "Renamed person", "role": obj.role}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"supplier": obj.supplier.name, "name": "Renamed person", "role": obj.role}

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "supplier": supplier().name,
                "name": f"Imported person {n}",
                "role": "",
                "email": "",
                "phone": "",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "name": "Bad person"}
        return {**row, "email": "not an address"}, "email"


class TestContract(ModelFamily):
    """A council's lead and the shared service manage contracts; auditors only read them;
    another council's contract is a 404."""

    model = Contract
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "title"
    identity_field = "reference"
    list_queries = 4
    api_list_queries = 6

    def make(self, cast: Cast, partner: Any) -> Contract:
        n = self.seq()
        return contract(f"QC-{n:04d}", {partner: 100}, title=f"Quillon contract {n:03d}")

    def sample(self, cast: Cast) -> Contract:
        # Co-owned with a former partner, whose name must not reach rbkc either.
        made = self.make(cast, cast.wcc)
        with system_scope("test data"):
            set_owner_shares(made, {cast.wcc: Decimal("60"), cast.lbhf: Decimal("40")})
        return made

    def form(self, partner: Any = None) -> dict[str, Any]:
        data = {
            "reference": "QC-NEW",
            "title": "Xerxes wide area network",
            "description": "",
            "supplier": supplier().pk,
            "department": "Digital",
            "owner": "",
            "total_value": "1200000.00",
            "annual_value": "400000.00",
            "irrecoverable_vat": "",
            "start_date": "2025-04-01",
            "initial_term_months": "36",
            "notice_months": "3",
            "renewal": "tacit",
            "renewal_period_months": "12",
            "review_date": "",
            "procurement_route": "tender",
            "cpv_codes": "72253000-3",
            "status": "active",
            "notice_given_on": "",
            "terminated_on": "",
        }
        if partner is not None:
            data[f"share_{partner.pk}"] = "100"
        return data

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return self.form(partner)

    def api_body(self) -> dict[str, Any]:
        return {
            **self.form(),
            "supplier": supplier().name,
            "owner": None,
            "irrecoverable_vat": None,
            "review_date": None,
            "initial_term_months": 36,
            "notice_months": 3,
            "renewal_period_months": 12,
            "cpv_codes": ["72253000-3"],
            "notice_given_on": None,
            "terminated_on": None,
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.api_body(), "owner_shares": [{"partner": partner.code, "percentage": "100"}]}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {
            **self.form(),
            "reference": obj.reference,
            "title": "Renamed contract",
            "supplier": obj.supplier_id,
            "start_date": obj.start_date.isoformat(),
            "initial_term_months": str(obj.initial_term_months),
            "renewal": "none",
            "renewal_period_months": "",
            "notice_months": "0",
        }
        for share in obj.owner_shares():
            data[f"share_{share.partner_id}"] = str(share.percentage)
        return data

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.api_body(),
            "reference": obj.reference,
            "title": "Renamed contract",
            "supplier": obj.supplier.name,
            "start_date": obj.start_date.isoformat(),
            "initial_term_months": obj.initial_term_months,
            "renewal": "none",
            "renewal_period_months": None,
            "notice_months": 0,
            "owner_shares": shares_api(obj),
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "owner_shares": partner.code,
                "reference": f"IMP-{n:03d}",
                "title": f"Imported contract {n}",
                "description": "",
                "supplier": supplier().name,
                "department": "",
                "total_value": "1000.00",
                "annual_value": "",
                "irrecoverable_vat": "",
                "start_date": "2025-01-01",
                "initial_term_months": "12",
                "notice_months": "1",
                "renewal": "none",
                "renewal_period_months": "",
                "review_date": "",
                "procurement_route": "quotation",
                "status": "active",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "reference": "BAD-1"}
        return {**row, "start_date": "someday"}, "start_date"


class PartOfContract(ModelFamily):
    """Shared by the parts of a contract: seen and changed as their contract is."""

    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"

    def parent(self, partner: Any) -> Contract:
        found = Contract.objects.unscoped("test data").filter(reference=f"PC-{partner.code}")
        return found.first() or contract(f"PC-{partner.code}", {partner: 100})


class TestContractExtension(PartOfContract):
    model = ContractExtension
    edited_field = "note"
    identity_field = "note"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> ContractExtension:
        n = self.seq()
        return ContractExtension.objects.create(
            contract=self.parent(partner), sequence=n, months=12, note=f"Quillon option {n:03d}"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        parent = self.given(self.parent, partner)
        return {
            "contract": parent.pk,
            "sequence": "19",
            "months": "12",
            "exercised_on": "",
            "note": "Xerxes option",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        parent = self.given(self.parent, partner)
        return {
            "contract": parent.reference,
            "sequence": 19,
            "months": 12,
            "exercised": False,
            "exercised_on": None,
            "note": "Xerxes option",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "contract": obj.contract_id,
            "sequence": str(obj.sequence),
            "months": str(obj.months),
            "exercised_on": "",
            "note": "Renamed option",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "contract": obj.contract.reference,
            "sequence": obj.sequence,
            "months": obj.months,
            "exercised": False,
            "exercised_on": None,
            "note": "Renamed option",
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        parent = self.given(self.parent, partner)
        return [
            {
                "contract": parent.reference,
                "sequence": str(10 + n),
                "months": "6",
                "exercised": "false",
                "exercised_on": "",
                "note": f"Imported option {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "sequence": "15", "note": "Bad option"}
        return {**row, "months": "0"}, "months"


class TestBreakClause(PartOfContract):
    model = BreakClause
    edited_field = "note"
    identity_field = "note"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> BreakClause:
        return BreakClause.objects.create(
            contract=self.parent(partner),
            break_date=datetime.date(2026, 3, 31),
            notice_months=6,
            note=f"Quillon break {self.seq():03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        parent = self.given(self.parent, partner)
        return {
            "contract": parent.pk,
            "break_date": "2025-09-30",
            "notice_months": "3",
            "note": "Xerxes break",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.create_data(cast, partner),
            "contract": self.given(self.parent, partner).reference,
            "notice_months": 3,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "contract": obj.contract_id,
            "break_date": obj.break_date.isoformat(),
            "notice_months": str(obj.notice_months),
            "note": "Renamed break",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.update_data(cast, obj),
            "contract": obj.contract.reference,
            "notice_months": obj.notice_months,
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        parent = self.given(self.parent, partner)
        return [
            {
                "contract": parent.reference,
                "break_date": f"2025-0{n}-28",
                "notice_months": "3",
                "note": f"Imported break {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "note": "Bad break"}
        return {**row, "break_date": "never"}, "break_date"


class TestContractSettings(ModelFamily):
    """A council's lead sets its OCID prefix and reminder days."""

    model = ContractSettings
    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    edited_field = "reminder_days"
    identity_field = "ocid_prefix"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> ContractSettings:
        return ContractSettings.objects.create(
            partner=partner, ocid_prefix=f"ocds-b5fd17-q{self.seq():03d}", reminder_days="120,60"
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {"partner": partner.pk, "ocid_prefix": "ocds-b5fd17-new", "reminder_days": "90"}

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "partner": partner.code}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"partner": obj.partner_id, "ocid_prefix": obj.ocid_prefix, "reminder_days": "45"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "partner": obj.partner.code}


class TestExitPlan(PartOfContract):
    model = ExitPlan
    edited_field = "successor"
    identity_field = "successor"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> ExitPlan:
        n = self.seq()
        return ExitPlan.objects.create(
            contract=contract(f"EP-{partner.code}-{n:03d}", {partner: 100}),
            successor=f"Quillon successor {n:03d}",
        )

    def fresh_contract(self, partner: Any) -> Contract:
        return self.given(contract, f"EP-NEW-{partner.code}-{self.seq()}", {partner: 100})

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "contract": self.fresh_contract(partner).pk,
            "summary": "",
            "successor": "Xerxes in-house",
            "owner": "",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "contract": self.fresh_contract(partner).reference,
            "summary": "",
            "successor": "Xerxes in-house",
            "owner": None,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"contract": obj.contract_id, "summary": "", "successor": "Renamed", "owner": ""}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "contract": obj.contract.reference,
            "summary": "",
            "successor": "Renamed",
            "owner": None,
        }


class TestExitMilestone(PartOfContract):
    model = ExitMilestone
    edited_field = "title"
    identity_field = "title"
    list_queries = 5
    api_list_queries = 3

    def plan(self, partner: Any) -> ExitPlan:
        found = ExitPlan.objects.unscoped("test data").filter(contract=self.parent(partner))
        return found.first() or ExitPlan.objects.create(contract=self.parent(partner))

    def make(self, cast: Cast, partner: Any) -> ExitMilestone:
        return ExitMilestone.objects.create(
            plan=self.plan(partner),
            kind="data_return",
            title=f"Quillon data back {self.seq():03d}",
            due_date=datetime.date(2027, 1, 31),
            rag="amber",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "plan": self.given(self.plan, partner).pk,
            "kind": "asset_transfer",
            "title": "Xerxes assets moved",
            "owner": "",
            "due_date": "2027-02-28",
            "rag": "green",
            "done_on": "",
            "notes": "",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.create_data(cast, partner), "owner": None, "done_on": None}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "plan": obj.plan_id,
            "kind": obj.kind,
            "title": "Renamed milestone",
            "owner": "",
            "due_date": obj.due_date.isoformat(),
            "rag": obj.rag,
            "done_on": "",
            "notes": "",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "owner": None, "done_on": None}


class TestKpi(PartOfContract):
    model = Kpi
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> Kpi:
        return Kpi.objects.create(
            contract=self.parent(partner),
            name=f"Quillon uptime {self.seq():03d}",
            unit="%",
            target=Decimal("99.50"),
            amber_margin=Decimal("0.50"),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "contract": self.given(self.parent, partner).pk,
            "name": "Xerxes first-time fix",
            "unit": "%",
            "target": "90.00",
            "higher_is_better": "on",
            "amber_margin": "5.00",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.create_data(cast, partner),
            "contract": self.given(self.parent, partner).reference,
            "higher_is_better": True,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "contract": obj.contract_id,
            "name": "Renamed KPI",
            "unit": obj.unit,
            "target": str(obj.target),
            "higher_is_better": "on",
            "amber_margin": str(obj.amber_margin),
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.update_data(cast, obj),
            "contract": obj.contract.reference,
            "higher_is_better": True,
        }


class TestKpiMeasure(PartOfContract):
    model = KpiMeasure
    edited_field = "note"
    identity_field = "note"
    list_queries = 4
    api_list_queries = 3

    def kpi(self, partner: Any) -> Kpi:
        found = Kpi.objects.unscoped("test data").filter(contract=self.parent(partner))
        return found.first() or Kpi.objects.create(
            contract=self.parent(partner), name="Uptime", target=Decimal("99")
        )

    def make(self, cast: Cast, partner: Any) -> KpiMeasure:
        n = self.seq()
        return KpiMeasure.objects.create(
            kpi=self.kpi(partner),
            month=datetime.date(2020 + n // 12, n % 12 + 1, 1),
            value=Decimal("98.5"),
            note=f"Quillon month {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "kpi": self.given(self.kpi, partner).pk,
            "month": "2030-06-15",
            "value": "99.20",
            "note": "Xerxes June",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return self.create_data(cast, partner)

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "kpi": obj.kpi_id,
            "month": obj.month.isoformat(),
            "value": str(obj.value),
            "note": "Renamed measure",
        }


class TestServiceCredit(PartOfContract):
    model = ServiceCredit
    edited_field = "reason"
    identity_field = "reason"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> ServiceCredit:
        return ServiceCredit.objects.create(
            contract=self.parent(partner),
            month=datetime.date(2025, 5, 1),
            amount=Decimal("1500.00"),
            reason=f"Quillon outage {self.seq():03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "contract": self.given(self.parent, partner).pk,
            "kpi": "",
            "month": "2025-06-01",
            "amount": "250.00",
            "reason": "Xerxes missed fix times",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.create_data(cast, partner),
            "contract": self.given(self.parent, partner).reference,
            "kpi": None,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "contract": obj.contract_id,
            "kpi": "",
            "month": obj.month.isoformat(),
            "amount": str(obj.amount),
            "reason": "Renamed credit",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {**self.update_data(cast, obj), "contract": obj.contract.reference, "kpi": None}
