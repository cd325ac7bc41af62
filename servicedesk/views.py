"""Pages of the service desk: tickets (raised, worked, replied to, resolved, rated) and the
desk's set-up (categories, services, queues and their people, routing rules, the priority
matrix, each council's SLA policies and working calendar).

Each model's pages are the generic ones (core.views.generic), declared here. A ticket is
raised and changed through servicedesk.services (its number, priority, queue and SLA clocks),
and its page shows its replies and notes with the forms to add one and to resolve, reopen,
close or rate it, each where the person may (`TicketAction`).
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views import View

from assets.models import ConfigurationItem
from core.forms import ScopedForm
from core.navigation import Need
from core.tables import display_value
from core.tenancy.access import CHANGE, HISTORY, VIEW, access_for
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Partner
from core.views.actions import RecordAction
from core.views.generic import ModelViews, Related
from servicedesk import changes, knowledge, mail_in, services, sla
from servicedesk.catalogue_views import ticket_request_context
from servicedesk.choices import (
    MAIL_NEEDS_ACTION,
    OPEN_STATUS_LIST,
    SCHEDULE_STATUSES,
    ApprovalDecision,
    ChangeStatus,
    MailState,
    SlaState,
    TicketStatus,
)
from servicedesk.console import timeline
from servicedesk.filtersets import (
    CategoryFilterSet,
    ChangeRequestFilterSet,
    InboundMailFilterSet,
    PriorityRuleFilterSet,
    ProblemFilterSet,
    QueueFilterSet,
    QueueMemberFilterSet,
    RoutingRuleFilterSet,
    ServiceCalendarFilterSet,
    ServiceFilterSet,
    SlaPolicyFilterSet,
    TicketFilterSet,
)
from servicedesk.forms import (
    CategoryForm,
    ChangeDecisionForm,
    ChangeLinkTicketForm,
    ChangeOutcomeForm,
    ChangeRequestForm,
    ChangeScheduleForm,
    InboundMailForm,
    LinkArticleForm,
    MailDiscardForm,
    MailRaiseForm,
    PriorityRuleForm,
    ProblemForm,
    QueueForm,
    QueueMemberForm,
    RateForm,
    ReplyForm,
    ResolveForm,
    RoutingRuleForm,
    ServiceCalendarForm,
    ServiceForm,
    SlaPolicyForm,
    TicketForm,
    TicketUpdateForm,
)
from servicedesk.freezes import freezes_between, freezes_for, freezes_over
from servicedesk.knowledge_views import ticket_knowledge_context
from servicedesk.models import (
    Category,
    ChangeApproval,
    ChangeFreeze,
    ChangeRequest,
    InboundMail,
    PriorityRule,
    Problem,
    Queue,
    QueueMember,
    RoutingRule,
    Service,
    ServiceCalendar,
    SlaPolicy,
    Ticket,
    TicketComment,
)
from servicedesk.tables import (
    CategoryTable,
    ChangeRequestTable,
    InboundMailTable,
    PriorityRuleTable,
    ProblemTable,
    QueueMemberTable,
    QueueTable,
    RoutingRuleTable,
    ServiceCalendarTable,
    ServiceTable,
    SlaPolicyTable,
    TicketTable,
)


class TicketViews(ModelViews):
    """Incidents and service requests: raised by council people (and the desk for them),
    worked by the shared service."""

    model = Ticket
    filterset_class = TicketFilterSet
    table_class = TicketTable
    form_class = TicketUpdateForm
    create_form_class = TicketForm
    nav_label = "Tickets"
    nav_order = 5
    on_council_page = True
    # A requester views their own tickets here and follows them up with the ticket's own
    # actions (reply, reopen, rate), not the desk's edit page.
    own_actions = frozenset({VIEW})

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        data = form.cleaned_data
        if creating:
            return services.raise_ticket(
                partner=data["partner"],
                requester=data.get("requester") or request.user,
                contact=data.get("contact"),
                subject=data["subject"],
                description=data.get("description", ""),
                kind=data["kind"],
                impact=data.get("impact"),
                urgency=data.get("urgency"),
                category=data.get("category"),
                service=data.get("service"),
                source="agent" if access_for(request.user).is_service_staff else "portal",
            )
        return services.change_ticket(form.instance, data)

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        def show(name: str) -> SafeString:
            return display_value(getattr(obj, name), Ticket._meta.get_field(name), obj)

        left = sla.time_left(obj) if obj.is_open and obj.paused_since is None else None
        rows = [
            ("Reference", format_html("{}", obj.reference)),
            ("Council", show("partner")),
            ("Kind", show("kind")),
            ("Status", show("status")),
            ("Requester", show("requester")),
            ("Contact", show("contact")),
            ("Priority", show("priority")),
            ("Impact", show("impact")),
            ("Urgency", show("urgency")),
            ("Category", show("category")),
            ("Service", show("service")),
            ("Queue", show("queue")),
            ("Assigned to", show("assignee")),
            ("Opened", show("opened_at")),
            ("Respond by", show("response_due")),
            ("Resolve by", show("resolution_due")),
            ("SLA", show("sla_state")),
        ]
        if left is not None:
            rows.append(("Working time left", format_html("{}", _duration(left))))
        if obj.routed_by_id and access_for(request.user).is_service_staff:
            rows.append(("Routed by", show("routed_by")))
        if obj.resolution:
            rows.append(("Resolution", format_html("{}", obj.resolution)))
        if obj.merged_into_id:
            rows.append(("Merged into", show("merged_into")))
        if obj.satisfaction:
            rows.append(("Rating", format_html("{} out of 5", obj.satisfaction)))
        if obj.problem_id and access_for(request.user).can(VIEW, Problem.area):
            rows.append(("Problem", show("problem")))
        if obj.configuration_item_id:
            item = (
                ConfigurationItem.objects.visible_to(request.user)
                .filter(pk=obj.configuration_item_id)
                .first()
            )
            if item is not None:
                rows.append(
                    (
                        "Configuration item",
                        format_html(
                            '<a class="govuk-link" href="{}">{}</a>', item.get_absolute_url(), item
                        ),
                    )
                )
        if (
            obj.change_id
            and ChangeRequest.objects.visible_to(request.user).filter(pk=obj.change_id).exists()
        ):
            rows.append(("Change request", show("change")))
        return rows

    @classmethod
    def detail_context(cls, obj: Any, request: HttpRequest) -> dict[str, Any]:
        user = request.user
        replies = TicketComment.objects.visible_to(user).filter(ticket=obj).select_related("author")
        may = TicketAction.allowed(user, obj)
        notes = services.notes_visible_to(user, obj)
        return {
            "comments": list(replies.order_by("created_at", "id")),
            # Time spent is the service's own record: shown to those who read its notes.
            "show_minutes": notes,
            "reply_form": ReplyForm(user=user, notes=notes) if may["reply"] else None,
            "resolve_form": ResolveForm(user=user) if may["resolve"] else None,
            "rate_form": RateForm(user=user) if may["rate"] else None,
            "may": may,
            "known_errors": services.known_errors_for(obj, user),
            **ticket_knowledge_context(obj, request),
            **ticket_request_context(obj, request),
            "timeline": (
                timeline(obj, user)
                if access_for(user).can(HISTORY, Ticket.area, obj.owning_partner_ids())
                else []
            ),
        }


def _duration(value: Any) -> str:
    """Working time as people say it: "3 h 20 min", "overdue by 1 h"."""
    seconds = int(value.total_seconds())
    overdue = seconds < 0
    minutes = abs(seconds) // 60
    text = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"overdue by {text}" if overdue else text


class TicketAction(RecordAction):
    """One thing done to a ticket from its page (reply, resolve, reopen, close, rate): the
    ticket as the person sees it (404 otherwise), the rule of who may (403 otherwise), the
    service that does it, and back to the ticket's page with what happened
    (core.views.actions.RecordAction)."""

    #: Whether the ticket's requester (or contact) may do it to their own ticket.
    own: ClassVar[bool] = False

    page_views = TicketViews

    @staticmethod
    def allowed(user: Any, ticket: Ticket) -> dict[str, bool]:
        """What `user` may do to `ticket` from its page (servicedesk.services)."""
        return services.ticket_actions(user, ticket)


class TicketReply(TicketAction):
    action = "reply"

    def make_form(self, request: HttpRequest, ticket: Ticket) -> Any:
        notes = services.notes_visible_to(request.user, ticket)
        return ReplyForm(request.POST, user=request.user, notes=notes)

    def act(self, request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> str:
        public = data.get("public", True)
        services.comment(
            ticket,
            request.user,
            data["body"],
            public=public,
            minutes_spent=data.get("minutes_spent") or 0,
        )
        return "Reply sent." if public else "Note added."


class TicketResolve(TicketAction):
    action = "resolve"

    def make_form(self, request: HttpRequest, ticket: Ticket) -> Any:
        return ResolveForm(request.POST, user=request.user)

    def act(self, request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> str:
        services.resolve(ticket, data["resolution"])
        return f"{ticket.reference} resolved."


class TicketReopen(TicketAction):
    action = "reopen"

    def act(self, request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> str:
        services.reopen(ticket)
        return f"{ticket.reference} reopened."


class TicketClose(TicketAction):
    action = "close"

    def act(self, request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> str:
        services.close(ticket)
        return f"{ticket.reference} closed."


class TicketRate(TicketAction):
    action = "rate"

    def make_form(self, request: HttpRequest, ticket: Ticket) -> Any:
        return RateForm(request.POST, user=request.user)

    def act(self, request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> str:
        services.rate(ticket, request.user, data["satisfaction"], data.get("comment", ""))
        return "Thank you for your rating."


class TicketLinkArticle(TicketAction):
    """Link a published knowledge article to the ticket (those who work the ticket)."""

    action = "link_article"

    @staticmethod
    def allowed(user: Any, ticket: Ticket) -> dict[str, bool]:
        return {"link_article": knowledge.may_link(user, ticket)}

    def make_form(self, request: HttpRequest, ticket: Ticket) -> Any:
        return LinkArticleForm(request.POST, user=request.user, ticket=ticket)

    def act(self, request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> str:
        article = data["article"]
        knowledge.link_article(ticket, article, by=request.user)
        return f"{article.reference} linked to {ticket.reference}."


def ticket_action_urls() -> list[Any]:
    """The URLs of the actions on a ticket's page, beside its generic pages."""
    prefix = TicketViews.prefix()
    actions = (TicketReply, TicketResolve, TicketReopen, TicketClose, TicketRate, TicketLinkArticle)
    return [
        path(f"{prefix}/<int:pk>/{view.action}/", view.as_view(), name=f"ticket_{view.action}")
        for view in actions
    ]


