"""API serializers of the service desk: tickets (with their SLA: ``response_due``,
``resolution_due``, ``sla_state``), replies and notes, and the desk's set-up."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.models import ConfigurationItem
from core.api.fields import ScopedSlugRelatedField, request_user
from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.tenancy.access import ADD, access_for, people_visible_to, writable_partners
from core.tenancy.models import Partner, User
from servicedesk import changes, knowledge, services
from servicedesk.choices import (
    OPEN_STATUSES,
    ApprovalDecision,
    ChangeStatus,
    Source,
    TicketStatus,
)
from servicedesk.forms import desk_staff
from servicedesk.models import (
    Category,
    ChangeApproval,
    ChangeRequest,
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
from servicedesk.models.tickets import MAX_MINUTES_SPENT


def people(field: serializers.Field, user: Any) -> QuerySet[Any]:
    """A requester or contact: one of the people the person can see."""
    return people_visible_to(user).filter(is_active=True)


def staff(field: serializers.Field, user: Any) -> QuerySet[Any]:
    """An assignee: one of the shared service's people who work tickets."""
    return desk_staff()


def person_field(help_text: str, choices: Any = people, **kwargs: Any) -> ScopedSlugRelatedField:
    return ScopedSlugRelatedField(
        related_model=User,
        slug_field="username",
        choices_for=choices,
        help_text=help_text,
        **kwargs,
    )


TICKET_READ_ONLY = (
    "number",
    "reference",
    "priority",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "response_due",
    "resolution_due",
    "sla_state",
    "response_met",
    "resolution_met",
    "reopen_count",
    "satisfaction",
    "satisfaction_comment",
    "resolution",
)


class ProblemField(ScopedSlugRelatedField):
    """A ticket's problem, shown only to those who may read problems (the shared service's
    own): null for anyone else. Decided in the field, once per answer, so that a page of
    tickets is still written by the fast row plan (core.api.rows)."""

    def get_attribute(self, instance: Any) -> Any:
        if not hasattr(self, "_reader_sees_problems"):
            self._reader_sees_problems = access_for(request_user(self)).can("view", Problem.area)
        if not self._reader_sees_problems:
            return None
        return super().get_attribute(instance)


class ConfigurationItemField(ScopedSlugRelatedField):
    """A ticket's configuration item (the asset register's), by name: null for a reader who
    may not see that item. Decided in the field, the reader's view of each item asked once per
    answer, so that a page of tickets is still written by the fast row plan (core.api.rows)."""

    def get_attribute(self, instance: Any) -> Any:
        item_id = getattr(instance, "configuration_item_id", None)
        if item_id is None:
            return None
        if not hasattr(self, "_items_seen"):
            self._items_seen: dict[int, bool] = {}
        if item_id not in self._items_seen:
            visible = ConfigurationItem.objects.visible_to(request_user(self))
            self._items_seen[item_id] = visible.filter(pk=item_id).exists()
        if not self._items_seen[item_id]:
            return None
        return super().get_attribute(instance)


class ChangeField(ScopedSlugRelatedField):
    """A ticket's change request, named only to those who may see that change: null for
    anyone else. Decided in the field (a page's linked changes in one query, by
    `TicketSerializer.prepare_rows`), so that a page of tickets is still written by the fast
    row plan (core.api.rows)."""

    def get_attribute(self, instance: Any) -> Any:
        if instance.change_id is None:
            return None
        seen = getattr(instance, "_api_change_seen", None)
        if seen is None:
            seen = instance.change_id in visible_changes(request_user(self), {instance.change_id})
        if not seen:
            return None
        return super().get_attribute(instance)


def visible_changes(user: Any, ids: set[int]) -> list[int]:
    """Of the change requests `ids`, those `user` may see."""
    return list(
        ChangeRequest.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    )


