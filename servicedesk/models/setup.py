"""How the shared service desk is set up: categories, services, queues and who works them,
routing rules, the priority matrix, each council's SLA policies and working calendar.

Categories, services, queues and the priority matrix are catalogue records (every council reads
them, shared-service staff edit them). Routing rules are the shared service's own configuration
(its staff alone see them). SLA policies and working calendars are each council's own, agreed
with it: its lead and auditor read them, the shared-service manager sets them.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.tenancy.records import CatalogueModel, PartnerOwnedModel
from core.workdays import OFFICE_HOURS, WorkingCalendar
from servicedesk.choices import Impact, Priority, TicketKind, Urgency


class Category(CatalogueModel):
    """What a ticket is about: hardware, software, access, network..."""

    name = models.CharField(
        max_length=100,
        unique=True,
        error_messages={"unique": "A category with this name already exists"},
    )
    description = models.TextField(blank=True)

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(CatalogueModel):
    """A service the shared service runs for the councils: email, the network, the revenues
    and benefits system... Tickets and changes name the service they touch."""

    name = models.CharField(
        max_length=100,
        unique=True,
        error_messages={"unique": "A service with this name already exists"},
    )
    description = models.TextField(blank=True)

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Queue(CatalogueModel):
    """A team's pile of work: first line, desktop, network, applications, security..."""

    name = models.CharField(
        max_length=100,
        unique=True,
        error_messages={"unique": "A queue with this name already exists"},
    )
    description = models.TextField(blank=True)
    email = models.EmailField(
        "Email address",
        blank=True,
        help_text="Where the queue's warnings go (SLA at risk, breached), besides its people.",
    )

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = ("name", "description", "email")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QueueMember(CatalogueModel):
    """A member of the shared service's staff who works a queue ("my queues")."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("tenancy.User", on_delete=models.CASCADE, related_name="+")

    area: ClassVar[str] = "configuration"
    noun: ClassVar[str | None] = "queue member"
    noun_plural: ClassVar[str | None] = "queue members"

    class Meta:
        ordering = ["queue__name", "user__username", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "user"],
                name="queuemember_unique",
                violation_error_message="This person already works this queue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.queue}"


class RoutingRule(CatalogueModel):
    """Puts a new ticket in a queue: the first active rule, by `order`, whose conditions all
    hold (each left empty holds for any ticket) wins, and the ticket shows which rule it was."""

    order = models.PositiveIntegerField(
        default=100, help_text="Rules are tried from the lowest number up."
    )
    name = models.CharField(max_length=100)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(
        "tenancy.Partner",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="council",
        help_text="Only tickets of this council (empty: any council).",
    )
    kind = models.CharField(
        max_length=20, choices=TicketKind.choices, blank=True, help_text="Empty: any kind."
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    subject_words = models.CharField(
        max_length=200,
        blank=True,
        help_text="Any of these words in the subject (separated by commas), e.g. vpn, wifi.",
    )
    is_active = models.BooleanField("Active", default=True)

    area: ClassVar[str] = "configuration"

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def words(self) -> list[str]:
        """The rule's subject words, lower-case, without blanks."""
        return [w.strip().lower() for w in self.subject_words.split(",") if w.strip()]

    def matches(self, ticket: Any) -> bool:
        """Whether every condition of the rule holds for `ticket` (not yet saved, maybe)."""
        if self.partner_id is not None and self.partner_id != ticket.partner_id:
            return False
        if self.kind and self.kind != ticket.kind:
            return False
        if self.category_id is not None and self.category_id != ticket.category_id:
            return False
        if self.service_id is not None and self.service_id != ticket.service_id:
            return False
        words = self.words()
        if words:
            subject = (ticket.subject or "").lower()
            if not any(word in subject for word in words):
                return False
        return True


