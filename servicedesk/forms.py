"""Forms of the service desk's pages. Every dropdown is scoped (core.forms.ScopedModelForm):
a requester or contact is one of the people the person can see, an assignee one of the shared
service's staff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from core.forms import ScopedForm, ScopedModelForm, govukify
from core.tenancy.access import access_for, people_visible_to
from core.tenancy.choices import ServiceRole
from core.tenancy.models import Partner, User
from servicedesk.choices import OPEN_STATUSES, TicketStatus
from servicedesk.models import (
    Category,
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
from servicedesk.models.tickets import MAX_MINUTES_SPENT

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
        choices=[
            (s.value, s.label)
            for s in TicketStatus
            if s in OPEN_STATUSES and s != TicketStatus.AWAITING_APPROVAL
        ],
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
            "configuration_item",
            "change",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["contact"].required = False
        self.fields["configuration_item"].widget.attrs["data-concord-autocomplete"] = "true"
        if self.instance.status == TicketStatus.AWAITING_APPROVAL:
            # Only its council lead's decision moves a request waiting for approval.
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)
            status.choices = [(TicketStatus.AWAITING_APPROVAL, "Awaiting approval")]
        if not access_for(user).can("view", Problem.area) or (
            self.instance.pk and self.instance.kind != "incident"
        ):
            # Problems are the shared service's: a council's lead does not link them.
            del self.fields["problem"]
        if not access_for(user).can("view", ChangeRequest.area):
            # A requester reads no change requests, so links none (the choices are scoped
            # to the changes the person sees).
            del self.fields["change"]

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

    minutes_spent = forms.IntegerField(
        label="Minutes spent",
        required=False,
        min_value=0,
        max_value=MAX_MINUTES_SPENT,
        help_text="Your time on the ticket for this reply or note, in minutes.",
    )

    def __init__(self, *args: Any, user: Any, notes: bool, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not notes:
            del self.fields["public"]
        if not access_for(user).is_service_staff:
            # Time spent is the shared service's own record (finance's staff time driver).
            del self.fields["minutes_spent"]
        govukify(self)
        if "minutes_spent" in self.fields:
            self.fields["minutes_spent"].widget.attrs["class"] += " govuk-input--width-5"


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


class KnowledgeArticleForm(ScopedModelForm):
    """A knowledge article: what it says, who it is for (the councils' checkboxes come with
    core.forms.AudienceMixin), and whether it is published."""

    class Meta:
        model = KnowledgeArticle
        fields = [
            "title",
            "summary",
            "body",
            "keywords",
            "category",
            "service",
            "status",
            "review_on",
            "for_all_councils",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}


class LinkArticleForm(ScopedForm):
    """Link a published knowledge article to a ticket."""

    article = forms.ModelChoiceField(
        queryset=KnowledgeArticle.objects.none(),
        label="Knowledge article",
        help_text="A published article for the ticket's council.",
        error_messages={
            "required": "Choose the knowledge article to link",
            "invalid_choice": "Choose a published article from the list",
        },
    )

    def __init__(self, *args: Any, user: Any, ticket: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        choices = self.fields["article"]
        assert isinstance(choices, forms.ModelChoiceField)
        articles = KnowledgeArticle.objects.visible_to(user).filter(status="published")
        if ticket is not None:
            articles = articles.filter(
                KnowledgeArticle.ownership_filter([ticket.partner_id]) or Q()
            )
        choices.queryset = articles.order_by("title")


class RequestItemForm(ScopedModelForm):
    """A request catalogue item: what may be asked for, its questions, whether a council lead
    approves it, the tasks that fulfil it, and the councils it is offered to."""

    class Meta:
        model = RequestItem
        fields = [
            "name",
            "description",
            "category",
            "service",
            "questions",
            "needs_approval",
            "tasks",
            "is_active",
            "for_all_councils",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "questions": forms.Textarea(attrs={"rows": 6}),
            "tasks": forms.Textarea(attrs={"rows": 4}),
        }


class RequestForm(ScopedForm):
    """Ask for a catalogue item: the council (where the person may raise tickets and the item
    is offered), for whom (a lead or the desk may ask for one of the council's people), and
    the item's own questions (servicedesk.catalogue.question_fields)."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        label="Council",
        error_messages={
            "required": "Choose the council",
            "invalid_choice": "Choose a council from the list",
        },
    )
    requester = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Who is it for?",
        required=False,
        help_text="Leave it empty if it is for you.",
        error_messages={"invalid_choice": "Choose one of the council's people"},
    )
    unscoped_choices = {"requester": "people"}

    def __init__(self, *args: Any, user: Any, item: Any, **kwargs: Any) -> None:
        from servicedesk.catalogue import councils_to_ask_for, question_fields

        super().__init__(*args, user=user, **kwargs)
        councils = councils_to_ask_for(user, item)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ModelChoiceField)
        partner.queryset = Partner.objects.unscoped("the councils offered the item").filter(
            pk__in=[p.pk for p in councils]
        )
        if len(councils) == 1:
            self.initial.setdefault("partner", councils[0].pk)
        if not TicketForm._raises_for_others(user):
            del self.fields["requester"]
        self.question_names: list[tuple[str, str]] = []
        for name, field in question_fields(item).items():
            key = f"answer_{len(self.question_names) + 1}"
            self.fields[key] = field
            self.question_names.append((key, name))
        govukify(self)

    def people(self, user: Any) -> QuerySet[Any]:
        return people_visible_to(user).filter(is_active=True).order_by("username")

    def answers(self) -> dict[str, Any]:
        """The answers by question, as `servicedesk.catalogue.clean_answers` takes them."""
        return {
            name: self.data.get(key) if key in self.data else None
            for key, name in self.question_names
        }


class DecisionForm(ScopedForm):
    """A council lead's decision on a request waiting for approval."""

    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Say why, if you reject it; the requester reads it.",
    )


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


class ChangeLinkTicketForm(ScopedForm):
    """Link a ticket to a change: its reference and, when the person works the tickets of
    several councils the change affects, whose it is."""

    ticket = forms.CharField(
        label="Ticket reference",
        max_length=20,
        help_text="An incident or request of a council the change affects, like INC0001234.",
        error_messages={"required": "Give the ticket's reference, like INC0001234"},
    )
    council = forms.ChoiceField(label="Which council's ticket?", required=False)

    def __init__(self, *args: Any, user: Any, councils: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["ticket"].widget.attrs.update({"class": "govuk-input--width-10"})
        if len(councils) > 1:
            field: Any = self.fields["council"]
            field.choices = [("", "Choose a council"), *((p.code, p.name) for p in councils)]
            field.required = True
            field.error_messages["required"] = "Choose the council whose ticket it is"
            field.error_messages["invalid_choice"] = "Choose the council whose ticket it is"
        else:
            del self.fields["council"]


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