class TicketSerializer(ScopedModelSerializer):
    """An incident or service request. Raised with `POST`; changed with `PATCH` (subject,
    description, category, service, contact, impact and urgency, queue and assignee, an open
    status) and with the ticket's actions (reply, note, assign, resolve, reopen, close,
    merge, rate). Its SLA: ``response_due`` and ``resolution_due`` (in working hours of the
    council's calendar) and ``sla_state`` (on_track, at_risk, breached, paused, met,
    missed)."""

    requester = person_field(
        "The person it is for (a username); by default whoever raises it.", required=False
    )
    contact = person_field("Someone else to keep informed.", required=False, allow_null=True)
    assignee = person_field(
        "The shared-service person working on it.", staff, required=False, allow_null=True
    )
    routed_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )
    merged_into: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    request_item: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="The request catalogue item it was asked for from (null: raised directly).",
    )
    answers = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The answers to the catalogue item's questions, by question.",
    )
    problem = ProblemField(
        related_model=Problem,
        slug_field="reference",
        required=False,
        allow_null=True,
        help_text="The problem behind an incident (PRB0001234): the shared service's staff "
        "link it; null for anyone who may not read problems.",
    )
    configuration_item = ConfigurationItemField(
        related_model=ConfigurationItem,
        slug_field="name",
        required=False,
        allow_null=True,
        help_text="The configuration item (service, application, server) the ticket is about, "
        "by name; null for anyone who may not see it.",
    )
    change = ChangeField(
        related_model=ChangeRequest,
        slug_field="reference",
        required=False,
        allow_null=True,
        help_text="The change request it is linked to (CHG0001234): one that affects the "
        "ticket's council, among those the writer may see; null for anyone who may not see "
        "the change. Its tickets: GET /api/v1/change-requests/<id>/tickets/.",
    )
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in TicketStatus],
        required=False,
        help_text="Set on a PATCH to move an open ticket to another open status; resolve, "
        "reopen and close with the ticket's actions.",
    )

    class Meta:
        model = Ticket
        fields = (
            "id",
            "reference",
            "number",
            "kind",
            "partner",
            "requester",
            "contact",
            "subject",
            "description",
            "category",
            "service",
            "queue",
            "assignee",
            "impact",
            "urgency",
            "priority",
            "status",
            "source",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "response_due",
            "resolution_due",
            "sla_state",
            "response_met",
            "resolution_met",
            "reopen_count",
            "satisfaction",
            "satisfaction_comment",
            "routed_by",
            "merged_into",
            "problem",
            "configuration_item",
            "change",
            "request_item",
            "answers",
            *BOOKKEEPING,
        )
        read_only_fields = TICKET_READ_ONLY

    def prepare_rows(self, rows: list[Any]) -> None:
        """Which of a page's linked changes the reader sees, in one query (none when no
        ticket of the page is linked to a change): `ChangeField` reads it."""
        super().prepare_rows(rows)
        ids = {row.change_id for row in rows if row.change_id}
        seen = set(visible_changes(request_user(self), ids)) if ids else set()
        for row in rows:
            row._api_change_seen = row.change_id in seen

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """A writer who reads no problems (or no change requests) reads the ticket's
        ``problem`` (``change``) as null: what they send back there links or unlinks nothing,
        so that a lead's PATCH of the ticket as they read it leaves the desk's links be."""
        attrs = super().validate(attrs)
        access = access_for(request_user(self))
        for name, model in (("problem", Problem), ("change", ChangeRequest)):
            if name in attrs and not access.can("view", model.area):
                attrs.pop(name)
        return attrs

    def validate_status(self, value: str) -> str:
        if value not in OPEN_STATUSES:
            raise serializers.ValidationError(
                "Resolve, reopen or close a ticket with its own action"
            )
        return value

    def create(self, validated_data: dict[str, Any]) -> Ticket:
        """Raise the ticket through the desk's rules (number, priority, queue, SLA clocks)."""
        user = request_user(self)
        data = dict(validated_data)
        data.pop("status", None)
        for name in ("queue", "assignee"):
            data.pop(name, None)
        try:
            ticket = services.raise_ticket(
                partner=data.pop("partner"),
                requester=data.pop("requester", None) or user,
                source=data.pop("source", Source.API),
                **data,
            )
            if validated_data.get("assignee") or validated_data.get("queue"):
                services.assign(ticket, validated_data.get("assignee"), validated_data.get("queue"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return ticket

    def update(self, instance: Ticket, validated_data: dict[str, Any]) -> Ticket:
        """Change the ticket through the desk's rules (re-target, assign, move)."""
        try:
            return services.change_ticket(instance, validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc


class TicketCommentSerializer(ScopedModelSerializer):
    """A reply (``public``) or an internal note on a ticket."""

    ticket: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True
    )
    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = TicketComment
        fields = (
            "id",
            "ticket",
            "author",
            "author_label",
            "body",
            "public",
            "source",
            *BOOKKEEPING,
        )
        read_only_fields = ("author_label", "source")


class ReplySerializer(serializers.Serializer):
    """A reply or a note: its text, and (the shared service's) minutes spent on the ticket."""

    body = serializers.CharField(help_text="The message.")
    minutes_spent = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=MAX_MINUTES_SPENT,
        help_text="The shared service's time on the ticket for it, in minutes.",
    )


class AssignSerializer(serializers.Serializer):
    """Who works the ticket, and in which queue."""

    assignee = person_field("A username, or null to unassign.", staff, allow_null=True)
    queue = ScopedSlugRelatedField(
        related_model=Queue, slug_field="name", required=False, allow_null=True
    )


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(help_text="How it was resolved (the requester sees it).")


class MergeSerializer(serializers.Serializer):
    into = serializers.CharField(help_text="The reference (or id) of the ticket to merge into.")


class RateSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class WorkingTimeSerializer(serializers.Serializer):
    """The moment `hours` working hours after `start`."""

    due = serializers.DateTimeField()


class CategorySerializer(ScopedModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "description", *BOOKKEEPING)


class ServiceSerializer(ScopedModelSerializer):
    class Meta:
        model = Service
        fields = ("id", "name", "description", *BOOKKEEPING)


class QueueSerializer(ScopedModelSerializer):
    class Meta:
        model = Queue
        fields = ("id", "name", "email", "description", *BOOKKEEPING)


class QueueMemberSerializer(ScopedModelSerializer):
    user = person_field("A username of the shared service's staff.", staff)

    class Meta:
        model = QueueMember
        fields = ("id", "queue", "user", *BOOKKEEPING)


class RoutingRuleSerializer(ScopedModelSerializer):
    class Meta:
        model = RoutingRule
        fields = (
            "id",
            "order",
            "name",
            "queue",
            "partner",
            "kind",
            "category",
            "service",
            "subject_words",
            "is_active",
            *BOOKKEEPING,
        )


class PriorityRuleSerializer(ScopedModelSerializer):
    class Meta:
        model = PriorityRule
        fields = ("id", "impact", "urgency", "priority", "note", *BOOKKEEPING)


class SlaPolicySerializer(ScopedModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = (
            "id",
            "partner",
            "priority",
            "name",
            "valid_from",
            "response_hours",
            "resolution_hours",
            "calendar",
            *BOOKKEEPING,
        )


class ServiceCalendarSerializer(ScopedModelSerializer):
    class Meta:
        model = ServiceCalendar
        fields = (
            "id",
            "partner",
            "name",
            "is_default",
            *(f"{day}_{edge}" for day in ServiceCalendar.DAYS for edge in ("opens", "closes")),
            "close_resolved_after",
            *BOOKKEEPING,
        )


class ProblemSerializer(ScopedModelSerializer):
    """A problem: the cause behind incidents (linked with the ticket's ``problem``). A known
    error says how to get round it (``workaround``); a resolved one why it happened
    (``root_cause``)."""

    service = ScopedSlugRelatedField(
        related_model=Service, slug_field="name", required=False, allow_null=True
    )
    category = ScopedSlugRelatedField(
        related_model=Category, slug_field="name", required=False, allow_null=True
    )
    assignee = person_field(
        "The shared-service person investigating it.", staff, required=False, allow_null=True
    )

    class Meta:
        model = Problem
        fields = (
            "id",
            "reference",
            "title",
            "description",
            "status",
            "priority",
            "service",
            "category",
            "assignee",
            "root_cause",
            "workaround",
            "opened_at",
            "resolved_at",
            *BOOKKEEPING,
        )
        read_only_fields = ("reference", "opened_at", "resolved_at")

    def create(self, validated_data: dict[str, Any]) -> Problem:
        data = dict(validated_data)
        status = data.pop("status", None)
        try:
            problem = services.raise_problem(**data)
            if status and status != problem.status:
                problem = services.change_problem(problem, {"status": status})
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return problem

    def update(self, instance: Problem, validated_data: dict[str, Any]) -> Problem:
        try:
            return services.change_problem(instance, validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc


class ChangeApprovalSummarySerializer(serializers.Serializer):
    """One affected council's decision on a change (only those the reader may see)."""

    council = serializers.CharField(source="partner.code", help_text="The council's code.")
    decision = serializers.ChoiceField(choices=ApprovalDecision.choices)
    decided_by = serializers.CharField(
        source="decided_by.username", allow_null=True, help_text="Who decided (a username)."
    )
    decided_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField(help_text="Why (a rejection always says).")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "council": instance.partner.code,
            "decision": instance.decision,
            "decided_by": instance.decided_by.username if instance.decided_by_id else None,
            "decided_at": serializers.DateTimeField().to_representation(instance.decided_at)
            if instance.decided_at
            else None,
            "comment": instance.comment,
        }


class ChangeRequestSerializer(ScopedModelSerializer):
    """A change request: raised as a draft with ``POST`` (the councils it affects in
    ``councils``, or ``for_all_councils``), changed with ``PATCH``, moved through its life with
    its actions (submit, approve, reject, schedule, start, complete, fail, cancel).
    ``approvals`` are the decisions of the councils the reader can see; ``overlaps`` the
    references of other changes to the same service whose windows overlap this one's, among
    those the reader can see: a warning, not a refusal."""

    service = ScopedSlugRelatedField(related_model=Service, slug_field="name")
    implementer = person_field(
        "The shared-service person who will carry it out (a username).",
        staff,
        required=False,
        allow_null=True,
    )
    requested_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    approved_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    problem = ScopedSlugRelatedField(
        related_model=Problem,
        slug_field="reference",
        required=False,
        allow_null=True,
        help_text="The problem it fixes (PRB0001234); null for anyone who may not read problems.",
    )
    approvals = serializers.SerializerMethodField()
    overlaps = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRequest
        fields = (
            "id",
            "reference",
            "title",
            "description",
            "kind",
            "risk",
            "impact",
            "service",
            "for_all_councils",
            "councils",
            "planned_start",
            "planned_end",
            "backout_plan",
            "status",
            "requested_by",
            "implementer",
            "problem",
            "submitted_at",
            "approved_at",
            "approved_by",
            "started_at",
            "finished_at",
            "outcome",
            "approvals",
            "overlaps",
            *BOOKKEEPING,
        )
        read_only_fields = (
            "reference",
            "status",
            "submitted_at",
            "approved_at",
            "started_at",
            "finished_at",
            "outcome",
        )

    def prepare_rows(self, rows: list[Any]) -> None:
        """The councils, the approvals the reader sees and the overlaps of a page of changes,
        in a query each."""
        super().prepare_rows(rows)
        user = request_user(self)
        by_change: dict[int, list[Any]] = {row.pk: [] for row in rows}
        if rows:
            for approval in (
                ChangeApproval.objects.visible_to(user)
                .filter(change_id__in=list(by_change))
                .select_related("partner", "decided_by")
                .order_by("partner__name")
            ):
                by_change[approval.change_id].append(approval)
        overlaps = changes.overlaps_for(rows, user)
        for row in rows:
            row._api_approvals = by_change[row.pk]
            row._api_overlaps = overlaps.get(row.pk, [])

    @extend_schema_field(ChangeApprovalSummarySerializer(many=True))
    def get_approvals(self, instance: ChangeRequest) -> list[dict[str, Any]]:
        rows = getattr(instance, "_api_approvals", None)
        if rows is None:
            rows = list(
                ChangeApproval.objects.visible_to(request_user(self))
                .filter(change=instance)
                .select_related("partner", "decided_by")
                .order_by("partner__name")
            )
        return [ChangeApprovalSummarySerializer(row).data for row in rows]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_overlaps(self, instance: ChangeRequest) -> list[str]:
        rows = getattr(instance, "_api_overlaps", None)
        if rows is None:
            rows = changes.overlapping(instance, request_user(self))
        return [row.reference for row in rows]

    def to_representation(self, instance: ChangeRequest) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not access_for(request_user(self)).can("view", Problem.area):
            data["problem"] = None  # problems are the shared service's own
        return data

    def create(self, validated_data: dict[str, Any]) -> ChangeRequest:
        """A new draft, numbered across the service; its requester is whoever raises it."""
        change = ChangeRequest()
        changes.number(change, request_user(self))
        validated_data.update(
            number=change.number,
            reference=change.reference,
            requested_by=change.requested_by,
            status=change.status,
        )
        return super().create(validated_data)

    def update(self, instance: ChangeRequest, validated_data: dict[str, Any]) -> ChangeRequest:
        """An edit, keeping the approvals in step (servicedesk.changes.after_edit)."""
        try:
            changes.check_editable(instance)
            before = changes.snapshot(instance)
            instance = super().update(instance, validated_data)
            return changes.after_edit(instance, before, request_user(self))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc


class ChangeDecisionSerializer(serializers.Serializer):
    """Approve or reject a change: for which council (its code; needed only by someone who
    decides for several), and why (required to reject)."""

    council = serializers.CharField(
        required=False, allow_blank=True, help_text="The council you decide for (its code)."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeApprovalSerializer(ScopedModelSerializer):
    """One affected council's decision on a change request: made by that council's lead with
    ``approve`` or ``reject`` here (or on the change, ``/change-requests/<id>/approve/``),
    never written directly."""

    change: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, help_text="The change request (CHG0001234)."
    )
    change_title = serializers.CharField(source="change.title", read_only=True)
    change_status = serializers.ChoiceField(
        source="change.status", choices=ChangeStatus.choices, read_only=True
    )
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who decided."
    )

    class Meta:
        model = ChangeApproval
        fields = (
            "id",
            "change",
            "change_title",
            "change_status",
            "partner",
            "decision",
            "decided_by",
            "decided_at",
            "comment",
            *BOOKKEEPING,
        )
        read_only_fields = ("partner", "decision", "decided_at", "comment")


class ApprovalDecisionSerializer(serializers.Serializer):
    """Why (required to reject)."""

    comment = serializers.CharField(required=False, allow_blank=True, default="")


class LinkTicketSerializer(serializers.Serializer):
    """The ticket to link to a change: its reference (or id) and, when tickets of several
    councils the writer works share the reference, whose it is."""

    ticket = serializers.CharField(
        max_length=30, help_text="The ticket's reference (INC0001234, REQ0001234) or id."
    )
    council = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text="The ticket's council (its code), if the reference is not enough.",
    )


