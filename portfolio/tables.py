"""Tables of the portfolio pages."""

from __future__ import annotations

from core.tables import Column, Table
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


class ProgrammeTable(Table):
    reference = Column("Reference", link=True, sortable=True)
    name = Column("Name", sortable=True)
    stage = Column("Stage")
    start_date = Column("Start", sortable=True)
    end_date = Column("End")

    class Meta:
        model = Programme


class ProjectTable(Table):
    reference = Column("Reference", link=True, sortable=True)
    name = Column("Name", sortable=True)
    programme = Column("Programme")
    stage = Column("Stage")
    start_date = Column("Start", sortable=True)
    end_date = Column("End")
    budget = Column("Budget (£)", numeric=True)

    class Meta:
        model = Project


class MilestoneTable(Table):
    name = Column("Name", link=True, sortable=True)
    project = Column("Project")
    due_date = Column("Due", sortable=True)
    done_on = Column("Done on")
    council_visible = Column("Shown to the councils")

    class Meta:
        model = Milestone


class ProjectDependencyTable(Table):
    project = Column("Project", link=True)
    depends_on = Column("Depends on")
    note = Column("Note")

    class Meta:
        model = ProjectDependency


class ProjectLinkTable(Table):
    project = Column("Project", link=True)
    contract = Column("Contract")
    exit_plan = Column("Exit plan")
    change = Column("Change")
    business_case = Column("Business case")
    cost_line = Column("Cost line")
    note = Column("Note")

    class Meta:
        model = ProjectLink


class ProjectReportTable(Table):
    period = Column("Month", link=True, sortable=True)
    project = Column("Project")
    rag_scope = Column("Scope")
    rag_time = Column("Time")
    rag_cost = Column("Cost")
    rag_risk = Column("Risk")
    overall = Column("Overall")

    class Meta:
        model = ProjectReport


class RiskTable(Table):
    title = Column("Title", link=True, sortable=True)
    project = Column("Project")
    likelihood = Column("Likelihood", numeric=True)
    impact = Column("Impact", numeric=True)
    score = Column("Score", numeric=True, sortable=True)
    owner = Column("Owner")
    review_date = Column("Review date")
    status = Column("Status")

    class Meta:
        model = Risk


class ProjectIssueTable(RiskTable):
    class Meta:
        model = ProjectIssue
