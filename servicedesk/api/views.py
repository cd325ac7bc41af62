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

from core.api.conditional import conditional_record_response
from core.api.viewsets import ScopedModelViewSet
from core.tenancy.access import CHANGE, VIEW
from core.tenancy.choices import Nation
from core.tenancy.models import Partner
from core.workdays import MAX_WORKING_HOURS, NoWorkingTime, WorkingCalendar
from servicedesk import mail_in, services, sla
from servicedesk.api.serializers import (
    AssignSerializer,
    CategorySerializer,
    InboundMailSerializer,
    MailDiscardSerializer,
    MailRaiseSerializer,
    MergeSerializer,
    PriorityRuleSerializer,
    ProblemSerializer,
    QueueMemberSerializer,
    QueueSerializer,
    RateSerializer,
    ReplySerializer,
    ResolveSerializer,
    RoutingRuleSerializer,
    ServiceCalendarSerializer,
    ServiceSerializer,
    SlaPolicySerializer,
    TicketCommentSerializer,
    TicketSerializer,
    WorkingTimeSerializer,
)
from servicedesk.filtersets import (
    CategoryFilterSet,
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
from servicedesk.models import (
    Category,
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
        if not str(pk).isdigit() or int(pk) > 2**63 - 1:
            raise NotFound()
        ticket = Ticket.objects.visible_to(request.user).filter(pk=int(pk)).first()
        if ticket is None:
            raise NotFound()
        if not services.ticket_actions(request.user, ticket)[what]:
            raise PermissionDenied(f"You may not {what} this ticket.")
        return ticket

    def answer(self, request: Request, ticket: Ticket) -> Response:
        fresh = self.scoped_queryset(VIEW).get(pk=ticket.pk)
        return conditional_record_response(request, fresh, self.get_serializer(fresh).data)

    def do(self, request: Request, pk: Any, what: str, form: Any, work: Any) -> Response:
        ticket = self.ticket_for(request, pk, what)
        data: dict[str, Any] = {}
        if form is not None:
            body = form(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            data = body.validated_data
        try:
            with transaction.atomic():
                work(ticket, data)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return self.answer(request, ticket)

    @extend_schema(request=ReplySerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: Any = None) -> Response:
        """A public reply (the requester sees it). The desk's first is its response."""
        return self.do(
            request, pk, "reply", ReplySerializer,
            lambda t, d: services.comment(t, request.user, d["body"], source="api"),
        )  # fmt: skip

    @extend_schema(request=ReplySerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: Any = None) -> Response:
        """An internal note: never shown to the requester."""
        return self.do(
            request, pk, "note", ReplySerializer,
            lambda t, d: services.comment(t, request.user, d["body"], public=False, source="api"),
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
        if not str(pk).isdigit() or int(pk) > 2**63 - 1:
            raise NotFound()
        ticket = Ticket.objects.visible_to(request.user).filter(pk=int(pk)).first()
        if ticket is None:
            raise NotFound()
        rows = (
            TicketComment.objects.visible_to(request.user)
            .filter(ticket=ticket)
            .select_related("ticket", "author")
            .order_by("created_at", "id")
        )
        return Response(TicketCommentSerializer(rows, many=True, context={"request": request}).data)


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
        if not str(pk).isdigit() or int(pk) > 2**63 - 1:
            raise NotFound()
        mail = InboundMail.objects.visible_to(request.user).filter(pk=int(pk)).first()
        if mail is None:
            raise NotFound()
        if not self.scoped_queryset(CHANGE).filter(pk=mail.pk).exists():
            raise PermissionDenied("You may not act on inbound mail.")
        return mail

    def answer(self, request: Request, mail: InboundMail) -> Response:
        fresh = self.scoped_queryset(VIEW).get(pk=mail.pk)
        return conditional_record_response(request, fresh, self.get_serializer(fresh).data)

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