class ProblemViews(ModelViews):
    """Problems: the causes behind incidents, the shared service's own."""

    model = Problem
    filterset_class = ProblemFilterSet
    table_class = ProblemTable
    form_class = ProblemForm
    nav_label = "Problems"
    nav_order = 6
    related = [
        Related(
            "Incidents",
            Ticket,
            "problem",
            TicketTable,
            list_param="problem",
        )
    ]

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        data = form.cleaned_data
        if creating:
            return services.raise_problem(**data)
        return services.change_problem(form.instance, data)


# Inbound mail -----------------------------------------------------------------------------


class InboundMailViews(ModelViews):
    """The desk's inbound mail: every message email brought, what came of it, and the desk's
    actions on one held or failed (retry, raise a ticket for its sender, discard)."""

    model = InboundMail
    filterset_class = InboundMailFilterSet
    table_class = InboundMailTable
    form_class = InboundMailForm
    nav_label = "Inbound mail"
    nav_order = 7
    path_prefix = "inbound-mail"

    @classmethod
    def get_form_class(cls, creating: bool) -> Any:
        if creating:
            # Mail arrives (concord mail-in, mail-poll); nobody writes one by hand.
            raise PermissionDenied
        return super().get_form_class(creating)

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        def show(name: str) -> SafeString:
            return display_value(getattr(obj, name), InboundMail._meta.get_field(name), obj)

        rows = [
            ("State", show("state")),
            ("Why" if obj.state != MailState.PROCESSED else "What happened", show("reason")),
            ("From", show("from_address")),
            ("Envelope sender", show("envelope_from")),
            ("To", show("recipients")),
            ("Subject", show("subject")),
            ("Message-ID", show("message_id")),
            ("Received", show("received_at")),
            ("Came by", show("via")),
            ("Size", format_html("{}", mail_in.describe_size(obj.size))),
            ("Person", show("person")),
            ("Council", show("council")),
            ("Ticket", show("ticket")),
            ("Tries", format_html("{}", obj.attempts)),
            ("Desk note", show("note")),
        ]
        return rows

    @classmethod
    def detail_context(cls, obj: Any, request: HttpRequest) -> dict[str, Any]:
        user = request.user
        may = access_for(user).can(CHANGE, InboundMail.area) and obj.state in MAIL_NEEDS_ACTION
        body, files, unreadable = "", [], ""
        try:
            message = mail_in.parse(obj.as_bytes())
            body = mail_in.body_of(message)
            files = [name for name, _ in mail_in.attachments_of(message)]
        except Exception as exc:  # the page says the message cannot be read
            unreadable = str(exc)
        return {
            "mail_body": body,
            "mail_files": files,
            "mail_unreadable": unreadable,
            "may_act": may,
            "discard_form": MailDiscardForm(user=user) if may else None,
            "raise_form": MailRaiseForm(user=user) if may else None,
        }