class ChangeScheduleSerializer(serializers.Serializer):
    """Who carries out the change (by default its implementer already set)."""

    implementer = person_field("A username of the shared service's staff.", staff, required=False)


class ChangeOutcomeSerializer(serializers.Serializer):
    """What happened (required when it failed)."""

    outcome = serializers.CharField(required=False, allow_blank=True, default="")


class KnowledgeArticleSerializer(ScopedModelSerializer):
    """A knowledge article, for every council (``for_all_councils``) or those it names
    (``councils``). The desk writes them; a council's people read the published ones for their
    council. ``status`` moves draft → published → retired (a retired one back to draft)."""

    category = ScopedSlugRelatedField(
        related_model=Category, slug_field="name", required=False, allow_null=True
    )
    service = ScopedSlugRelatedField(
        related_model=Service, slug_field="name", required=False, allow_null=True
    )
    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Who wrote it."
    )

    class Meta:
        model = KnowledgeArticle
        fields = (
            "id",
            "reference",
            "title",
            "summary",
            "body",
            "keywords",
            "status",
            "category",
            "service",
            "review_on",
            "for_all_councils",
            "councils",
            "author",
            "published_at",
            "retired_at",
            *BOOKKEEPING,
        )
        read_only_fields = ("reference", "author", "published_at", "retired_at")

    def _save(self, article: KnowledgeArticle, data: dict[str, Any]) -> KnowledgeArticle:
        councils = data.pop("councils", None)
        for name, value in data.items():
            setattr(article, name, value)
        try:
            saved = knowledge.save_article(article, councils, by=request_user(self))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        saved._api_audience = None  # type: ignore[attr-defined]
        return saved

    def create(self, validated_data: dict[str, Any]) -> KnowledgeArticle:
        return self._save(KnowledgeArticle(), dict(validated_data))

    def update(self, instance: KnowledgeArticle, validated_data: dict[str, Any]) -> Any:
        data = dict(validated_data)
        if "for_all_councils" in data and "councils" not in data:
            data["councils"] = instance.audience()
        return self._save(instance, data)


