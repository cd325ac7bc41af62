"""The portfolio's demo (portfolio/demo.py): the bi-borough's joint programmes, co-owned by
Westminster and Kensington and Chelsea, linked to the outsourced contract and its exit plan,
with a year of reports whose RAG changes; a second run creates nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from core.tenancy.scoping import system_scope
from portfolio.models import Programme, Project, ProjectLink, ProjectReport
from servicedesk.models import ChangeFreeze

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        Programme.objects.count(),
        Project.objects.count(),
        ProjectReport.objects.count(),
        ProjectLink.objects.count(),
        ChangeFreeze.objects.count(),
    )


def test_demo_loads_the_joint_programmes_once() -> None:
    first = run("demo", "--through", "portfolio")
    assert "2 programmes, 3 projects" in first
    with system_scope("test"):
        dc = Project.objects.get(reference="BB-DC-01")
        assert {(s.partner.code, s.percentage) for s in dc.owner_shares()} == {
            ("wcc", Decimal("50.00")),
            ("rbkc", Decimal("50.00")),
        }
        rp = Project.objects.get(reference="BB-ICT-RP")
        links = ProjectLink.objects.filter(project=rp)
        assert {str(link.contract) for link in links if link.contract_id} == {"RBKC-ICT-2017"}
        assert any(link.exit_plan_id for link in links)
        overall = set(ProjectReport.objects.filter(project=dc).values_list("overall", flat=True))
        assert {"green", "amber", "red"} <= overall
        assert ProjectReport.objects.filter(project=dc).count() == 12
        before = counts()
    assert "nothing to add" in run("demo", "--through", "portfolio")
    with system_scope("test"):
        assert counts() == before