class MailAction(RecordAction):
    """One thing the desk does to an inbound mail from its page (retry, raise, discard): the
    mail as the person sees it (404 otherwise), only by those who may work the mailbox (403
    otherwise), only while the mail needs it, then back to the mail's page
    (core.views.actions.RecordAction)."""

    page_views = InboundMailViews
    atomic = False

    def allowed(self, user: Any, mail: InboundMail) -> dict[str, bool]:
        return {self.action: access_for(user).can(CHANGE, InboundMail.area)}


class MailRetry(MailAction):
    action = "retry"

    def act(self, request: HttpRequest, mail: InboundMail, data: dict[str, Any]) -> str:
        mail_in.retry(mail)
        return f"Tried again: {mail.get_state_display().lower()}. {mail.reason}".strip()


class MailDiscard(MailAction):
    action = "discard"

    def make_form(self, request: HttpRequest, mail: InboundMail) -> Any:
        return MailDiscardForm(request.POST, user=request.user)

    def act(self, request: HttpRequest, mail: InboundMail, data: dict[str, Any]) -> str:
        with transaction.atomic():
            mail_in.discard(mail, data.get("why", ""))
        return "Mail discarded."


class MailRaise(MailAction):
    action = "raise"

    def make_form(self, request: HttpRequest, mail: InboundMail) -> Any:
        return MailRaiseForm(request.POST, user=request.user)

    def act(self, request: HttpRequest, mail: InboundMail, data: dict[str, Any]) -> str:
        ticket = mail_in.raise_for(mail, data["partner"], data["requester"], data.get("note", ""))
        return f"Raised {ticket.reference} for {data['requester']}."


