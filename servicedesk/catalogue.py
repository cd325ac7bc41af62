"""The request catalogue's rules, for pages, the API and email alike: an item's questions (and
the form that asks them), making a request from an item, the council lead's approval (in the
app or from a signed link that expires), and the fulfilment tasks an approved request becomes.

- **Questions** are written one a line, ``label | kind | required | choice; choice``, and read
  by `parse_questions`, which names the line of any mistake. `question_fields` turns them into
  form fields with the text rule and plain messages, so the page and the API check answers the
  same way (`clean_answers`).
- **A request** (`raise_request`) is a ticket of kind "request" in the requester's council,
  whose subject is the item's name and whose description lists the answers; the item and the
  answers are kept on it. Only an active item offered to the council can be asked for.
- **Approval**: an item that needs it puts the request in "awaiting approval", its clocks
  stopped, and emails the council's leads (`notifications`, event ``request_approval``), each
  with their own link. Only a lead of the request's council decides (`may_decide`); a
  rejection says why and resolves the request; an approval starts the clocks again and creates
  the fulfilment tasks.
- **Fulfilment**: the item's tasks, one per line, become `FulfilmentTask`s; when the last is
  done the request is resolved.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.tenancy.access import ADD, access_for
from core.tenancy.choices import CouncilRole
from core.tenancy.validators import TextRule
from servicedesk import notifications, services, sla
from servicedesk.choices import Decision, FieldKind, Source, TicketKind, TicketStatus
from servicedesk.models import FulfilmentTask, RequestApproval, RequestItem, Ticket

#: The most questions one item may ask.
MAX_QUESTIONS = 30
#: What signs the approval links (so that a link made for one purpose serves no other).
APPROVAL_SALT = "servicedesk.request-approval"


@dataclass(frozen=True)
class Question:
    """One question of a catalogue item's form."""

    label: str
    kind: str
    required: bool
    choices: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The form field's name: the label, which is unique within an item."""
        return self.label


def parse_questions(text: str) -> list[Question]:
    """An item's questions from their lines; a ValidationError on ``questions`` naming the
    line and what is wrong with it."""
    questions: list[Question] = []
    seen: set[str] = set()
    kinds = {k.value for k in FieldKind}
    lines = [(n, line) for n, line in enumerate((text or "").splitlines(), 1) if line.strip()]
    if len(lines) > MAX_QUESTIONS:
        raise ValidationError({"questions": f"Ask at most {MAX_QUESTIONS} questions"})
    for number, line in lines:
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 4:
            raise _line_error(number, "has more than four parts separated by “|”")
        label = parts[0]
        kind = (parts[1] if len(parts) > 1 else FieldKind.TEXT).lower() or FieldKind.TEXT
        need = (parts[2] if len(parts) > 2 else "optional").lower() or "optional"
        choices = (
            tuple(c.strip() for c in parts[3].split(";") if c.strip()) if len(parts) > 3 else ()
        )
        if not label:
            raise _line_error(number, "has no question before the first “|”")
        if len(label) > 100:
            raise _line_error(number, "has a question longer than 100 characters")
        if label.lower() in seen:
            raise _line_error(number, f"asks “{label}” a second time")
        if kind not in kinds:
            raise _line_error(
                number, f"has the kind “{kind[:20]}”: use one of {', '.join(sorted(kinds))}"
            )
        if need not in ("required", "optional"):
            raise _line_error(number, f"says “{need[:20]}”: write required or optional")
        if kind == FieldKind.CHOICE and len(choices) < 2:
            raise _line_error(number, "is a choice: give at least two choices after a “|”")
        if kind != FieldKind.CHOICE and choices:
            raise _line_error(number, "gives choices, but only a choice question has them")
        seen.add(label.lower())
        questions.append(Question(label, kind, need == "required", choices))
    return questions


def _line_error(number: int, problem: str) -> ValidationError:
    return ValidationError({"questions": f"Line {number} {problem}"})


