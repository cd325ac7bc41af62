"""API endpoints of the service desk: tickets and every action on them, their replies and
notes, the desk's set-up, and working time (``GET /api/v1/working-time/``)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyModelViewSet
from core.tenancy.access import CHANGE, VIEW, access_for
from core.tenancy.choices import Nation
from core.tenancy.models import Partner
from core.workdays import MAX_WORKING_HOURS, NoWorkingTime, WorkingCalendar
from servicedesk import catalogue, changes, knowledge, mail_in, services, sla
from servicedesk.api.serializers import (
    ApprovalDecisionSerializer,
    AssignSerializer,
    CategorySerializer,
    ChangeApprovalSerializer,
    ChangeDecisionSerializer,
    ChangeOutcomeSerializer,
    ChangeRequestSerializer,
    ChangeScheduleSerializer,
    DecisionSerializer,
    FulfilmentTaskSerializer,
    InboundMailSerializer,
    KnowledgeArticleSerializer,
    LinkArticleSerializer,
    LinkTicketSerializer,
    MailDiscardSerializer,
    MailRaiseSerializer,
    MergeSerializer,
    PriorityRuleSerializer,
    ProblemSerializer,
    QueueMemberSerializer,
    QueueSerializer,
    RateSerializer,
    ReplySerializer,
    RequestItemSerializer,
    RequestSerializer,
    ResolveSerializer,
    RoutingRuleSerializer,
    ServiceCalendarSerializer,
    ServiceSerializer,
    SlaPolicySerializer,
    TicketCommentSerializer,
    TicketSerializer,
    WorkingTimeSerializer,
)
from servicedesk.choices import ApprovalDecision, Source
from servicedesk.filtersets import (
    CategoryFilterSet,
    ChangeApprovalFilterSet,
    ChangeRequestFilterSet,
    InboundMailFilterSet,
    KnowledgeArticleFilterSet,
    PriorityRuleFilterSet,
    ProblemFilterSet,
    QueueFilterSet,
    QueueMemberFilterSet,
    RequestItemFilterSet,
    RoutingRuleFilterSet,
    ServiceCalendarFilterSet,
    ServiceFilterSet,
    SlaPolicyFilterSet,
    TicketFilterSet,
)
from servicedesk.models import (
    Category,
    ChangeApproval,
    ChangeRequest,
    FulfilmentTask,
    InboundMail,
    KnowledgeArticle,
    PriorityRule,
    Problem,
    Queue,
    QueueMember,
    RequestItem,
    RoutingRule,
    Service,
    ServiceCalendar,
    SlaPolicy,
    Ticket,
    TicketComment,
)


def _as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(serializers.as_serializer_error(exc))


class TicketViewSet(ScopedModelViewSet):
    """Incidents and service requests (``kind``). A requester sees the tickets they raised or
    are the contact of; the council's lead and auditor every ticket of the council; the
    shared service all. The actions (``reply``, ``note``, ``assign``, ``resolve``, ``reopen``,
    ``close``, ``merge``, ``rate``) follow the desk's rules; each answers the ticket as it now
    is."""

    model = Ticket
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    ordering_fields = ("opened_at", "priority", "resolution_due", "status")
    # A requester reads their own tickets here; they follow them up with the actions.
    own_actions = frozenset({VIEW})

    def ticket_for(self, request: Request, pk: Any, what: str) -> Ticket:
        """The ticket in the URL (404 unless visible) if `what` is allowed on it (else 403)."""
        ticket = self.visible_record(pk)
        if not services.ticket_actions(request.user, ticket)[what]:
            raise PermissionDenied(f"You may not {what} this ticket.")
        return ticket

    def do(self, request: Request, pk: Any, what: str, form: Any, work: Any) -> Response:
        return self.run_action(request, self.ticket_for(request, pk, what), form, work)

    @extend_schema(request=ReplySerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: Any = None) -> Response:
        """A public reply (the requester sees it). The desk's first is its response."""
        return self.do(
            request, pk, "reply", ReplySerializer,
            lambda t, d: services.comment(
                t, request.user, d["body"], source="api", minutes_spent=d["minutes_spent"]
            ),
        )  # fmt: skip

    @extend_schema(request=ReplySerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: Any = None) -> Response:
        """An internal note: never shown to the requester."""
        return self.do(
            request, pk, "note", ReplySerializer,
            lambda t, d: services.comment(
                t, request.user, d["body"], public=False, source="api",
                minutes_spent=d["minutes_spent"],
            ),
        )  # fmt: skip

    @extend_schema(request=AssignSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: Any = None) -> Response:
        """Give the ticket to a person of the shared service (and, given one, a queue)."""
        return self.do(
            request, pk, "assign", AssignSerializer,
            lambda t, d: services.assign(t, d.get("assignee"), d.get("queue")),
        )  # fmt: skip

    @extend_schema(request=ResolveSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        """Resolve the ticket, saying how: each SLA clock met or missed."""
        return self.do(
            request, pk, "resolve", ResolveSerializer,
            lambda t, d: services.resolve(t, d["resolution"]),
        )  # fmt: skip

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        """Reopen a resolved ticket (its requester, or the desk)."""
        return self.do(request, pk, "reopen", None, lambda t, d: services.reopen(t))

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        """Close a resolved ticket for good."""
        return self.do(request, pk, "close", None, lambda t, d: services.close(t))

    @extend_schema(request=MergeSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None) -> Response:
        """Merge this ticket into another of the same council (``into``: its reference or
        id); this one is closed. Answers the ticket merged into."""
        ticket = self.ticket_for(request, pk, "merge")
        form = MergeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        into = self._find(request, form.validated_data["into"], ticket)
        if not services.ticket_actions(request.user, into)["merge"]:
            raise serializers.ValidationError({"into": ["Choose a ticket you may change"]})
        try:
            services.merge(ticket, into, request.user)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return self.answer(request, into)

    def _find(self, request: Request, text: str, ticket: Ticket) -> Ticket:
        visible = Ticket.objects.visible_to(request.user, CHANGE).filter(partner=ticket.partner)
        text = text.strip()
        found = (
            visible.filter(pk=int(text)).first()
            if text.isdigit() and int(text) <= 2**63 - 1
            else visible.filter(reference__iexact=text).first()
        )
        if found is None:
            raise serializers.ValidationError(
                {"into": [f"There is no ticket “{text[:30]}” of this council that you may change"]}
            )
        return found

    @extend_schema(request=RateSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: Any = None) -> Response:
        """The requester rates a resolved ticket, 1 to 5."""
        return self.do(
            request, pk, "rate", RateSerializer,
            lambda t, d: services.rate(t, request.user, d["satisfaction"], d.get("comment", "")),
        )  # fmt: skip

    @extend_schema(responses=TicketCommentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def comments(self, request: Request, pk: Any = None) -> Response:
        """The ticket's replies, and its notes to those who may read them, oldest first."""
        ticket = self.visible_record(pk)
        rows = (
            TicketComment.objects.visible_to(request.user)
            .filter(ticket=ticket)
            .select_related("ticket", "author")
            .order_by("created_at", "id")
        )
        return Response(TicketCommentSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(responses=KnowledgeArticleSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def articles(self, request: Request, pk: Any = None) -> Response:
        """The knowledge articles linked to the ticket that the reader may read."""
        ticket = self._visible_ticket(request, pk)
        return self._articles(request, ticket)

    @extend_schema(request=LinkArticleSerializer, responses=KnowledgeArticleSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="link-article")
    def link_article(self, request: Request, pk: Any = None) -> Response:
        """Link a published knowledge article for the ticket's council (``article``: its
        reference or id) to the ticket. Answers the ticket's linked articles."""
        ticket = self._visible_ticket(request, pk)
        if not knowledge.may_link(request.user, ticket):
            raise PermissionDenied("You may not link articles to this ticket.")
        form = LinkArticleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        text = form.validated_data["article"].strip()
        articles = KnowledgeArticle.objects.visible_to(request.user)
        article = (
            articles.filter(pk=int(text)).first()
            if text.isdigit() and int(text) <= 2**63 - 1
            else articles.filter(reference__iexact=text).first()
        )
        if article is None:
            raise serializers.ValidationError(
                {"article": [f"There is no knowledge article “{text[:30]}” that you may read"]}
            )
        try:
            with transaction.atomic():
                knowledge.link_article(ticket, article, by=request.user)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return self._articles(request, ticket)

    @extend_schema(request=DecisionSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """A lead of the request's council approves a catalogue request waiting for approval:
        its fulfilment tasks are made and the desk works on it."""
        return self._decide(request, pk, approve=True)

    @extend_schema(request=DecisionSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """A lead of the request's council rejects a catalogue request (``comment`` says why);
        it is resolved as not approved."""
        return self._decide(request, pk, approve=False)

    def _decide(self, request: Request, pk: Any, *, approve: bool) -> Response:
        ticket = self._visible_ticket(request, pk)
        if not catalogue.may_decide(request.user, ticket):
            raise PermissionDenied("You may not decide on this request.")
        form = DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            catalogue.decide(
                ticket,
                request.user,
                approve=approve,
                comment=form.validated_data.get("comment", ""),
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return self.answer(request, ticket)

    @extend_schema(responses=FulfilmentTaskSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def tasks(self, request: Request, pk: Any = None) -> Response:
        """A catalogue request's fulfilment tasks, in order."""
        ticket = self._visible_ticket(request, pk)
        return Response(FulfilmentTaskSerializer(self._tasks(request, ticket), many=True).data)

    @extend_schema(request=None, responses=FulfilmentTaskSerializer(many=True))
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task>[0-9]{1,18})/done")
    def task_done(self, request: Request, pk: Any = None, task: Any = None) -> Response:
        """Mark one of a request's fulfilment tasks done (those who work the request); the
        last one done resolves it. Answers the request's tasks."""
        ticket = self._visible_ticket(request, pk)
        found = (
            FulfilmentTask.objects.visible_to(request.user).filter(ticket=ticket, pk=task).first()
        )
        if found is None:
            raise NotFound()
        if not catalogue.may_work(request.user, ticket):
            raise PermissionDenied("You may not work on this request.")
        try:
            catalogue.complete_task(found, request.user)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return Response(FulfilmentTaskSerializer(self._tasks(request, ticket), many=True).data)

    def _tasks(self, request: Request, ticket: Ticket) -> list[FulfilmentTask]:
        return list(
            FulfilmentTask.objects.visible_to(request.user)
            .filter(ticket=ticket)
            .select_related("done_by")
            .order_by("position", "id")
        )

    def _visible_ticket(self, request: Request, pk: Any) -> Ticket:
        ticket: Ticket = self.visible_record(pk)
        return ticket

    def _articles(self, request: Request, ticket: Ticket) -> Response:
        rows = knowledge.articles_linked_to(ticket, request.user)
        serializer = KnowledgeArticleSerializer(rows, many=True, context={"request": request})
        return Response(serializer.data)


class RequestItemViewSet(ScopedModelViewSet):
    """The request catalogue: what council staff may ask for, offered to every council or
    chosen ones. The desk writes the items; a council's people see those offered to them and
    ask for one with ``POST .../request/``."""

    model = RequestItem
    serializer_class = RequestItemSerializer
    filterset_class = RequestItemFilterSet
    ordering_fields = ("name",)

    @extend_schema(request=RequestSerializer, responses={201: TicketSerializer})
    @action(detail=True, methods=["post"], url_path="request")
    def ask(self, request: Request, pk: Any = None) -> Response:
        """Ask for the item in a council (``partner``), with the answers to its questions;
        answers the request's ticket (kind ``request``; ``awaiting_approval`` when the item
        needs its council lead's approval)."""
        item = self.visible_record(pk)
        councils = catalogue.councils_to_ask_for(request.user, item)
        if not councils:
            raise PermissionDenied("You may not ask for this item.")
        form = RequestSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        partner = data["partner"]
        if partner.pk not in {p.pk for p in councils}:
            raise serializers.ValidationError(
                {"partner": [f"“{item.name}” is not offered to a council you may ask in here"]}
            )
        try:
            with transaction.atomic():
                ticket = catalogue.raise_request(
                    item,
                    partner=partner,
                    requester=data.get("requester") or request.user,
                    answers=data.get("answers") or {},
                    source=Source.API,
                )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        fresh = Ticket.objects.visible_to(request.user).get(pk=ticket.pk)
        body = TicketSerializer(fresh, context=self.get_serializer_context()).data
        return Response(body, status=201)


class KnowledgeArticleViewSet(ScopedModelViewSet):
    """The knowledge base: articles for every council or chosen ones. The desk writes and
    publishes them; a council's people read the published articles for their council."""

    model = KnowledgeArticle
    serializer_class = KnowledgeArticleSerializer
    filterset_class = KnowledgeArticleFilterSet
    ordering_fields = ("title", "published_at", "status")


class CategoryViewSet(ScopedModelViewSet):
    model = Category
    serializer_class = CategorySerializer
    filterset_class = CategoryFilterSet
    ordering_fields = ("name",)


class ServiceViewSet(ScopedModelViewSet):
    model = Service
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
    ordering_fields = ("name",)


class QueueViewSet(ScopedModelViewSet):
    model = Queue
    serializer_class = QueueSerializer
    filterset_class = QueueFilterSet
    ordering_fields = ("name",)


class QueueMemberViewSet(ScopedModelViewSet):
    model = QueueMember
    serializer_class = QueueMemberSerializer
    filterset_class = QueueMemberFilterSet


class RoutingRuleViewSet(ScopedModelViewSet):
    model = RoutingRule
    serializer_class = RoutingRuleSerializer
    filterset_class = RoutingRuleFilterSet
    ordering_fields = ("order", "name")


class PriorityRuleViewSet(ScopedModelViewSet):
    model = PriorityRule
    serializer_class = PriorityRuleSerializer
    filterset_class = PriorityRuleFilterSet


class SlaPolicyViewSet(ScopedModelViewSet):
    model = SlaPolicy
    serializer_class = SlaPolicySerializer
    filterset_class = SlaPolicyFilterSet
    ordering_fields = ("priority",)

    def perform_create(self, serializer: Any) -> None:
        serializer.save()
        services.recompute_open_tickets(serializer.instance.partner)

    def perform_update(self, serializer: Any) -> None:
        serializer.save()
        services.recompute_open_tickets(serializer.instance.partner)


class ProblemViewSet(ScopedModelViewSet):
    """Problems: the causes behind incidents, the shared service's own (its staff alone see
    them). Link an incident with the ticket's ``problem``."""

    model = Problem
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilterSet
    ordering_fields = ("opened_at", "priority", "status")


class InboundMailViewSet(ScopedModelViewSet):
    """The desk's inbound mail (its staff alone see it): every message email brought, and what
    came of it. Mail is never added here (it arrives); ``retry``, ``discard`` and
    ``raise-ticket`` act on one held or failed, and answer the mail as it now is."""

    model = InboundMail
    serializer_class = InboundMailSerializer
    filterset_class = InboundMailFilterSet
    ordering_fields = ("received_at", "state")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise PermissionDenied("Mail arrives by email: it is not added through the API.")

    def mail_for(self, request: Request, pk: Any) -> InboundMail:
        """The mail in the URL (404 unless visible), if the person works the mailbox (403)."""
        mail: InboundMail = self.visible_record(pk)
        if not self.scoped_queryset(CHANGE).filter(pk=mail.pk).exists():
            raise PermissionDenied("You may not act on inbound mail.")
        return mail

    @extend_schema(request=None, responses=InboundMailSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: Any = None) -> Response:
        """Work on a received, held or failed mail again."""
        mail = self.mail_for(request, pk)
        try:
            mail_in.retry(mail)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return self.answer(request, mail)

    @extend_schema(request=MailDiscardSerializer, responses=InboundMailSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: Any = None) -> Response:
        """Discard a held or failed mail (it is kept, marked discarded, with the note)."""
        mail = self.mail_for(request, pk)
        body = MailDiscardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                mail_in.discard(mail, body.validated_data.get("note", ""))
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return self.answer(request, mail)

    @extend_schema(request=MailRaiseSerializer, responses=InboundMailSerializer)
    @action(detail=True, methods=["post"], url_path="raise-ticket")
    def raise_ticket(self, request: Request, pk: Any = None) -> Response:
        """Raise a ticket from a held or failed mail, for one of a council's people."""
        mail = self.mail_for(request, pk)
        body = MailRaiseSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            mail_in.raise_for(mail, data["partner"], data["requester"], data.get("note", ""))
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return self.answer(request, mail)


class ServiceCalendarViewSet(ScopedModelViewSet):
    model = ServiceCalendar
    serializer_class = ServiceCalendarSerializer
    filterset_class = ServiceCalendarFilterSet

    def perform_create(self, serializer: Any) -> None:
        serializer.save()
        services.recompute_open_tickets(serializer.instance.partner)

    def perform_update(self, serializer: Any) -> None:
        serializer.save()
        services.recompute_open_tickets(serializer.instance.partner)


WORKING_TIME_PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.DATETIME, required=True, description="ISO 8601, with its offset."
    ),
    OpenApiParameter(
        "hours", OpenApiTypes.NUMBER, required=True, description="Working hours to add (0 or more)."
    ),
    OpenApiParameter("partner", OpenApiTypes.STR, description="A council's code: its calendar."),
    OpenApiParameter(
        "nation",
        OpenApiTypes.STR,
        enum=list(Nation.values),
        description="ENG, WLS, SCT or NIR: office hours there.",
    ),
]


class WorkingTimeView(APIView):
    """``GET /api/v1/working-time/?start=...&hours=...&partner=wcc`` (or ``nation=ENG``):
    the moment that many working hours after `start`, on the council's working calendar (its
    hours and its nation's bank holidays) or a nation's office hours."""

    @extend_schema(parameters=WORKING_TIME_PARAMETERS, responses=WorkingTimeSerializer)
    def get(self, request: Request) -> Response:
        errors: dict[str, list[str]] = {}
        start = _start(request.query_params.get("start", ""), errors)
        duration = _hours(request.query_params.get("hours", ""), errors)
        calendar = _calendar(request, errors)
        if errors:
            raise serializers.ValidationError(errors)
        assert start is not None and duration is not None and calendar is not None
        try:
            due = calendar.add(start, duration)
        except (NoWorkingTime, OverflowError):
            raise serializers.ValidationError(
                {"hours": ["No such moment: the calendar has no working time that far ahead"]}
            ) from None
        return Response(WorkingTimeSerializer({"due": due}).data)


def _start(text: str, errors: dict[str, list[str]]) -> datetime.datetime | None:
    try:
        start = parse_datetime(text.strip().replace(" ", "+")) if text else None
    except ValueError:
        start = None
    if start is None:
        errors["start"] = ["Give the start as an ISO 8601 date and time, like 2027-01-11T09:00:00Z"]
        return None
    if start.tzinfo is None:
        errors["start"] = ["Give the start with its offset (Z or +01:00)"]
        return None
    try:
        start.astimezone(datetime.UTC)
    except OverflowError:
        errors["start"] = ["Give a start between the years 1 and 9999"]
        return None
    if (
        not datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
        <= start
        <= datetime.datetime(9000, 1, 1, tzinfo=datetime.UTC)
    ):
        errors["start"] = ["Give a start between the years 1900 and 9000"]
        return None
    return start


def _hours(text: str, errors: dict[str, list[str]]) -> datetime.timedelta | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        errors["hours"] = ["Give the hours as a number, like 8 or 2.5"]
        return None
    if not value.is_finite() or value < 0 or value > MAX_WORKING_HOURS:
        errors["hours"] = [f"Give the hours as a number from 0 to {MAX_WORKING_HOURS}"]
        return None
    return sla.hours(value)


def _calendar(request: Request, errors: dict[str, list[str]]) -> WorkingCalendar | None:
    code = request.query_params.get("partner", "").strip()
    nation = request.query_params.get("nation", "").strip().upper()
    if bool(code) == bool(nation):
        errors["partner"] = ["Give either a council (partner) or a nation, not both"]
        return None
    if nation:
        if nation not in Nation.values:
            errors["nation"] = ["Give the nation as ENG, WLS, SCT or NIR"]
            return None
        return WorkingCalendar(nation=nation)
    partner = Partner.objects.visible_to(request.user).filter(code__iexact=code).first()
    if partner is None:
        errors["partner"] = [f"There is no council “{code[:30]}” that you may see"]
        return None
    return sla.calendar_for(partner)


class ChangeRequestViewSet(ScopedModelViewSet):
    """Change requests: the shared service's staff raise and work them; the lead of each
    council a change affects reads it and approves or rejects it for their council. Actions:
    ``submit``, ``approve``, ``reject``, ``schedule``, ``start``, ``complete``, ``fail``,
    ``cancel``; each answers the change as it now is. (``/api/v1/changes/`` is the change
    log.)"""

    model = ChangeRequest
    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilterSet
    ordering_fields = ("planned_start", "status")

    def change_for(self, request: Request, pk: Any, what: str) -> ChangeRequest:
        """The change in the URL (404 unless visible) if `what` is allowed on it (else 403)."""
        change: ChangeRequest = self.visible_record(pk)
        allowed = changes.change_actions(request.user, change)
        if not allowed[what]:
            if change.status not in changes.FROM[what] and self._may_ever(request, change, what):
                raise serializers.ValidationError(
                    {
                        "status": [
                            f"{change.reference} is {change.get_status_display().lower()}: "
                            f"you cannot {what} it now"
                        ]
                    }
                )
            raise PermissionDenied(f"You may not {what} this change.")
        return change

    @staticmethod
    def _may_ever(request: Request, change: ChangeRequest, what: str) -> bool:
        """Whether `what` would be the person's to do in another status (so that a refusal
        says the status is wrong rather than that they may not)."""
        access = access_for(request.user)
        if what in ("approve", "reject"):
            return (
                any(
                    CHANGE in access.council_actions(pid, "approvals")
                    for pid in change.owning_partner_ids()
                )
                or access.partner_ids(CHANGE, "approvals") is None
            )
        return access.can(CHANGE, ChangeRequest.area, change.owning_partner_ids())

    def do(self, request: Request, pk: Any, what: str, form: Any, work: Any) -> Response:
        return self.run_action(request, self.change_for(request, pk, what), form, work)

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        """Submit the change: a standard one is approved at once; a normal or emergency one
        asks the lead of every council it affects."""
        return self.do(request, pk, "submit", None, lambda c, d: changes.submit(c, request.user))

    def _decide(self, request: Request, pk: Any, what: str, decision: str) -> Response:
        def work(change: ChangeRequest, data: dict[str, Any]) -> None:
            partner = None
            code = (data.get("council") or "").strip()
            if code:
                mine = {
                    a.partner.code.lower(): a.partner
                    for a in changes.decidable(request.user, change)
                }
                partner = mine.get(code.lower())
                if partner is None:
                    raise serializers.ValidationError(
                        {
                            "council": [
                                f"You do not decide for a council “{code[:30]}” on this change"
                            ]
                        }
                    )
            changes.decide(change, request.user, decision, data.get("comment", ""), partner)

        return self.do(request, pk, what, ChangeDecisionSerializer, work)

    @extend_schema(request=ChangeDecisionSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """Approve the change for your council (``council``: its code, if you decide for
        several); for an emergency change, the service manager approves it for the service."""
        return self._decide(request, pk, "approve", ApprovalDecision.APPROVED)

    @extend_schema(request=ChangeDecisionSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """Reject the change for your council, saying why (``comment``): the change is
        rejected."""
        return self._decide(request, pk, "reject", ApprovalDecision.REJECTED)

    @extend_schema(request=ChangeScheduleSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: Any = None) -> Response:
        """Put an approved change on the schedule, with who carries it out."""
        return self.do(
            request, pk, "schedule", ChangeScheduleSerializer,
            lambda c, d: changes.schedule(c, d.get("implementer")),
        )  # fmt: skip

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: Any = None) -> Response:
        """The implementation has begun."""
        return self.do(request, pk, "start", None, lambda c, d: changes.start(c))

    @extend_schema(request=ChangeOutcomeSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        """The change is done (``outcome``: what happened, if worth saying)."""
        return self.do(
            request, pk, "complete", ChangeOutcomeSerializer,
            lambda c, d: changes.finish(c, True, d.get("outcome", "")),
        )  # fmt: skip

    @extend_schema(request=ChangeOutcomeSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, pk: Any = None) -> Response:
        """The change failed (``outcome``: what went wrong, required)."""
        return self.do(
            request, pk, "fail", ChangeOutcomeSerializer,
            lambda c, d: changes.finish(c, False, d.get("outcome", "")),
        )  # fmt: skip

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """The change will not happen."""
        return self.do(request, pk, "cancel", None, lambda c, d: changes.cancel(c))

    @extend_schema(responses=TicketSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def tickets(self, request: Request, pk: Any = None) -> Response:
        """The tickets linked to the change that the reader may see, most recent first (a
        ticket links to a change with its ``change``, or with ``link-ticket`` here)."""
        change: ChangeRequest = self.visible_record(pk)
        return self._tickets(request, change)

    @extend_schema(request=LinkTicketSerializer, responses=TicketSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="link-ticket")
    def link_ticket(self, request: Request, pk: Any = None) -> Response:
        """Link a ticket of a council the change affects (``ticket``: its reference or id;
        ``council``: its council's code when the reference is not enough) to the change, as
        its page does. Answers the change's tickets."""
        change: ChangeRequest = self.visible_record(pk)
        if not services.ticket_councils_for_change(request.user, change):
            raise PermissionDenied("You may not link tickets to this change.")
        form = LinkTicketSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            with transaction.atomic():
                ticket = services.find_ticket_for_change(
                    request.user, change, data["ticket"], data.get("council", "")
                )
                services.link_to_change(ticket, change)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return self._tickets(request, change)

    def _tickets(self, request: Request, change: ChangeRequest) -> Response:
        rows = list(
            services.tickets_of_change(change, request.user).select_related(
                "requester", "contact", "category", "service", "queue", "assignee", "change"
            )
        )
        serializer = TicketSerializer(rows, many=True, context={"request": request})
        return Response(serializer.data)


class ChangeApprovalViewSet(ScopedReadOnlyModelViewSet):
    """Change approvals: each affected council's decision on a change request, read by those
    who may read that council's approvals (its lead and auditor; the shared service's staff).
    Never written directly: a council's lead decides with ``approve`` or ``reject`` (a
    ``comment`` says why, required to reject), as on the change's page and through the same
    rules (servicedesk.changes.decide). ``?decision=pending&change_status=awaiting_approval``
    lists what waits for a decision."""

    model = ChangeApproval
    serializer_class = ChangeApprovalSerializer
    filterset_class = ChangeApprovalFilterSet
    ordering_fields = ("decision",)

    @extend_schema(request=ApprovalDecisionSerializer, responses=ChangeApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """Approve the change for the approval's council (its lead)."""
        return self._decide(request, pk, ApprovalDecision.APPROVED)

    @extend_schema(request=ApprovalDecisionSerializer, responses=ChangeApprovalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """Reject the change for the approval's council (its lead), saying why
        (``comment``): the change is rejected."""
        return self._decide(request, pk, ApprovalDecision.REJECTED)

    def _decide(self, request: Request, pk: Any, decision: str) -> Response:
        approval: ChangeApproval = self.visible_record(pk)
        if not changes.decides_for(request.user, approval):
            raise PermissionDenied("Only the lead of the approval's council decides it.")

        def work(found: ChangeApproval, data: dict[str, Any]) -> None:
            changes.decide_approval(found, request.user, decision, data.get("comment", ""))

        return self.run_action(request, approval, ApprovalDecisionSerializer, work)