def mail_action_urls() -> list[Any]:
    """The URLs of the actions on an inbound mail's page, beside its generic pages."""
    prefix = InboundMailViews.prefix()
    return [
        path(f"{prefix}/<int:pk>/{view.action}/", view.as_view(), name=f"inboundmail_{view.action}")
        for view in (MailRetry, MailDiscard, MailRaise)
    ]


# The desk's set-up ------------------------------------------------------------------------


class CategoryViews(ModelViews):
    """What tickets are about (a catalogue)."""

    model = Category
    filterset_class = CategoryFilterSet
    table_class = CategoryTable
    form_class = CategoryForm
    nav_label = "Categories"
    nav_order = 60


class ServiceViews(ModelViews):
    """The services the shared service runs (a catalogue)."""

    model = Service
    filterset_class = ServiceFilterSet
    table_class = ServiceTable
    form_class = ServiceForm
    nav_label = "Services"
    nav_order = 61


class QueueViews(ModelViews):
    """The desk's queues (a catalogue)."""

    model = Queue
    filterset_class = QueueFilterSet
    table_class = QueueTable
    form_class = QueueForm
    nav_label = "Queues"
    nav_order = 62


class QueueMemberViews(ModelViews):
    """Who works which queue."""

    model = QueueMember
    filterset_class = QueueMemberFilterSet
    table_class = QueueMemberTable
    form_class = QueueMemberForm


class RoutingRuleViews(ModelViews):
    """Which queue a new ticket goes to."""

    model = RoutingRule
    filterset_class = RoutingRuleFilterSet
    table_class = RoutingRuleTable
    form_class = RoutingRuleForm
    nav_label = "Routing rules"
    nav_order = 63


class PriorityRuleViews(ModelViews):
    """The priority matrix: impact and urgency to priority."""

    model = PriorityRule
    filterset_class = PriorityRuleFilterSet
    table_class = PriorityRuleTable
    form_class = PriorityRuleForm


class SlaPolicyViews(ModelViews):
    """Each council's SLA targets by priority."""

    model = SlaPolicy
    filterset_class = SlaPolicyFilterSet
    table_class = SlaPolicyTable
    form_class = SlaPolicyForm
    nav_label = "SLA policies"
    nav_order = 64


class ServiceCalendarViews(ModelViews):
    """Each council's working hours for the SLA clocks."""

    model = ServiceCalendar
    filterset_class = ServiceCalendarFilterSet
    table_class = ServiceCalendarTable
    form_class = ServiceCalendarForm

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        calendar = form.save()
        services.recompute_open_tickets(calendar.partner)
        return calendar


def ticket_page(ticket: Ticket) -> str:
    return reverse(Ticket.url_name("detail"), args=[ticket.pk])