def question_fields(item: RequestItem) -> dict[str, forms.Field]:
    """The form fields that ask an item's questions, by question."""
    found: dict[str, forms.Field] = {}
    for question in parse_questions(item.questions):
        label = question.label
        common: dict[str, Any] = {"label": label, "required": question.required}
        required_message = {"required": f"Answer “{label}”"}
        field: forms.Field
        if question.kind == FieldKind.PARAGRAPH:
            field = forms.CharField(
                **common,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 4}),
                validators=[TextRule(label, multiline=True)],
                error_messages=required_message,
            )
        elif question.kind == FieldKind.CHOICE:
            field = forms.ChoiceField(
                **common,
                choices=[("", "Choose"), *((c, c) for c in question.choices)],
                error_messages={
                    **required_message,
                    "invalid_choice": f"Choose one of the answers to “{label}”",
                },
            )
        elif question.kind == FieldKind.DATE:
            field = forms.DateField(
                **common,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                error_messages={
                    **required_message,
                    "invalid": f"Give “{label}” as a date, like 2027-01-31",
                },
            )
        elif question.kind == FieldKind.NUMBER:
            field = forms.IntegerField(
                **common,
                min_value=0,
                max_value=1_000_000,
                widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                error_messages={
                    **required_message,
                    "invalid": f"Give “{label}” as a whole number, like 3",
                    "min_value": f"“{label}” must be 0 or more",
                    "max_value": f"“{label}” must be 1,000,000 or less",
                },
            )
        elif question.kind == FieldKind.YESNO:
            field = forms.ChoiceField(
                **common,
                choices=[("yes", "Yes"), ("no", "No")],
                widget=forms.RadioSelect,
                error_messages={
                    **required_message,
                    "invalid_choice": f"Answer “{label}” with yes or no",
                },
            )
        elif question.kind == FieldKind.EMAIL:
            field = forms.EmailField(
                **common,
                max_length=254,
                error_messages={
                    **required_message,
                    "invalid": f"Give “{label}” as an email address, like name@example.gov.uk",
                },
            )
        else:
            field = forms.CharField(
                **common,
                max_length=300,
                validators=[TextRule(label)],
                error_messages=required_message,
            )
        found[question.name] = field
    return found


def clean_answers(item: RequestItem, given: Mapping[str, Any]) -> dict[str, str]:
    """The answers to `item`'s questions from `given` (by question), checked as the page's
    form checks them; a ValidationError on ``answers`` naming each question wrongly answered.
    Answers to questions the item does not ask are refused, so nothing is silently lost."""
    fields = question_fields(item)
    unknown = [str(k)[:40] for k in given if k not in fields]
    if unknown:
        raise ValidationError(
            {"answers": f"“{unknown[0]}” is not a question of “{item.name}”"}, code="unknown"
        )
    problems: list[str] = []
    answers: dict[str, str] = {}
    for name, field in fields.items():
        raw = given.get(name)
        if raw is not None and not isinstance(raw, str | int | float | bool):
            problems.append(f"Give “{name}” as text")
            continue
        if isinstance(raw, bool):
            raw = "yes" if raw else "no"
        try:
            value = field.clean(field.to_python(raw) if raw is not None else None)
        except ValidationError as exc:
            problems.extend(exc.messages)
            continue
        answers[name] = _answer_text(value)
    if problems:
        raise ValidationError({"answers": problems})
    return answers


def _answer_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


# Requests -----------------------------------------------------------------------------------


def offered_to(item: RequestItem, partner: Any) -> bool:
    """Whether `item` is offered to `partner` (active, and for every council or this one)."""
    return bool(item.is_active) and (
        item.for_all_councils or partner.pk in item.owning_partner_ids()
    )


def councils_to_ask_for(user: Any, item: RequestItem) -> list[Any]:
    """The councils `user` may make a request of `item` in: where they may raise tickets and
    the item is offered."""
    from core.tenancy.access import writable_partners

    return [p for p in writable_partners(user, ADD, Ticket.area) if offered_to(item, p)]


@transaction.atomic
def raise_request(
    item: RequestItem,
    *,
    partner: Any,
    requester: Any,
    answers: Mapping[str, Any],
    source: str = Source.PORTAL,
    opened_at: datetime.datetime | None = None,
) -> Ticket:
    """Ask for `item` in `partner` for `requester`, with the answers to its questions."""
    if not offered_to(item, partner):
        raise ValidationError({"partner": f"“{item.name}” is not offered to {partner.name}"})
    cleaned = clean_answers(item, answers)
    lines = [f"{label}: {value}" for label, value in cleaned.items() if value]
    ticket = services.raise_ticket(
        partner=partner,
        requester=requester,
        subject=item.name,
        description="\n".join(lines),
        kind=TicketKind.REQUEST,
        category=item.category,
        service=item.service,
        source=source,
        opened_at=opened_at,
    )
    ticket.request_item = item
    ticket.answers = cleaned
    if item.needs_approval:
        RequestApproval.objects.create(partner_id=ticket.partner_id, ticket=ticket)
        ticket.status = TicketStatus.AWAITING_APPROVAL
        sla.pause(ticket, ticket.opened_at)
        ticket.sla_state = sla.state_at(ticket)
        ticket.save()
        notifications.notify("request_approval", ticket)
    else:
        ticket.save()
        create_tasks(ticket)
    return ticket


def create_tasks(ticket: Ticket) -> list[FulfilmentTask]:
    """The fulfilment tasks of a request, from its item's list (once)."""
    item = ticket.request_item
    if item is None:
        return []
    existing = FulfilmentTask.objects.unscoped("a request's tasks").filter(ticket=ticket)
    if existing.exists():
        return list(existing)
    return [
        FulfilmentTask.objects.create(
            partner_id=ticket.partner_id, ticket=ticket, position=n, title=title
        )
        for n, title in enumerate(item.task_titles(), 1)
    ]