class LinkArticleSerializer(serializers.Serializer):
    """The knowledge article to link to a ticket."""

    article = serializers.CharField(
        max_length=30, help_text="The article's reference (KB0000001) or id."
    )


class RequestItemSerializer(ScopedModelSerializer):
    """A request catalogue item, offered to every council (``for_all_councils``) or those it
    names (``councils``). ``questions``: one a line, ``label | kind | required | choice;
    choice`` (kinds: text, paragraph, choice, date, number, yesno, email); ``tasks``: the
    fulfilment tasks, one a line. Ask for one with ``POST .../request/``."""

    category = ScopedSlugRelatedField(
        related_model=Category, slug_field="name", required=False, allow_null=True
    )
    service = ScopedSlugRelatedField(
        related_model=Service, slug_field="name", required=False, allow_null=True
    )

    class Meta:
        model = RequestItem
        fields = (
            "id",
            "name",
            "description",
            "category",
            "service",
            "questions",
            "needs_approval",
            "tasks",
            "is_active",
            "for_all_councils",
            "councils",
            *BOOKKEEPING,
        )


class RequestSerializer(serializers.Serializer):
    """Ask for a catalogue item."""

    partner = ScopedSlugRelatedField(
        related_model=Partner,
        slug_field="code",
        help_text="The council it is asked for in (its code).",
    )
    requester = person_field(
        "The person it is for (a username); by default whoever asks.", required=False
    )
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="The answers to the item's questions, by question: "
        '{"Start date": "2027-01-04", "Laptop size": "13 inch"}.',
    )