def home_needs(user: Any) -> list[Need]:
    """What of the desk needs `user` on the home page, counted among the tickets they can see
    (``visible_to``: a council's people count their council's, a requester their own).

    Shared-service staff: new tickets to pick up, and open tickets at risk of missing their SLA
    or past it. A council's lead or auditor: their councils' open tickets, those at risk and
    past their SLA. A requester: their own tickets awaiting their reply, and their open ones.
    """
    from urllib.parse import urlencode

    from django.db.models import Count, Q

    access = access_for(user)
    if not access.can(VIEW, Ticket.area, own=True):
        return []
    open_ = Q(status__fixed_in=OPEN_STATUS_LIST)
    # Every figure is of open tickets, counted by a column the open tickets' counting index
    # holds: the database reads that index alone (Ticket.Meta.indexes), not the whole history.
    counts = (
        Ticket.objects.visible_to(user)
        .filter(open_)
        .aggregate(
            open=Count("partner_id"),
            new=Count("partner_id", filter=Q(status=TicketStatus.NEW)),
            at_risk=Count("partner_id", filter=Q(sla_state=SlaState.AT_RISK)),
            breached=Count("partner_id", filter=Q(sla_state=SlaState.BREACHED)),
            awaiting=Count("partner_id", filter=Q(status=TicketStatus.AWAITING_CUSTOMER)),
            approval=Count("partner_id", filter=Q(status=TicketStatus.AWAITING_APPROVAL)),
        )
    )
    tickets = reverse(Ticket.url_name("list"))

    def listed(**filters: Any) -> str:
        return f"{tickets}?{urlencode(filters, doseq=True)}"

    open_url = listed(status=OPEN_STATUS_LIST)
    at_risk = Need(
        "Open tickets at risk of missing their SLA",
        counts["at_risk"],
        listed(status=OPEN_STATUS_LIST, sla_state=SlaState.AT_RISK),
        urgent=True,
    )
    breached = Need(
        "Open tickets past their SLA",
        counts["breached"],
        listed(status=OPEN_STATUS_LIST, sla_state=SlaState.BREACHED),
        urgent=True,
    )
    if access.can(VIEW, Ticket.area) and access.is_service_staff:
        needs = [
            Need("New tickets to pick up", counts["new"], listed(status=TicketStatus.NEW)),
            at_risk,
            breached,
            Need("Open tickets", counts["open"], open_url),
        ]
        if access.can(CHANGE, InboundMail.area):
            waiting = sorted(MAIL_NEEDS_ACTION)
            mails = InboundMail.objects.visible_to(user).filter(state__in=waiting).count()
            url = f"{reverse(InboundMail.url_name('list'))}?{urlencode({'state': waiting}, True)}"
            needs.append(Need("Inbound mail held or failed", mails, url))
        return needs
    if access.can(VIEW, Ticket.area):
        needs = [Need("Your councils' open tickets", counts["open"], open_url), at_risk, breached]
        if any(CouncilRole.LEAD in roles for roles in access.roles_by_partner.values()):
            # A council lead decides on their council's catalogue requests (servicedesk.catalogue).
            needs.append(
                Need(
                    "Requests awaiting your approval",
                    counts["approval"],
                    listed(status=TicketStatus.AWAITING_APPROVAL),
                    urgent=True,
                )
            )
        return needs
    return [
        Need(
            "Your tickets awaiting your reply",
            counts["awaiting"],
            listed(status=TicketStatus.AWAITING_CUSTOMER),
            urgent=True,
        ),
        Need("Your open tickets", counts["open"], open_url),
    ]


# Changes ------------------------------------------------------------------------------------


class ChangeRequestViews(ModelViews):
    """Change requests: planned and worked by the shared service, read (and approved) by the
    leads of the councils they affect (servicedesk.changes)."""

    model = ChangeRequest
    filterset_class = ChangeRequestFilterSet
    table_class = ChangeRequestTable
    form_class = ChangeRequestForm
    nav_label = "Change requests"
    nav_order = 7
    related = [Related("Tickets", Ticket, "change", TicketTable, list_param="change")]

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        change = form.instance
        if creating:
            changes.number(change, request.user)
            before: dict[str, Any] = {}
        else:
            changes.check_editable(change)
            before = changes.snapshot(change)
        obj = super().save_form(form, request, creating)
        obj = changes.after_edit(obj, before, request.user)
        warn_of_overlaps(request, obj)
        return obj

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        def show(name: str) -> SafeString:
            return display_value(getattr(obj, name), ChangeRequest._meta.get_field(name), obj)

        rows = [
            ("Reference", format_html("{}", obj.reference)),
            ("Status", show("status")),
            ("Kind", show("kind")),
            ("Risk", show("risk")),
            ("Impact", show("impact")),
            ("Service", show("service")),
            ("Planned start", show("planned_start")),
            ("Planned end", show("planned_end")),
            ("Requested by", show("requested_by")),
            ("Implementer", show("implementer")),
        ]
        for name, label in (("description", "Description"), ("backout_plan", "Backout plan")):
            if getattr(obj, name):
                rows.append(
                    (
                        label,
                        format_html('<span class="concord-prewrap">{}</span>', getattr(obj, name)),
                    )
                )
        if obj.problem_id and access_for(request.user).can(VIEW, Problem.area):
            rows.append(("Problem", show("problem")))
        for name, label in (
            ("submitted_at", "Submitted"),
            ("approved_at", "Approved"),
            ("approved_by", "Approved by"),
            ("started_at", "Started"),
            ("finished_at", "Finished"),
        ):
            if getattr(obj, f"{name}_id" if name == "approved_by" else name):
                rows.append((label, show(name)))
        if obj.outcome:
            rows.append(
                ("Outcome", format_html('<span class="concord-prewrap">{}</span>', obj.outcome))
            )
        return rows

    @classmethod
    def detail_context(cls, obj: Any, request: HttpRequest) -> dict[str, Any]:
        user = request.user
        may = changes.change_actions(user, obj)
        mine = changes.decidable(user, obj)
        decide = may["approve"] or may["reject"]
        return {
            "may": may,
            "approvals": list(
                ChangeApproval.objects.visible_to(user)
                .filter(change=obj)
                .select_related("partner", "decided_by")
                .order_by("partner__name")
            ),
            "overlaps": changes.overlapping(obj, user),
            "freezes": freezes_over(user, obj),
            "decision_form": (
                ChangeDecisionForm(user=user, councils=[a.partner for a in mine])
                if decide
                else None
            ),
            "schedule_form": ChangeScheduleForm(user=user, change=obj) if may["schedule"] else None,
            "outcome_form": ChangeOutcomeForm(user=user)
            if may["complete"] or may["fail"]
            else None,
            "link_ticket_form": (
                ChangeLinkTicketForm(user=user, councils=ticket_councils)
                if (ticket_councils := services.ticket_councils_for_change(user, obj))
                else None
            ),
        }

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        return [
            ("Forward schedule of change", reverse("servicedesk:changerequest_forward_schedule"))
        ]


