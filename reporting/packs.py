"""The monthly packs (docs/reporting.md, "Monthly packs"; decision 0038): a PDF per council and
one for the joint board (the partnership), made once a month by a job (reporting.pack_jobs),
kept (reporting.models.packs.MonthlyPack) and emailed.

A pack holds, for its month and the eleven before it:

- every KPI, grouped as on the dashboards, its last twelve months as a table and as a chart
  drawn on the server as SVG (reporting.charts), which WeasyPrint renders in the PDF;
- the projects' RAG: the counts at red, amber and green (the "Projects" KPIs) and each
  project's latest monthly report (portfolio.ProjectReport) for the month or before, the
  scope's projects (held alone or jointly; every council's for the joint board), not closed;
- the contract decisions due within `DECISION_DAYS` of the day it is made: the council's
  contracts (held alone or jointly), every council's for the joint board.

Made from the roll-ups (reporting.figures), never from the records. `make_pack` stores the PDF
and a record of it, once per scope and month: asked again, it answers the pack already made.
`send_pack` emails it to the council's leads (the board's to the shared-service managers),
each checked against the visibility rule as the message is sent.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.email import automated_email, send_all
from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership, Partner
from reporting import dashboards, figures
from reporting.charts import bar_chart_svg
from reporting.models.packs import MonthlyPack

logger = logging.getLogger(__name__)

#: How far after the pack is made a contract decision counts as due.
DECISION_DAYS = 90
#: The most decisions a pack lists (the rest are counted, and on the contracts' page).
DECISION_ROWS = 25


@dataclass
class Decision:
    """A contract decision due, as a pack lists it."""

    reference: str
    title: str
    supplier: str
    decision: str
    due: datetime.date
    overdue: bool


@dataclass
class ProjectRag:
    """A project's latest monthly report, as a pack lists it."""

    reference: str
    name: str
    period: datetime.date
    scope: str
    time: str
    cost: str
    risk: str
    overall: str


@dataclass
class PackContent:
    """What a pack shows: its dashboard, a chart per KPI, the decisions due."""

    scope: Partner | None
    period: datetime.date
    made_on: datetime.date
    board: dashboards.Dashboard
    charts: dict[str, str] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    decisions_more: int = 0
    projects: list[ProjectRag] = field(default_factory=list)

    @property
    def has_projects(self) -> bool:
        """Whether the figures hold the projects' RAG (the "Projects" KPIs)."""
        return any(group.name == "Projects" for group in self.board.groups)

    @property
    def title(self) -> str:
        who = "Joint board" if self.scope is None else self.scope.name
        return f"{who}: monthly pack for {self.period:%B %Y}"


def service_reader() -> Any:
    """The reader a pack's figures are read as: the shared service (a manager's access, who
    reads every council's figures and the partnership's), never saved and holding no
    membership. A pack is made by a job, with no person asking; whom it may then reach is
    decided per person when it is sent (`recipients`)."""
    return get_user_model()(username="job:monthly packs", service_role=ServiceRole.MANAGER)


def scope_figures(scope: Partner | None, months: list[datetime.date]) -> dict[str, list[Any]]:
    """The figures a pack of `scope` shows, read as the service itself: a job has no reader,
    and whom the pack may reach is decided when it is sent (`recipients`). The same sums as
    the dashboards' (reporting.figures.monthly), over the scope's rows."""
    return figures.monthly(service_reader(), scope, months)


def decisions_due(
    scope: Partner | None, on: datetime.date, days: int = DECISION_DAYS
) -> tuple[list[Decision], int]:
    """The contract decisions due within `days` of `on` (or overdue) of `scope`'s contracts
    (every council's for the joint board), soonest first: at most DECISION_ROWS, and how many
    more there are."""
    from contracts import services as contracts
    from contracts.choices import ContractStatus
    from contracts.models import Contract

    if scope is None:
        rows = Contract.objects.unscoped("the joint board's pack lists every council's decisions")
    else:
        rows = Contract.objects.owned_by(scope)
    not_live = [status for status in ContractStatus.values if status not in contracts.LIVE]
    found = (
        rows.exclude(status__in=not_live)
        .filter(decision_by__isnull=False, decision_by__lte=on + datetime.timedelta(days=days))
        .select_related("supplier")
        .order_by("decision_by", "id")
    )
    total = found.count()
    listed = [
        Decision(
            reference=c.reference,
            title=c.title,
            supplier=c.supplier.name,
            decision=contracts.decision_of(c, on) or "Decision",
            due=c.decision_by,
            overdue=c.decision_by < on,
        )
        for c in found[:DECISION_ROWS]
    ]
    return listed, max(total - len(listed), 0)


def pack_content(
    scope: Partner | None,
    period: datetime.date,
    made_on: datetime.date,
    by_kpi: dict[str, list[Any]] | None = None,
) -> PackContent:
    """The pack of `scope` for `period` (a month's first day), as made on `made_on`."""
    months = dashboards.last_months(period)
    if by_kpi is None:
        by_kpi = scope_figures(scope, months)
    board = dashboards.dashboard_from(scope, months, by_kpi)
    charts = {
        panel.kpi.key: bar_chart_svg(
            panel.kpi.label,
            [cell.month.strftime("%b") for cell in panel.cells],
            [cell.value for cell in panel.cells],
            panel.kpi.unit,
        )
        for panel in board.panels()
    }
    decisions, more = decisions_due(scope, made_on)
    projects = project_rags(scope, period)
    return PackContent(scope, period, made_on, board, charts, decisions, more, projects)


