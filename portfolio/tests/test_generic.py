"""The generic test families (core.testing.families) for the portfolio app's models.

Each class declares who may do what and how to make sample records; the families generate the
page and API tests. A council's lead and the shared service's manager keep the portfolio; the
auditor reads it; another council's lead gets a 404. Rules have their own modules.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from contracts.tests.factories import contract
from core.services import set_owner_shares
from core.tenancy.records import SharedOwnershipModel
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import ModelFamily
from portfolio.models import (
    Milestone,
    Programme,
    Project,
    ProjectDependency,
    ProjectIssue,
    ProjectLink,
    ProjectReport,
    Risk,
)
from portfolio.tests.factories import programme, project

pytestmark = pytest.mark.django_db


def shares_api(obj: Any) -> list[dict[str, str]]:
    return [
        {"partner": s.partner.code, "percentage": str(s.percentage)} for s in obj.owner_shares()
    ]


class PlannedFamily(ModelFamily):
    """Shared by programmes and projects: co-owned records with a reference."""

    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"
    identity_field = "reference"
    prefix = "PX"

    def extra_form(self) -> dict[str, Any]:
        return {}

    def extra_api(self) -> dict[str, Any]:
        return {}

    def form(self, partner: Any = None) -> dict[str, Any]:
        data = {
            "reference": f"{self.prefix}-NEW",
            "name": "Xerxes network refresh",
            "description": "",
            "stage": "approved",
            "sponsor": "",
            "manager": "",
            "start_date": "2026-04-01",
            "end_date": "2027-03-31",
            **self.extra_form(),
        }
        if partner is not None:
            data[f"share_{partner.pk}"] = "100"
        return data

    def api_body(self) -> dict[str, Any]:
        return {**self.form(), "sponsor": None, "manager": None, **self.extra_api()}

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return self.form(partner)

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {**self.api_body(), "owner_shares": [{"partner": partner.code, "percentage": "100"}]}

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = {**self.form(), "reference": obj.reference, "name": "Renamed work"}
        for share in obj.owner_shares():
            data[f"share_{share.partner_id}"] = str(share.percentage)
        return data

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.api_body(),
            "reference": obj.reference,
            "name": "Renamed work",
            "owner_shares": shares_api(obj),
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        return [
            {
                "owner_shares": partner.code,
                "reference": f"{self.prefix}-IMP-{n:03d}",
                "name": f"Imported work {n}",
                "description": "",
                "stage": "idea",
                "start_date": "2026-01-01",
                "end_date": "",
                **self.extra_import(),
            }
            for n in (1, 2)
        ]

    def extra_import(self) -> dict[str, Any]:
        return {}

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "reference": f"{self.prefix}-BAD-1"}
        return {**row, "start_date": "someday"}, "start_date"

    def sample(self, cast: Cast) -> Any:
        # Co-owned with a former partner, whose name must not reach rbkc either.
        made = self.make(cast, cast.wcc)
        assert isinstance(made, SharedOwnershipModel)
        with system_scope("test data"):
            set_owner_shares(made, {cast.wcc: Decimal("60"), cast.lbhf: Decimal("40")})
        return made


class TestProgramme(PlannedFamily):
    model = Programme
    prefix = "QPG"
    list_queries = 3
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> Programme:
        n = self.seq()
        return programme(f"QPG-{n:04d}", {partner: 100}, name=f"Quillon programme {n:03d}")


class TestProject(PlannedFamily):
    model = Project
    prefix = "QPJ"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> Project:
        n = self.seq()
        return project(f"QPJ-{n:04d}", {partner: 100}, name=f"Quillon project {n:03d}")

    def extra_form(self) -> dict[str, Any]:
        return {"programme": "", "budget": "250000.00"}

    def extra_api(self) -> dict[str, Any]:
        return {"programme": None, "budget": "250000.00"}

    def extra_import(self) -> dict[str, Any]:
        return {"programme": "", "budget": "1000.00"}


class PartOfProject(ModelFamily):
    """Shared by the parts of a project: seen and changed as their project is."""

    permitted = "wcc_lead"
    denied = ("wcc_auditor",)
    outsider = "rbkc_lead"

    def parent(self, partner: Any) -> Project:
        return project(f"PP-{partner.code}", {partner: 100})


class TestMilestone(PartOfProject):
    model = Milestone
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> Milestone:
        return Milestone.objects.create(
            project=self.parent(partner),
            name=f"Quillon racks moved {self.seq():03d}",
            due_date=datetime.date(2026, 9, 30),
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "project": self.given(self.parent, partner).pk,
            "name": "Xerxes go-live",
            "due_date": "2026-11-30",
            "done_on": "",
            "council_visible": "on",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        parent = self.given(self.parent, partner)
        return {
            "project": parent.reference,
            "name": "Xerxes go-live",
            "due_date": "2026-11-30",
            "done_on": None,
            "council_visible": True,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "project": obj.project_id,
            "name": "Renamed milestone",
            "due_date": obj.due_date.isoformat(),
            "done_on": "",
            "council_visible": "on",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "project": obj.project.reference,
            "name": "Renamed milestone",
            "due_date": obj.due_date.isoformat(),
            "done_on": None,
            "council_visible": True,
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        parent = self.given(self.parent, partner)
        return [
            {
                "project": parent.reference,
                "name": f"Imported milestone {n}",
                "due_date": "2026-12-31",
                "done_on": "",
                "council_visible": "true",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "name": "Bad milestone"}
        return {**row, "due_date": "someday"}, "due_date"


class TestProjectDependency(PartOfProject):
    model = ProjectDependency
    edited_field = "note"
    identity_field = "note"
    list_queries = 4
    api_list_queries = 3

    def other(self, partner: Any, n: int) -> Project:
        return project(f"PD-{partner.code}-{n:03d}", {partner: 100})

    def make(self, cast: Cast, partner: Any) -> ProjectDependency:
        n = self.seq()
        return ProjectDependency.objects.create(
            project=self.parent(partner),
            depends_on=self.other(partner, n),
            note=f"Quillon waits {n:03d}",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "project": self.given(self.parent, partner).pk,
            "depends_on": self.given(self.other, partner, 900).pk,
            "note": "Xerxes waits",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "project": self.given(self.parent, partner).reference,
            "depends_on": self.given(self.other, partner, 900).reference,
            "note": "Xerxes waits",
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {"project": obj.project_id, "depends_on": obj.depends_on_id, "note": "Renamed"}

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "project": obj.project.reference,
            "depends_on": obj.depends_on.reference,
            "note": "Renamed",
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        parent = self.given(self.parent, partner)
        return [
            {
                "project": parent.reference,
                "depends_on": self.given(self.other, partner, 800 + n).reference,
                "note": f"Imported wait {n}",
            }
            for n in (1, 2)
        ]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        parent = self.given(self.parent, partner)
        row = {"project": parent.reference, "depends_on": parent.reference, "note": "Bad wait"}
        return row, "depends_on"


class TestProjectLink(PartOfProject):
    model = ProjectLink
    edited_field = "note"
    identity_field = "note"
    list_queries = 5
    api_list_queries = 4

    def linked_contract(self, partner: Any, n: int) -> Any:
        return contract(f"PL-{partner.code}-{n:03d}", {partner: 100})

    def make(self, cast: Cast, partner: Any) -> ProjectLink:
        n = self.seq()
        return ProjectLink.objects.create(
            project=self.parent(partner),
            contract=self.linked_contract(partner, n),
            note=f"Quillon re-procurement {n:03d}",
        )

    def form(self, project_value: Any, contract_value: Any, note: str) -> dict[str, Any]:
        return {
            "project": project_value,
            "contract": contract_value,
            "exit_plan": "",
            "change": "",
            "business_case": "",
            "cost_line": "",
            "note": note,
        }

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return self.form(
            self.given(self.parent, partner).pk,
            self.given(self.linked_contract, partner, 900).pk,
            "Xerxes re-procurement",
        )

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.form(
                self.given(self.parent, partner).reference,
                self.given(self.linked_contract, partner, 900).reference,
                "Xerxes re-procurement",
            ),
            "exit_plan": None,
            "change": None,
            "business_case": None,
            "cost_line": None,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return self.form(obj.project_id, obj.contract_id, "Renamed link")

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.form(obj.project.reference, obj.contract.reference, "Renamed link"),
            "exit_plan": None,
            "change": None,
            "business_case": None,
            "cost_line": None,
        }


class TestProjectReport(PartOfProject):
    model = ProjectReport
    edited_field = "narrative"
    identity_field = "narrative"
    list_queries = 4
    api_list_queries = 3

    def make(self, cast: Cast, partner: Any) -> ProjectReport:
        n = self.seq()
        return ProjectReport.objects.create(
            project=self.parent(partner),
            period=datetime.date(2000 + n // 12, n % 12 + 1, 1),
            rag_scope="green",
            rag_time="amber",
            rag_cost="green",
            rag_risk="green",
            narrative=f"Quillon month {n:03d}",
        )

    def form(self, project_value: Any, period: str, narrative: str) -> dict[str, Any]:
        return {
            "project": project_value,
            "period": period,
            "rag_scope": "green",
            "rag_time": "green",
            "rag_cost": "red",
            "rag_risk": "amber",
            "narrative": narrative,
        }

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return self.form(self.given(self.parent, partner).pk, "1999-04-01", "Xerxes month")

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return self.form(self.given(self.parent, partner).reference, "1999-04-01", "Xerxes month")

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return self.form(obj.project_id, obj.period.isoformat(), "Renamed month")

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return self.form(obj.project.reference, obj.period.isoformat(), "Renamed month")

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        parent = self.given(self.parent, partner)
        return [self.form(parent.reference, f"1998-0{n}-01", f"Imported month {n}") for n in (1, 2)]

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "narrative": "Bad month"}
        return {**row, "rag_time": "purple"}, "rag_time"


class RegisterFamily(PartOfProject):
    edited_field = "title"
    identity_field = "title"
    list_queries = 4
    api_list_queries = 3
    word = "risk"

    def make(self, cast: Cast, partner: Any) -> Any:
        return self.model.objects.create(
            project=self.parent(partner),
            title=f"Quillon {self.word} {self.seq():03d}",
            likelihood=3,
            impact=4,
            review_date=datetime.date(2026, 6, 30),
        )

    def form(self, project_value: Any, title: str) -> dict[str, Any]:
        return {
            "project": project_value,
            "title": title,
            "description": "",
            "likelihood": "2",
            "impact": "5",
            "owner": "",
            "mitigation": "Second supplier",
            "review_date": "2026-07-31",
            "status": "open",
        }

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return self.form(self.given(self.parent, partner).pk, f"Xerxes {self.word}")

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.form(self.given(self.parent, partner).reference, f"Xerxes {self.word}"),
            "likelihood": 2,
            "impact": 5,
            "owner": None,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return self.form(obj.project_id, f"Renamed {self.word}")

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            **self.form(obj.project.reference, f"Renamed {self.word}"),
            "likelihood": 2,
            "impact": 5,
            "owner": None,
        }

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        parent = self.given(self.parent, partner)
        rows = []
        for n in (1, 2):
            row = self.form(parent.reference, f"Imported {self.word} {n}")
            del row["owner"]
            rows.append(row)
        return rows

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        row = {**self.import_rows(cast, partner)[0], "title": f"Bad {self.word}"}
        return {**row, "impact": "9"}, "impact"


class TestRisk(RegisterFamily):
    model = Risk


class TestProjectIssue(RegisterFamily):
    model = ProjectIssue
    word = "issue"