def warn_of_overlaps(request: HttpRequest, change: ChangeRequest) -> None:
    """Say, beside what was done, which changes the reader can see overlap this one (a
    warning: nothing is refused)."""
    found = changes.overlapping(change, request.user)
    if found:
        names = ", ".join(other.reference for other in found)
        messages.warning(
            request,
            f"{change.reference}'s window overlaps {names} on the same service: check they "
            "can both go ahead.",
        )


class ChangeAction(RecordAction):
    """One thing done to a change from its page (submit, approve, reject, schedule, start,
    complete, fail, cancel), in the shape of `TicketAction` (core.views.actions.RecordAction):
    the change as the person sees it (404 otherwise), whether they may (403 otherwise), the
    service that does it, and back to the change's page with what happened."""

    page_views = ChangeRequestViews

    def allowed(self, user: Any, change: ChangeRequest) -> dict[str, bool]:
        return changes.change_actions(user, change)


class ChangeSubmit(ChangeAction):
    action = "submit"

    def act(self, request: HttpRequest, change: ChangeRequest, data: dict[str, Any]) -> str:
        changes.submit(change, request.user)
        if change.status == ChangeStatus.APPROVED:
            return f"{change.reference} is a standard change: approved."
        return f"{change.reference} submitted for approval."


class _ChangeDecision(ChangeAction):
    decision: ClassVar[str] = ""
    form_name = "decision_form"

    def make_form(self, request: HttpRequest, change: ChangeRequest) -> Any:
        mine = changes.decidable(request.user, change)
        return ChangeDecisionForm(
            request.POST, user=request.user, councils=[a.partner for a in mine]
        )

    def act(self, request: HttpRequest, change: ChangeRequest, data: dict[str, Any]) -> str:
        changes.decide(
            change, request.user, self.decision, data.get("comment", ""), data.get("council")
        )
        verb = "approved" if self.decision == ApprovalDecision.APPROVED else "rejected"
        return f"You {verb} {change.reference}."


class ChangeApprove(_ChangeDecision):
    action = "approve"
    decision = ApprovalDecision.APPROVED


class ChangeReject(_ChangeDecision):
    action = "reject"
    decision = ApprovalDecision.REJECTED


class ChangeSchedule(ChangeAction):
    action = "schedule"
    form_name = "schedule_form"

    def make_form(self, request: HttpRequest, change: ChangeRequest) -> Any:
        return ChangeScheduleForm(request.POST, user=request.user, change=change)

    def act(self, request: HttpRequest, change: ChangeRequest, data: dict[str, Any]) -> str:
        changes.schedule(change, data["implementer"])
        warn_of_overlaps(request, change)
        return f"{change.reference} scheduled."


class ChangeStart(ChangeAction):
    action = "start"

    def act(self, request: HttpRequest, change: ChangeRequest, data: dict[str, Any]) -> str:
        changes.start(change)
        return f"{change.reference} started."


class ChangeComplete(ChangeAction):
    action = "complete"
    form_name = "outcome_form"

    def make_form(self, request: HttpRequest, change: ChangeRequest) -> Any:
        return ChangeOutcomeForm(request.POST, user=request.user)

    def act(self, request: HttpRequest, change: ChangeRequest, data: dict[str, Any]) -> str:
        changes.finish(change, True, data.get("outcome", ""))
        return f"{change.reference} completed."


