"""Filters of the service desk's lists, used by the pages and the API alike."""

from __future__ import annotations

from typing import Any

import django_filters

from core.filtersets import (
    ConcordFilterSet,
    DateTimeFilter,
    ScopedModelChoiceFilter,
    scoped_choices,
)
from core.tenancy.models import Partner
from servicedesk.choices import (
    OPEN_SLA_STATES,
    OPEN_STATUS_LIST,
    ApprovalDecision,
    ArticleStatus,
    ChangeKind,
    ChangeLevel,
    ChangeStatus,
    MailState,
    MailVia,
    Priority,
    ProblemStatus,
    SlaState,
    Source,
    TicketKind,
    TicketStatus,
)
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
)


class CategoryFilterSet(ConcordFilterSet):
    search_fields = ("name", "description")

    class Meta:
        model = Category
        fields = ["q"]


class ServiceFilterSet(ConcordFilterSet):
    search_fields = ("name", "description")

    class Meta:
        model = Service
        fields = ["q"]


class QueueFilterSet(ConcordFilterSet):
    search_fields = ("name", "description", "email")

    class Meta:
        model = Queue
        fields = ["q"]


class QueueMemberFilterSet(ConcordFilterSet):
    search_fields = ("queue__name", "user__username", "user__first_name", "user__last_name")
    queue = ScopedModelChoiceFilter(queryset=scoped_choices(Queue))

    class Meta:
        model = QueueMember
        fields = ["q", "queue"]


class RoutingRuleFilterSet(ConcordFilterSet):
    search_fields = ("name", "subject_words")
    queue = ScopedModelChoiceFilter(queryset=scoped_choices(Queue))
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = RoutingRule
        fields = ["q", "queue", "is_active"]


class PriorityRuleFilterSet(ConcordFilterSet):
    search_fields = ("note",)

    class Meta:
        model = PriorityRule
        fields = ["q", "impact", "urgency", "priority"]


class SlaPolicyFilterSet(ConcordFilterSet):
    search_fields = ("name",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    priority = django_filters.ChoiceFilter(choices=Priority.choices)

    class Meta:
        model = SlaPolicy
        fields = ["q", "partner", "priority"]


class ServiceCalendarFilterSet(ConcordFilterSet):
    search_fields = ("name",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))

    class Meta:
        model = ServiceCalendar
        fields = ["q", "partner"]


def assignee_choices() -> list[tuple[str, str]]:
    """Whom a ticket list may be narrowed to: me, nobody, or one of the desk's people."""
    from servicedesk.forms import desk_staff

    staff = [
        (u.username, u.display_name)
        for u in desk_staff().only("username", "first_name", "last_name")
    ]
    return [("me", "Me"), ("nobody", "Nobody"), *staff]


class AssigneeField(django_filters.fields.ChoiceField):
    """The assignee filter's field: "me" and "nobody" are choices as they are, and a person's
    username is looked up alone. Listing the desk's people to check one value took a tenth of
    an agent's queue request; the list is still what the filter's dropdown offers."""

    def valid_value(self, value: Any) -> bool:
        from servicedesk.forms import desk_staff

        text = str(value)
        if text in ("me", "nobody"):
            return True
        return "\x00" not in text and desk_staff().filter(username=text).exists()


class AssigneeFilter(django_filters.ChoiceFilter):
    field_class = AssigneeField


class TicketFilterSet(ConcordFilterSet):
    """The filters of ticket lists: the agent console's (council, status, priority, SLA state,
    queue, assignee) and the API's (``kind``: incident or request)."""

    search_fields = ("reference", "subject")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    kind = django_filters.ChoiceFilter(choices=TicketKind.choices)
    status = django_filters.MultipleChoiceFilter(
        choices=TicketStatus.choices, method="filter_status"
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    sla_state = django_filters.MultipleChoiceFilter(
        choices=SlaState.choices, label="SLA", method="filter_sla_state"
    )
    queue = ScopedModelChoiceFilter(queryset=scoped_choices(Queue))
    category = ScopedModelChoiceFilter(queryset=scoped_choices(Category))
    service = ScopedModelChoiceFilter(queryset=scoped_choices(Service))
    source = django_filters.ChoiceFilter(choices=Source.choices)
    problem = ScopedModelChoiceFilter(queryset=scoped_choices(Problem))
    change = ScopedModelChoiceFilter(queryset=scoped_choices(ChangeRequest), label="Change request")
    assignee = AssigneeFilter(
        choices=assignee_choices, method="filter_assignee", label="Assigned to"
    )
    my_queues = django_filters.BooleanFilter(
        method="filter_my_queues",
        label="In my queues",
        help_text="Only tickets in the queues you work.",
    )

    class Meta:
        model = Ticket
        fields = [
            "q",
            "partner",
            "kind",
            "status",
            "priority",
            "sla_state",
            "queue",
            "my_queues",
            "assignee",
            "category",
            "service",
            "source",
            "problem",
            "change",
        ]

    def filter_status(self, queryset: Any, name: str, value: list[str]) -> Any:
        """The chosen statuses, written in one fixed order: every open status is then said
        as the open tickets' partial indexes say it (Ticket.Meta.indexes), and the database
        reads the few open tickets there instead of the whole history (SQLite matches the
        condition as written; PostgreSQL also proves a part of it)."""
        chosen = sorted(set(value or ()))
        return queryset.filter(status__fixed_in=chosen) if chosen else queryset

    def filter_sla_state(self, queryset: Any, name: str, value: list[str]) -> Any:
        """The chosen SLA states. On track, at risk, breached and paused are states of open
        tickets only: asking for those alone also says "open", so that the database looks
        among the open tickets' partial indexes rather than the whole history."""
        chosen = sorted(set(value or ()))
        if not chosen:
            return queryset
        if OPEN_SLA_STATES.issuperset(chosen):
            queryset = queryset.filter(status__fixed_in=OPEN_STATUS_LIST)
        return queryset.filter(sla_state__fixed_in=chosen)

    def filter_assignee(self, queryset: Any, name: str, value: str) -> Any:
        user = getattr(self.request, "user", None)
        if value == "me":
            return queryset.filter(assignee_id=getattr(user, "pk", None))
        if value == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value) if value else queryset

    def filter_my_queues(self, queryset: Any, name: str, value: bool | None) -> Any:
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        mine = QueueMember.objects.unscoped("the queues a person works").filter(
            user_id=getattr(user, "pk", None)
        )
        return queryset.filter(queue_id__in=mine.values("queue_id"))


