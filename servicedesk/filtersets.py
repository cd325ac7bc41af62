"""Filters of the service desk's lists, used by the pages and the API alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner
from servicedesk.choices import (
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


class TicketFilterSet(ConcordFilterSet):
    """The filters of ticket lists: the agent console's (council, status, priority, SLA state,
    queue, assignee) and the API's (``kind``: incident or request)."""

    search_fields = ("reference", "subject")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    kind = django_filters.ChoiceFilter(choices=TicketKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    sla_state = django_filters.MultipleChoiceFilter(choices=SlaState.choices, label="SLA")
    queue = ScopedModelChoiceFilter(queryset=scoped_choices(Queue))
    category = ScopedModelChoiceFilter(queryset=scoped_choices(Category))
    service = ScopedModelChoiceFilter(queryset=scoped_choices(Service))
    source = django_filters.ChoiceFilter(choices=Source.choices)
    problem = ScopedModelChoiceFilter(queryset=scoped_choices(Problem))

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
            "category",
            "service",
            "source",
            "problem",
        ]


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


class InboundMailFilterSet(ConcordFilterSet):
    """The filters of the desk's inbound mail: what came of each, how it came, whose it is."""

    search_fields = ("subject", "from_address", "message_id")
    state = django_filters.MultipleChoiceFilter(choices=MailState.choices)
    via = django_filters.ChoiceFilter(choices=MailVia.choices, label="Came by")
    council = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")

    class Meta:
        model = InboundMail
        fields = ["q", "state", "via", "council"]