class ChangeFail(ChangeComplete):
    action = "fail"

    def act(self, request: HttpRequest, change: ChangeRequest, data: dict[str, Any]) -> str:
        changes.finish(change, False, data.get("outcome", ""))
        return f"{change.reference} marked failed."


class ChangeCancel(ChangeAction):
    action = "cancel"

    def act(self, request: HttpRequest, change: ChangeRequest, data: dict[str, Any]) -> str:
        changes.cancel(change)
        return f"{change.reference} cancelled."


class ChangeLinkTicket(ChangeAction):
    """Link a ticket of a council the change affects to the change (those who may change
    that council's tickets); the ticket's own page links it with its edit form."""

    action = "link_ticket"

    def allowed(self, user: Any, change: ChangeRequest) -> dict[str, bool]:
        return {"link_ticket": bool(services.ticket_councils_for_change(user, change))}

    def make_form(self, request: HttpRequest, change: ChangeRequest) -> Any:
        councils = services.ticket_councils_for_change(request.user, change)
        return ChangeLinkTicketForm(request.POST, user=request.user, councils=councils)

    def act(self, request: HttpRequest, change: ChangeRequest, data: dict[str, Any]) -> str:
        ticket = services.find_ticket_for_change(
            request.user, change, data["ticket"], data.get("council") or ""
        )
        services.link_to_change(ticket, change)
        return f"{ticket.reference} linked to {change.reference}."


#: How many changes the forward schedule shows at most.
SCHEDULE_LIMIT = 500


def upcoming_changes(user: Any, now: Any = None) -> Any:
    """The changes on `user`'s forward schedule: those they can see whose window has not
    closed, awaiting approval, approved, scheduled or in progress, soonest first."""
    now = now or timezone.now()
    return (
        ChangeRequest.objects.visible_to(user)
        .filter(status__in=sorted(SCHEDULE_STATUSES), planned_end__gte=now)
        .select_related("service")
        .order_by("planned_start", "id")
    )


class ChangeScheduleView(LoginRequiredMixin, View):
    """The forward schedule of change: upcoming changes by day, in a table, filterable by
    council and service without JavaScript; and the person's calendar feed address."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not access_for(request.user).can(VIEW, ChangeRequest.area):
            raise PermissionDenied
        form = ChangeScheduleFilter(request.GET or None, user=request.user)
        rows = upcoming_changes(request.user)
        if form.is_bound and form.is_valid():
            council, service = form.cleaned_data.get("partner"), form.cleaned_data.get("service")
            if council is not None:
                rows = rows.filter(ChangeRequest.ownership_filter([council.pk]))
            if service is not None:
                rows = rows.filter(service=service)
        found = list(rows[: SCHEDULE_LIMIT + 1])
        shown = found[:SCHEDULE_LIMIT]
        overlaps = changes.overlaps_for(shown, request.user)
        days: dict[Any, list[Any]] = {}
        for change in shown:
            change.overlaps = overlaps.get(change.pk, [])
            days.setdefault(timezone.localtime(change.planned_start).date(), []).append(change)
        secret = request.session.pop("concord_feed_secret", None)
        today = timezone.localdate()
        freezes = freezes_between(request.user, today, today + datetime.timedelta(days=366))
        if form.is_bound and form.is_valid() and form.cleaned_data.get("partner") is not None:
            freezes = freezes.filter(
                ChangeFreeze.ownership_filter([form.cleaned_data["partner"].pk])
            )
        in_freezes = freezes_for(request.user, shown)
        for change in shown:
            change.freezes = in_freezes.get(change.pk, [])
        context = {
            "form": form if form.errors else None,
            "filter_form": form,
            "freezes": list(freezes[:SCHEDULE_LIMIT]),
            "days": sorted(days.items()),
            "count": len(shown),
            "more": len(found) > SCHEDULE_LIMIT,
            "list_url": reverse(ChangeRequest.url_name("list")),
            "has_feed": changes.has_feed(request.user),
            "feed_url": (
                request.build_absolute_uri(reverse("servicedesk:changerequest_feed", args=[secret]))
                if secret
                else None
            ),
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "servicedesk/change_schedule.html", context, status=status)


class ChangeFeedSecretView(LoginRequiredMixin, View):
    """Make (or remake) the person's calendar feed address; the old one stops working."""

    def post(self, request: HttpRequest) -> HttpResponse:
        if not access_for(request.user).can(VIEW, ChangeRequest.area):
            raise PermissionDenied
        request.session["concord_feed_secret"] = changes.new_feed_secret(request.user)
        messages.success(
            request,
            "Your calendar address is below. Copy it now: it is shown only once. Any address "
            "you had before no longer works.",
        )
        return HttpResponseRedirect(
            reverse("servicedesk:changerequest_forward_schedule") + "#calendar"
        )