class PriorityRule(CatalogueModel):
    """One cell of the priority matrix: a ticket of this impact and urgency has this
    priority. The shared service sets the matrix; a cell nobody set follows `DEFAULT_MATRIX`."""

    impact = models.PositiveSmallIntegerField(choices=Impact.choices)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    note = models.CharField(
        max_length=200, blank=True, help_text="Why the cell is set so, e.g. when it was agreed."
    )

    noun: ClassVar[str | None] = "priority rule"
    noun_plural: ClassVar[str | None] = "priority matrix"

    class Meta:
        ordering = ["impact", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["impact", "urgency"],
                name="priorityrule_unique_cell",
                violation_error_message="This impact and urgency already have a priority",
            )
        ]

    def __str__(self) -> str:
        return f"Impact {self.impact}, urgency {self.urgency}: P{self.priority}"


#: Impact and urgency -> priority where the matrix has no cell of its own (ITIL's usual one).
DEFAULT_MATRIX: dict[tuple[int, int], int] = {
    (1, 1): 1,
    (1, 2): 2,
    (1, 3): 3,
    (2, 1): 2,
    (2, 2): 3,
    (2, 3): 4,
    (3, 1): 3,
    (3, 2): 4,
    (3, 3): 4,
}


class SlaPolicy(PartnerOwnedModel):
    """A council's response and resolution targets for one priority, from a day on, in
    working hours of a calendar (its own, or the council's default `ServiceCalendar`). A
    ticket takes the policy of its council and priority in force the day it was opened; a
    priority with no policy follows `DEFAULT_TARGETS`."""

    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    name = models.CharField(max_length=100, blank=True)
    valid_from = models.DateField(
        "In force from",
        default=datetime.date(2000, 1, 1),
        help_text="Tickets opened from this day on follow it (until a later policy).",
    )
    calendar = models.ForeignKey(
        "ServiceCalendar",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="working calendar",
        help_text="Whose working hours the targets count (empty: the council's default).",
    )
    response_hours = models.DecimalField(
        "Respond within (working hours)", max_digits=6, decimal_places=2
    )
    resolution_hours = models.DecimalField(
        "Resolve within (working hours)", max_digits=7, decimal_places=2
    )

    area: ClassVar[str] = "servicelevels"
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "priority",
        "name",
        "valid_from",
        "response_hours",
        "resolution_hours",
    )
    constraint_fields: ClassVar[dict[str, str]] = {
        "slapolicy_resolve_after_respond": "resolution_hours",
        "slapolicy_positive": "response_hours",
        "slapolicy_unique_priority": "valid_from",
    }

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        ordering = ["partner__name", "priority", "-valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "priority", "valid_from"],
                name="slapolicy_unique_priority",
                violation_error_message=(
                    "This council already has a policy for this priority from this day"
                ),
            ),
            models.CheckConstraint(
                condition=Q(response_hours__gt=0) & Q(resolution_hours__gt=0),
                name="slapolicy_positive",
                violation_error_message="Targets must be more than 0 working hours",
            ),
            models.CheckConstraint(
                condition=Q(resolution_hours__gte=models.F("response_hours")),
                name="slapolicy_resolve_after_respond",
                violation_error_message=(
                    "The resolution target must be the same as or longer than the response target"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_priority_display()} from {self.valid_from:%-d %B %Y}"


#: Working hours to respond and to resolve, by priority, for a council with no policy of its
#: own for that priority.
DEFAULT_TARGETS: dict[int, tuple[int, int]] = {1: (1, 4), 2: (2, 8), 3: (4, 24), 4: (8, 40)}


def _hours_field(label: str, default: datetime.time | None) -> models.TimeField:
    return models.TimeField(label, null=True, blank=True, default=default)


class ServiceCalendar(PartnerOwnedModel):
    """When a council's SLA clocks run: opening and closing time per weekday (empty: closed)
    in Europe/London, less the bank holidays of the council's nation. A council may have
    several (schools' extended hours); its default one counts where a policy names none, and
    a council with no default keeps office hours, Monday to Friday 09:00 to 17:00."""

    name = models.CharField(max_length=100, default="Working hours")
    is_default = models.BooleanField(
        "The council's default",
        default=True,
        help_text="The council's SLA clocks run on it unless a policy names another.",
    )
    monday_opens = _hours_field("Monday opens", datetime.time(9))
    monday_closes = _hours_field("Monday closes", datetime.time(17))
    tuesday_opens = _hours_field("Tuesday opens", datetime.time(9))
    tuesday_closes = _hours_field("Tuesday closes", datetime.time(17))
    wednesday_opens = _hours_field("Wednesday opens", datetime.time(9))
    wednesday_closes = _hours_field("Wednesday closes", datetime.time(17))
    thursday_opens = _hours_field("Thursday opens", datetime.time(9))
    thursday_closes = _hours_field("Thursday closes", datetime.time(17))
    friday_opens = _hours_field("Friday opens", datetime.time(9))
    friday_closes = _hours_field("Friday closes", datetime.time(17))
    saturday_opens = _hours_field("Saturday opens", None)
    saturday_closes = _hours_field("Saturday closes", None)
    sunday_opens = _hours_field("Sunday opens", None)
    sunday_closes = _hours_field("Sunday closes", None)
    close_resolved_after = models.PositiveSmallIntegerField(
        "Close resolved tickets after (working days)",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="A resolved ticket its requester has not answered closes by itself after "
        "this many of the council's working days (1 to 60). The default calendar's counts.",
    )

    area: ClassVar[str] = "servicelevels"
    attachable: ClassVar[bool] = False
    natural_key: ClassVar[str | None] = None
    noun: ClassVar[str | None] = "working calendar"
    noun_plural: ClassVar[str | None] = "working calendars"
    constraint_fields: ClassVar[dict[str, str]] = {
        "servicecalendar_one_default": "is_default",
        **{
            f"servicecalendar_{day}_hours": f"{day}_closes"
            for day in (
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
            )
        },
    }

    DAYS: ClassVar[tuple[str, ...]] = (
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    )

    class Meta:
        ordering = ["partner__name", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "name"],
                name="servicecalendar_unique_name",
                violation_error_message="This council already has a working calendar so named",
            ),
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(is_default=True),
                name="servicecalendar_one_default",
                violation_error_message=(
                    "This council already has a default working calendar: untick the other first"
                ),
            ),
            *(
                models.CheckConstraint(
                    condition=(
                        Q(**{f"{day}_opens__isnull": True}, **{f"{day}_closes__isnull": True})
                        | Q(
                            **{f"{day}_opens__isnull": False},
                            **{f"{day}_closes__gt": models.F(f"{day}_opens")},
                        )
                    ),
                    name=f"servicecalendar_{day}_hours",
                    violation_error_message=(
                        f"{day.capitalize()} must close after it opens, or have neither time"
                    ),
                )
                for day in (
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                )
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def hours(self) -> tuple[tuple[datetime.time, datetime.time] | None, ...]:
        """The opening and closing time of each weekday (None: closed)."""
        days: list[tuple[datetime.time, datetime.time] | None] = []
        for day in self.DAYS:
            opens, closes = getattr(self, f"{day}_opens"), getattr(self, f"{day}_closes")
            days.append((opens, closes) if opens is not None and closes is not None else None)
        return tuple(days)

    def working_calendar(self, nation: str) -> WorkingCalendar:
        """The calendar's hours with the bank holidays of `nation`."""
        return WorkingCalendar(nation=nation, hours=self.hours())


__all__ = [
    "DEFAULT_MATRIX",
    "DEFAULT_TARGETS",
    "OFFICE_HOURS",
    "Category",
    "PriorityRule",
    "Queue",
    "QueueMember",
    "RoutingRule",
    "Service",
    "ServiceCalendar",
    "SlaPolicy",
]