class DecisionSerializer(serializers.Serializer):
    """A council lead's decision on a request waiting for approval."""

    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why (required to reject); the requester reads it.",
    )


class FulfilmentTaskSerializer(serializers.Serializer):
    """One of a request's fulfilment tasks."""

    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)
    done_by = serializers.CharField(
        source="done_by.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Who did it (a username).",
    )


class InboundMailSerializer(ScopedModelSerializer):
    """A mail the desk received: who sent it, what it was, and what came of it (``state``,
    ``reason``, the ``ticket`` it raised or replied on). Only the desk's ``note`` is written
    here; the actions (``retry``, ``discard``, ``raise-ticket``) act on one held or failed."""

    ticket = serializers.SerializerMethodField(help_text="The ticket's reference, if any.")
    person: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The username of the person matched."
    )
    council: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The code of the council it belongs to."
    )

    class Meta:
        model = InboundMail
        fields = (
            "id",
            "state",
            "reason",
            "via",
            "envelope_from",
            "recipients",
            "from_address",
            "subject",
            "message_id",
            "received_at",
            "size",
            "person",
            "council",
            "ticket",
            "attempts",
            "processed_at",
            "note",
            *BOOKKEEPING,
        )
        read_only_fields = (
            "state",
            "reason",
            "via",
            "envelope_from",
            "recipients",
            "from_address",
            "subject",
            "message_id",
            "received_at",
            "size",
            "attempts",
            "processed_at",
        )

    def get_ticket(self, obj: InboundMail) -> str | None:
        return obj.ticket.reference if obj.ticket_id is not None and obj.ticket else None


class MailDiscardSerializer(serializers.Serializer):
    """Why a held or failed mail is discarded."""

    note = serializers.CharField(required=False, allow_blank=True, default="")


def ticket_councils(field: serializers.Field, user: Any) -> QuerySet[Any]:
    """The councils the person may raise tickets in."""
    return writable_partners(user, ADD, Ticket.area)


class MailRaiseSerializer(serializers.Serializer):
    """Raise a ticket from a held mail: in which council, for whom."""

    partner = ScopedSlugRelatedField(
        related_model=Partner,
        slug_field="code",
        choices_for=ticket_councils,
        help_text="The council's code.",
    )
    requester = person_field("The username of the council's person it is for.")
    note = serializers.CharField(required=False, allow_blank=True, default="")