def project_rags(scope: Partner | None, period: datetime.date) -> list[ProjectRag]:
    """The latest monthly report, for `period` or before, of each of `scope`'s projects not
    closed (every council's for the joint board), by reference; a project with no report yet
    is not listed."""
    from portfolio.choices import Rag, Stage
    from portfolio.models import Project, ProjectReport

    if scope is None:
        projects = Project.objects.unscoped("the joint board's pack lists every project")
    else:
        projects = Project.objects.owned_by(scope)
    chosen = {p.pk: p for p in projects.exclude(stage=Stage.CLOSED)}
    latest: dict[int, Any] = {}
    reports = (
        ProjectReport.objects.unscoped("a pack's projects: their latest reports")
        .filter(project_id__in=list(chosen), period__lte=period)
        .order_by("project_id", "period")
    )
    for report in reports:
        latest[report.project_id] = report
    words = dict(Rag.choices)
    return [
        ProjectRag(
            reference=chosen[pk].reference,
            name=chosen[pk].name,
            period=report.period,
            scope=str(words.get(report.rag_scope, report.rag_scope)),
            time=str(words.get(report.rag_time, report.rag_time)),
            cost=str(words.get(report.rag_cost, report.rag_cost)),
            risk=str(words.get(report.rag_risk, report.rag_risk)),
            overall=str(words.get(report.overall, report.overall)),
        )
        for pk, report in sorted(latest.items(), key=lambda item: chosen[item[0]].reference)
    ]


def render_pdf(content: PackContent) -> bytes:
    """The pack as a PDF (WeasyPrint, from templates/reporting/_pack_pdf.html)."""
    from weasyprint import HTML

    html = render_to_string("reporting/_pack_pdf.html", {"pack": content})
    return bytes(HTML(string=html).write_pdf())


def existing_pack(scope: Partner | None, period: datetime.date) -> MonthlyPack | None:
    """The pack of `scope` for `period` already made, if any."""
    rows = MonthlyPack.objects.unscoped("is this month's pack made already")
    if scope is None:
        return rows.filter(partner__isnull=True, period=period).first()
    return rows.filter(partner=scope, period=period).first()


def make_pack(
    scope: Partner | None, period: datetime.date, now: datetime.datetime | None = None
) -> tuple[MonthlyPack, bool]:
    """The pack of `scope` for `period`, made and stored unless it exists; (pack, made now).
    Never two for one scope and month: the database refuses the second, and the one already
    made is answered."""
    period = dashboards.first_of_month(period)
    found = existing_pack(scope, period)
    if found is not None:
        return found, False
    now = now or timezone.now()
    content = pack_content(scope, period, timezone.localdate(now))
    pdf = render_pdf(content)
    pack = MonthlyPack(
        partner=scope,
        period=period,
        made_at=now,
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    who = scope.code if scope is not None else "joint-board"
    pack.file.save(f"{who}-{period:%Y-%m}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            pack.save()
    except IntegrityError:
        # Another worker made it meanwhile: keep theirs, drop this file.
        pack.file.delete(save=False)
        again = existing_pack(scope, period)
        if again is None:
            raise
        return again, False
    return pack, True


def pack_bytes(pack: MonthlyPack) -> bytes:
    """The stored PDF of `pack`."""
    with pack.file.open("rb") as stored:
        return bytes(stored.read())


def candidates(pack: MonthlyPack) -> list[Any]:
    """Whom a pack is for: the council's leads; the joint board's, the shared-service
    managers. Active people with an address only."""
    users = get_user_model().objects
    if pack.partner_id is None:
        people = users.filter(service_role=ServiceRole.MANAGER)
    else:
        leads = Membership.objects.unscoped("a council's leads receive its pack").filter(
            partner_id=pack.partner_id, role=CouncilRole.LEAD
        )
        people = users.filter(pk__in=leads.values("user_id"))
    return [p for p in people.filter(is_active=True).order_by("username") if p.email]


def recipients(pack: MonthlyPack) -> list[Any]:
    """The candidates who may read the pack now (the one visibility rule, asked per person)."""
    return [
        person
        for person in candidates(pack)
        if MonthlyPack.objects.visible_to(person).filter(pk=pack.pk).exists()
    ]


def message_for(pack: MonthlyPack, person: Any, pdf: bytes) -> EmailMultiAlternatives:
    """The email of `pack` to `person`: plain text and HTML, the PDF attached."""
    from django.urls import reverse

    base = getattr(settings, "CONCORD_BASE_URL", "").rstrip("/")
    context = {
        "pack": pack,
        "person": person,
        "url": f"{base}{reverse('reporting:pack_download', args=[pack.pk])}",
        "list_url": f"{base}{reverse('reporting:packs')}",
    }
    message = automated_email(
        subject=f"Monthly pack for {pack.period:%B %Y}: {pack.scope_name}",
        template="reporting/email/pack",
        context=context,
        to=person.email,
        kind="pack",
    )
    message.attach(pack.filename, pdf, "application/pdf")
    return message


def send_pack(pack: MonthlyPack, now: datetime.datetime | None = None) -> int:
    """Email `pack` to its readers, once: a pack already emailed is not sent again. The number
    of messages sent."""
    if pack.emailed_at is not None:
        return 0
    people = recipients(pack)
    pdf = pack_bytes(pack) if people else b""
    messages = [message_for(pack, person, pdf) for person in people]
    sent = send_all(messages)
    pack.emailed_at = now or timezone.now()
    pack.recipients = sent
    pack.save(update_fields=["emailed_at", "recipients"])
    logger.info("monthly pack %s sent to %s people", pack.pk, sent)
    return sent
