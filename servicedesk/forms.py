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
from core.tenancy.models import User
from servicedesk.choices import OPEN_STATUSES, TicketStatus
from servicedesk.models import (
    Category,
    ChangeRequest,
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


class ChangeRequestForm(ScopedModelForm):
    """A change request: what, to which service, for which councils, when, and how to undo it.
    The councils it affects are chosen below (core.forms.AudienceMixin)."""

    unscoped_choices = {"implementer": "staff"}

    class Meta:
        model = ChangeRequest
        fields = [
            "title",
            "description",
            "kind",
            "risk",
            "impact",
            "service",
            "planned_start",
            "planned_end",
            "backout_plan",
            "implementer",
            "problem",
            "for_all_councils",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "backout_plan": forms.Textarea(attrs={"rows": 4}),
            "kind": forms.RadioSelect,
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in ("planned_start", "planned_end"):
            self.fields[name].help_text += " For example, 2027-03-14 19:00."
        if not access_for(user).can("view", Problem.area):
            del self.fields["problem"]

    def staff(self, user: Any) -> QuerySet[Any]:
        return desk_staff()


class ChangeDecisionForm(ScopedForm):
    """Approve or reject a change: for which council (when the person decides for several),
    and why."""

    council = forms.ChoiceField(label="For which council?", required=False)
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to reject: say why.",
    )

    def __init__(self, *args: Any, user: Any, councils: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.councils = {str(p.pk): p for p in councils}
        if len(councils) > 1:
            field: Any = self.fields["council"]
            field.choices = [(str(p.pk), p.name) for p in councils]
            field.required = True
            field.error_messages["required"] = "Choose the council you decide for"
            field.error_messages["invalid_choice"] = "Choose the council you decide for"
        else:
            del self.fields["council"]

    def clean_council(self) -> Any:
        return self.councils.get(self.cleaned_data.get("council") or "")


class ChangeScheduleForm(ScopedForm):
    """Who carries out an approved change."""

    unscoped_choices = {"implementer": "staff"}
    implementer = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Who will carry it out?",
        error_messages={"invalid_choice": "Choose someone from the list"},
    )

    def __init__(self, *args: Any, user: Any, change: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["implementer"].initial = change.implementer_id

    def staff(self, user: Any) -> QuerySet[Any]:
        return desk_staff()


class ChangeOutcomeForm(ScopedForm):
    """What happened: required when a change failed."""

    outcome = forms.CharField(
        label="What happened?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