# Approval -----------------------------------------------------------------------------------


def pending_approval(ticket: Ticket) -> RequestApproval | None:
    """The request's approval while it waits for a decision (else None)."""
    return (
        RequestApproval.objects.unscoped("a request's approval")
        .filter(ticket=ticket, decision=Decision.PENDING)
        .first()
    )


def may_decide(person: Any, ticket: Ticket) -> bool:
    """Whether `person` decides on `ticket`'s approval: one of its council's leads, while the
    council is a partner and the request waits for a decision."""
    if person is None or not getattr(person, "is_active", False):
        return False
    if ticket.status != TicketStatus.AWAITING_APPROVAL:
        return False
    roles = access_for(person).roles_by_partner.get(ticket.partner_id, set())
    return CouncilRole.LEAD in roles


@transaction.atomic
def decide(
    ticket: Ticket,
    person: Any,
    *,
    approve: bool,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> RequestApproval:
    """A council lead approves or rejects a request waiting for approval."""
    approval = pending_approval(ticket)
    if approval is None or ticket.status != TicketStatus.AWAITING_APPROVAL:
        raise ValidationError({"decision": "This request is not waiting for a decision"})
    if not may_decide(person, ticket):
        raise ValidationError(
            {"decision": f"Only a lead of {ticket.partner.name} decides on its requests"}
        )
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "Say why the request is rejected"})
    now = now or timezone.now()
    approval.decision = Decision.APPROVED if approve else Decision.REJECTED
    approval.decided_by = person
    approval.decided_at = now
    approval.comment = comment
    approval.full_clean()
    approval.save()
    sla.resume(ticket, now)
    if approve:
        ticket.status = TicketStatus.ASSIGNED if ticket.assignee_id else TicketStatus.NEW
        ticket.sla_state = sla.state_at(ticket, now)
        ticket.save()
        create_tasks(ticket)
        notifications.notify("request_approved", ticket)
    else:
        name = person.get_full_name() or person.username
        services.resolve(ticket, f"Not approved by {name}: {comment}", now=now)
    return approval


def approval_token(ticket: Ticket, person: Any) -> str:
    """The signed link's token for `person` to decide on `ticket` (expires after
    CONCORD_APPROVAL_LINK_DAYS)."""
    return signing.dumps({"t": ticket.pk, "p": person.pk}, salt=APPROVAL_SALT, compress=True)


class LinkRefused(Exception):
    """An approval link that cannot be used, with what to tell its reader."""


def ticket_from_token(token: str) -> tuple[Ticket, Any]:
    """The request and the lead an approval link was made for; `LinkRefused` saying why not
    (expired, altered, or no longer theirs to decide)."""
    from core.tenancy.models import User

    max_age = datetime.timedelta(days=settings.CONCORD_APPROVAL_LINK_DAYS)
    try:
        data = signing.loads(token, salt=APPROVAL_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkRefused(
            "This link has expired. Sign in to Concord to decide on the request."
        ) from exc
    except signing.BadSignature as exc:
        raise LinkRefused("This link is not a valid approval link.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        raise LinkRefused("This link is not a valid approval link.")
    ticket = (
        Ticket.objects.unscoped("an approval link names its request").filter(pk=data["t"]).first()
    )
    person = User.objects.filter(pk=data.get("p"), is_active=True).first()
    if ticket is None or person is None:
        raise LinkRefused("This request no longer exists, or the link is no longer yours.")
    return ticket, person


# Fulfilment ---------------------------------------------------------------------------------


def may_work(person: Any, ticket: Ticket) -> bool:
    """Whether `person` marks a request's tasks done: those who work the ticket."""
    return services.may_change(person, ticket) and not ticket.is_own_record(person)


@transaction.atomic
def complete_task(
    task: FulfilmentTask, person: Any, now: datetime.datetime | None = None
) -> FulfilmentTask:
    """Mark a fulfilment task done; the last one done resolves its request."""
    ticket = task.ticket
    if ticket.status not in (
        TicketStatus.NEW,
        TicketStatus.ASSIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.AWAITING_CUSTOMER,
        TicketStatus.AWAITING_SUPPLIER,
        TicketStatus.REOPENED,
    ):
        raise ValidationError(
            {"task": f"{ticket.reference} is {ticket.get_status_display().lower()}: its tasks "
             "cannot change"}
        )  # fmt: skip
    if task.is_done:
        return task
    now = now or timezone.now()
    task.done_at = now
    task.done_by = person
    task.save()
    remaining = (
        FulfilmentTask.objects.unscoped("a request's tasks")
        .filter(ticket=ticket, done_at__isnull=True)
        .exists()
    )
    if not remaining:
        services.resolve(ticket, "Fulfilled: every task is done.", now=now)
    return task