class ChangeFeedView(View):
    """The forward schedule as an iCalendar feed, at the person's secret address: no session
    (a calendar client has none), the person's own view of the changes (the one visibility
    rule), 404 for an unknown or old secret and for anyone who can no longer sign in."""

    def get(self, request: HttpRequest, secret: str) -> HttpResponse:
        person = changes.feed_person(secret)
        if person is None or not access_for(person).can(VIEW, ChangeRequest.area):
            raise Http404
        body = calendar_feed(person, request)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = 'inline; filename="changes.ics"'
        return response


def calendar_feed(person: Any, request: HttpRequest) -> bytes:
    """`person`'s forward schedule of change (and the last 30 days) as iCalendar."""
    import datetime

    from django.conf import settings
    from icalendar import Calendar, Event

    since = timezone.now() - datetime.timedelta(days=30)
    rows = upcoming_changes(person, since)[:SCHEDULE_LIMIT]
    calendar = Calendar()
    calendar.add("prodid", "-//Concord//Forward schedule of change//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Forward schedule of change")
    stamp = timezone.now()
    base = getattr(settings, "CONCORD_BASE_URL", "") or request.build_absolute_uri("/").rstrip("/")
    for change in rows:
        event = Event()
        event.add("uid", f"{change.reference.lower()}@concord")
        event.add("dtstamp", stamp)
        event.add("last-modified", change.updated_at)
        event.add("dtstart", change.planned_start)
        event.add("dtend", change.planned_end)
        event.add("summary", f"{change.reference} {change.title}")
        event.add(
            "description",
            f"{change.kind_name} change\nService: {change.service.name}\n"
            f"Status: {change.get_status_display()}\nRisk: {change.get_risk_display()}, "
            f"impact: {change.get_impact_display()}\n\n{change.description}".strip(),
        )
        event.add(
            "status",
            "TENTATIVE" if change.status == ChangeStatus.AWAITING_APPROVAL else "CONFIRMED",
        )
        event.add("categories", [change.kind_name])
        event.add("url", f"{base}{change.get_absolute_url()}")
        calendar.add_component(event)
    return calendar.to_ical()


class ChangeScheduleFilter(ScopedForm):
    """The forward schedule's filters: a council it affects, a service."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(), required=False, label="Council"
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, label="Service"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        partner: Any = self.fields["partner"]
        partner.queryset = Partner.objects.visible_to(user).order_by("name")
        partner.error_messages["invalid_choice"] = "Choose a council from the list"
        service: Any = self.fields["service"]
        service.queryset = Service.objects.visible_to(user).order_by("name")
        service.error_messages["invalid_choice"] = "Choose a service from the list"
        # A filter: choosing nothing shows every one (not "None", as in an edit form).
        partner.empty_label, service.empty_label = "Any council", "Any service"


def change_action_urls() -> list[Any]:
    """The URLs of the actions on a change's page, the forward schedule and its feed."""
    prefix = ChangeRequestViews.prefix()
    views: tuple[type[ChangeAction], ...] = (
        ChangeSubmit,
        ChangeApprove,
        ChangeReject,
        ChangeSchedule,
        ChangeStart,
        ChangeComplete,
        ChangeFail,
        ChangeCancel,
        ChangeLinkTicket,
    )
    return [
        *(
            path(
                f"{prefix}/<int:pk>/{view.action}/",
                view.as_view(),
                name=f"changerequest_{view.action}",
            )
            for view in views
        ),
        path(
            f"{prefix}/schedule/",
            ChangeScheduleView.as_view(),
            name="changerequest_forward_schedule",
        ),
        path(
            f"{prefix}/schedule/calendar-address/",
            ChangeFeedSecretView.as_view(),
            name="changerequest_feed_secret",
        ),
        path(
            f"{prefix}/calendar/<str:secret>.ics",
            ChangeFeedView.as_view(),
            name="changerequest_feed",
        ),
    ]


def change_needs(user: Any) -> list[Need]:
    """The changes waiting for `user`'s decision on the home page: for a council's lead, those
    awaiting approval whose approval for one of their councils is still pending (counted among
    the approvals they may decide: ``visible_to``, so never another council's)."""
    access = access_for(user)
    councils = [
        pid
        for pid in access.roles_by_partner
        if "change" in access.council_actions(pid, "approvals")
    ]
    if not councils:
        return []
    waiting = (
        ChangeApproval.objects.visible_to(user, "change")
        .filter(
            partner_id__in=councils,
            decision=ApprovalDecision.PENDING,
            change__status=ChangeStatus.AWAITING_APPROVAL,
        )
        .values("change_id")
        .distinct()
        .count()
    )
    url = f"{reverse(ChangeRequest.url_name('list'))}?status={ChangeStatus.AWAITING_APPROVAL}"
    return [Need("Changes awaiting your approval", waiting, url, urgent=True)]
