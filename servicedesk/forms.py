"""Forms of the service desk's pages. Every dropdown is scoped (core.forms.ScopedModelForm):
a requester or contact is one of the people the person can see, an assignee one of the shared
service's staff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from core.forms import ScopedForm, ScopedModelForm, govukify
from core.tenancy.access import access_for, people_visible_to
from core.tenancy.choices import ServiceRole
from core.tenancy.models import Partner, User
from servicedesk.choices import OPEN_STATUSES, TicketStatus
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

#: The service roles whose people work tickets.
DESK_ROLES = (ServiceRole.AGENT, ServiceRole.RESOLVER, ServiceRole.MANAGER)


def desk_staff() -> QuerySet[Any]:
    """The shared service's people who work tickets: who may be assigned one."""
    return User.objects.filter(is_active=True, service_role__in=DESK_ROLES).order_by("username")


class TicketForm(ScopedModelForm):
    """Raise a ticket. A council's requester raises their own; a lead, or the shared service,
    may raise one for another of the council's people."""

    unscoped_choices = {"requester": "people", "contact": "people"}

    class Meta:
        model = Ticket
        fields = [
            "partner",
            "requester",
            "contact",
            "kind",
            "subject",
            "description",
            "impact",
            "urgency",
            "category",
            "service",
        ]
        labels = {"kind": "What is it?", "description": "What has happened, or what you need"}
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not self._raises_for_others(user):
            # A requester raises their own (core.forms.author_of makes them its requester).
            del self.fields["requester"]
        self.fields["contact"].required = False

    @staticmethod
    def _raises_for_others(user: Any) -> bool:
        access = access_for(user)
        return access.is_service_staff or bool(access.partner_ids("view", Ticket.area))

    def people(self, user: Any) -> QuerySet[Any]:
        return people_visible_to(user).filter(is_active=True).order_by("username")


class TicketUpdateForm(ScopedModelForm):
    """What the desk changes on a ticket: where it is, who has it, how urgent it is."""

    unscoped_choices = {"assignee": "staff", "contact": "people"}
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in TicketStatus if s in OPEN_STATUSES],
        help_text="Resolve, reopen or close a ticket with its own action.",
    )

    class Meta:
        model = Ticket
        fields = [
            "subject",
            "description",
            "queue",
            "assignee",
            "status",
            "impact",
            "urgency",
            "category",
            "service",
            "contact",
            "problem",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["contact"].required = False
        if not access_for(user).can("view", Problem.area) or (
            self.instance.pk and self.instance.kind != "incident"
        ):
            # Problems are the shared service's: a council's lead does not link them.
            del self.fields["problem"]

    def staff(self, user: Any) -> QuerySet[Any]:
        return desk_staff()

    def people(self, user: Any) -> QuerySet[Any]:
        return people_visible_to(user).filter(is_active=True).order_by("username")


class ReplyForm(ScopedForm):
    """A reply to a ticket or, for the desk, an internal note."""

    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 5}))
    public = forms.TypedChoiceField(
        label="Who sees it?",
        choices=[("true", "A reply the requester sees"), ("false", "An internal note")],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        initial="true",
    )

    def __init__(self, *args: Any, user: Any, notes: bool, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not notes:
            del self.fields["public"]
        govukify(self)


class ResolveForm(ScopedForm):
    """Resolve a ticket: how."""

    resolution = forms.CharField(
        label="How was it resolved?", widget=forms.Textarea(attrs={"rows": 4})
    )


RATINGS = [
    ("5", "5: excellent"),
    ("4", "4: good"),
    ("3", "3: fair"),
    ("2", "2: poor"),
    ("1", "1: very poor"),
]


class RateForm(ScopedForm):
    """The requester's rating of a resolved ticket."""

    satisfaction = forms.TypedChoiceField(
        label="How well was this handled?", choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Anything to add?", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CategoryForm(ScopedModelForm):
    class Meta:
        model = Category
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ServiceForm(ScopedModelForm):
    class Meta:
        model = Service
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class QueueForm(ScopedModelForm):
    class Meta:
        model = Queue
        fields = ["name", "email", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class QueueMemberForm(ScopedModelForm):
    unscoped_choices = {"user": "staff"}

    class Meta:
        model = QueueMember
        fields = ["queue", "user"]
        labels = {"user": "Person"}

    def staff(self, user: Any) -> QuerySet[Any]:
        return desk_staff()


class RoutingRuleForm(ScopedModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "order",
            "name",
            "queue",
            "partner",
            "kind",
            "category",
            "service",
            "subject_words",
            "is_active",
        ]


class PriorityRuleForm(ScopedModelForm):
    class Meta:
        model = PriorityRule
        fields = ["impact", "urgency", "priority", "note"]


class SlaPolicyForm(ScopedModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "partner",
            "priority",
            "name",
            "valid_from",
            "response_hours",
            "resolution_hours",
            "calendar",
        ]


class ServiceCalendarForm(ScopedModelForm):
    class Meta:
        model = ServiceCalendar
        fields = [
            "partner",
            "name",
            "is_default",
            *(f"{day}_{edge}" for day in ServiceCalendar.DAYS for edge in ("opens", "closes")),
            "close_resolved_after",
        ]


class ProblemForm(ScopedModelForm):
    """A problem: what is seen, what causes it, how to get round it."""

    unscoped_choices = {"assignee": "staff"}

    class Meta:
        model = Problem
        fields = [
            "title",
            "description",
            "status",
            "priority",
            "service",
            "category",
            "assignee",
            "root_cause",
            "workaround",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "root_cause": forms.Textarea(attrs={"rows": 4}),
            "workaround": forms.Textarea(attrs={"rows": 4}),
        }

    def staff(self, user: Any) -> QuerySet[Any]:
        return desk_staff()


class InboundMailForm(ScopedModelForm):
    """The desk's note on an inbound mail (what it decided, and why); everything else on the
    record is what the mail was and what came of it."""

    class Meta:
        model = InboundMail
        fields = ["note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}


class MailDiscardForm(ScopedForm):
    """Discard a held or failed mail: why."""

    why = forms.CharField(
        label="Why discard it?",
        required=False,
        help_text="For example: spam, or sent to the desk by mistake.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MailRaiseForm(ScopedForm):
    """Raise a ticket from a held mail, for one of a council's people: the council and the
    person the ticket is for (a sender with no account writing for someone who has one)."""

    scope_model = Ticket
    unscoped_choices = {"requester": "people"}

    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), label="Council")
    requester = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Who is it for?",
        help_text="The council's person the ticket is raised for.",
    )
    note = forms.CharField(
        label="Desk note",
        required=False,
        help_text="Why this person, for the record.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def people(self, user: Any) -> QuerySet[Any]:
        return people_visible_to(user).filter(is_active=True).order_by("username")