class ProblemFilterSet(ConcordFilterSet):
    """The filters of problem lists: status, priority, service, category, who has it."""

    search_fields = ("reference", "title", "workaround")
    status = django_filters.MultipleChoiceFilter(choices=ProblemStatus.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    service = ScopedModelChoiceFilter(queryset=scoped_choices(Service))
    category = ScopedModelChoiceFilter(queryset=scoped_choices(Category))

    class Meta:
        model = Problem
        fields = ["q", "status", "priority", "service", "category"]


class ChangeApprovalFilterSet(ConcordFilterSet):
    """The filters of the change approvals list (API): the council, the decision, the
    change's reference and status (``change_status=awaiting_approval&decision=pending``: what
    waits for a decision)."""

    search_fields = ("change__reference", "change__title", "comment")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    decision = django_filters.MultipleChoiceFilter(choices=ApprovalDecision.choices)
    change = ScopedModelChoiceFilter(queryset=scoped_choices(ChangeRequest), label="Change request")
    change_status = django_filters.MultipleChoiceFilter(
        field_name="change__status", choices=ChangeStatus.choices, label="Change status"
    )

    class Meta:
        model = ChangeApproval
        fields = ["q", "partner", "decision", "change", "change_status"]


class ChangeRequestFilterSet(ConcordFilterSet):
    """The filters of change request lists (and the forward schedule): status, kind, risk,
    service, a council it affects, when its window opens."""

    search_fields = ("reference", "title")
    status = django_filters.MultipleChoiceFilter(choices=ChangeStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=ChangeKind.choices)
    risk = django_filters.MultipleChoiceFilter(choices=ChangeLevel.choices)
    service = ScopedModelChoiceFilter(queryset=scoped_choices(Service))
    partner = ScopedModelChoiceFilter(
        queryset=scoped_choices(Partner), label="Council", method="filter_council"
    )
    starts_from = DateTimeFilter(field_name="planned_start", lookup_expr="gte", label="Starts from")
    starts_before = DateTimeFilter(
        field_name="planned_start", lookup_expr="lt", label="Starts before"
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "q",
            "status",
            "kind",
            "risk",
            "service",
            "partner",
            "starts_from",
            "starts_before",
        ]

    def filter_council(self, queryset: Any, name: str, value: Any) -> Any:
        """The changes that affect the council (those for every council too)."""
        if value is None:
            return queryset
        return queryset.filter(ChangeRequest.ownership_filter([value.pk]))


class KnowledgeArticleFilterSet(ConcordFilterSet):
    """The filters of the knowledge base: words, state, category, service, and the council an
    article is for (those for every council included)."""

    search_fields = ("reference", "title", "summary", "keywords")
    status = django_filters.MultipleChoiceFilter(choices=ArticleStatus.choices)
    category = ScopedModelChoiceFilter(queryset=scoped_choices(Category))
    service = ScopedModelChoiceFilter(queryset=scoped_choices(Service))
    council = ScopedModelChoiceFilter(
        queryset=scoped_choices(Partner), label="Council", method="filter_council"
    )

    class Meta:
        model = KnowledgeArticle
        fields = ["q", "status", "category", "service", "council"]

    def filter_council(self, queryset: Any, name: str, value: Any) -> Any:
        if value is None:
            return queryset
        return queryset.filter(KnowledgeArticle.ownership_filter([value.pk]))


class RequestItemFilterSet(ConcordFilterSet):
    """The filters of the request catalogue: words, category, service, whether it needs
    approval, and the council it is offered to (those for every council included)."""

    search_fields = ("name", "description")
    category = ScopedModelChoiceFilter(queryset=scoped_choices(Category))
    service = ScopedModelChoiceFilter(queryset=scoped_choices(Service))
    needs_approval = django_filters.BooleanFilter(label="Needs approval")
    council = ScopedModelChoiceFilter(
        queryset=scoped_choices(Partner), label="Council", method="filter_council"
    )

    class Meta:
        model = RequestItem
        fields = ["q", "category", "service", "needs_approval", "council"]

    def filter_council(self, queryset: Any, name: str, value: Any) -> Any:
        if value is None:
            return queryset
        return queryset.filter(RequestItem.ownership_filter([value.pk]))


class InboundMailFilterSet(ConcordFilterSet):
    """The filters of the desk's inbound mail: what came of each, how it came, whose it is."""

    search_fields = ("subject", "from_address", "message_id")
    state = django_filters.MultipleChoiceFilter(choices=MailState.choices)
    via = django_filters.ChoiceFilter(choices=MailVia.choices, label="Came by")
    council = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")

    class Meta:
        model = InboundMail
        fields = ["q", "state", "via", "council"]
