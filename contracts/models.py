"""The contracts app's records: suppliers (a shared catalogue) and their contacts, contracts
(one council's, or co-owned in shares) with their extension options and break clauses, each
council's contracts settings, exit and closedown plans with their milestones, and supplier
performance (KPIs, their monthly measures, service credits).

The rules about them (the derived dates, status moves, supplier merges, reminders) are in
`contracts.services`; the models hold what a record is and the checks on one record alone.
The names here are the ones docs/contracts.md gives.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from contracts.choices import (
    ContractStatus,
    MilestoneKind,
    ProcurementRoute,
    Rag,
    ReminderKind,
    Renewal,
)
from core.tenancy.access import access_for
from core.tenancy.records import (
    CatalogueModel,
    PartModel,
    PartnerOwnedModel,
    SharedOwnershipModel,
)

MONEY: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 2,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(Decimal("0"))],
}

CPV_PATTERN = RegexValidator(
    r"^\d{8}-\d$",
    "A CPV code is eight digits, a dash and a check digit, like 72253000-3",
    # Not "invalid": a JSONField puts its own "Value must be valid JSON." over that code.
    code="cpv_code",
)


@cache
def cpv_titles() -> dict[str, str]:
    """The Common Procurement Vocabulary 2008's main codes and their English titles (copied
    from the project's shared data into contracts/data)."""
    path = Path(__file__).parent / "data" / "cpv2008_en.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def validate_cpv_codes(value: Any) -> None:
    """A list of CPV 2008 codes, each one the vocabulary has."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError('Give the CPV codes as a list of codes, like ["72253000-3"]')
    known = cpv_titles()
    for code in value:
        CPV_PATTERN(code)
        if code not in known:
            raise ValidationError(f"{code} is not a CPV 2008 code")


class Supplier(CatalogueModel):
    """A company, charity or public body the councils buy from: a catalogue every council
    reads and the shared service keeps (one BT, however many councils contract with it)."""

    name = models.CharField(
        max_length=200,
        unique=True,
        error_messages={"unique": "A supplier with this name already exists"},
    )
    companies_house_number = models.CharField(
        "Companies House number",
        max_length=8,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]{8}$",
                "A Companies House number is 8 characters, like 01800000 or SC123456",
            )
        ],
    )
    charity_number = models.CharField(
        "Charity number", max_length=20, blank=True, help_text="The Charity Commission's number."
    )
    is_sme = models.BooleanField("Small or medium enterprise (SME)", default=False)
    is_vcse = models.BooleanField("Voluntary, community or social enterprise (VCSE)", default=False)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = (
        "name",
        "companies_house_number",
        "charity_number",
        "is_sme",
        "is_vcse",
        "address",
        "postcode",
        "email",
        "phone",
        "website",
    )
    import_example: ClassVar[dict[str, str]] = {
        "name": "British Telecommunications plc",
        "companies_house_number": "01800000",
        "charity_number": "",
        "is_sme": "false",
        "is_vcse": "false",
        "address": "1 Braham Street, London",
        "postcode": "E1 8EE",
        "email": "",
        "phone": "",
        "website": "https://www.bt.com",
    }

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SupplierContact(PartModel):
    """A person to talk to at a supplier: seen by everyone who sees the catalogue."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True, help_text="Account manager, escalation...")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)

    area: ClassVar[str] = "catalogue"
    # Kept as the catalogue is: nobody owns it (core.tenancy.records.CatalogueModel).
    ownership: ClassVar[str] = "catalogue"
    part_of: ClassVar[str] = "supplier"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "supplier contact"
    noun_plural: ClassVar[str | None] = "supplier contacts"
    import_fields: ClassVar[tuple[str, ...]] = ("supplier", "name", "role", "email", "phone")
    import_example: ClassVar[dict[str, str]] = {
        "supplier": "British Telecommunications plc",
        "name": "Sam Patel",
        "role": "Account manager",
        "email": "sam.patel@example.com",
        "phone": "020 7946 0000",
    }

    class Meta:
        ordering = ["supplier", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.supplier})" if self.supplier_id else self.name

    # A contact is part of a catalogue record: read and kept exactly as the catalogue is.
    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return None

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        return Q() if access_for(user).can(action, cls.area) else None

    def owning_partner_ids(self) -> list[int]:
        return []


class Contract(SharedOwnershipModel):
    """A contract with a supplier, held by one council (a 100% share) or jointly in shares.
    Its dates (when it ends now, the earliest it can be ended, the last day to give notice)
    are worked out by `contracts.services` from the term, renewal, extensions and breaks."""

    # Unique among the contracts a person can see (unique_for_reader), like estate.Agreement.
    reference = models.CharField(max_length=50, db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="contracts")
    department = models.CharField(max_length=200, blank=True, help_text="The service that uses it.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Contract owner",
        help_text="The person answerable for it: reminders go to them.",
    )
    total_value = models.DecimalField(
        "Total value (£)", help_text="Over the whole term, in pounds.", **MONEY
    )
    annual_value = models.DecimalField("Annual value (£)", help_text="In pounds.", **MONEY)
    irrecoverable_vat = models.DecimalField(
        "Irrecoverable VAT (£)", help_text="VAT the councils cannot reclaim, in pounds.", **MONEY
    )
    start_date = models.DateField("Start date")
    initial_term_months = models.PositiveSmallIntegerField(
        "Initial term (months)", validators=[MinValueValidator(1), MaxValueValidator(1200)]
    )
    notice_months = models.PositiveSmallIntegerField(
        "Notice period (months)",
        default=0,
        validators=[MaxValueValidator(120)],
        help_text="How long before an end date notice must be given.",
    )
    renewal = models.CharField(max_length=10, choices=Renewal.choices, default=Renewal.NONE)
    renewal_period_months = models.PositiveSmallIntegerField(
        "Renewal period (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="For tacit renewal: how long each renewal runs.",
    )
    review_date = models.DateField("Review date", null=True, blank=True)
    procurement_route = models.CharField(
        "Procurement route", max_length=20, choices=ProcurementRoute.choices, blank=True
    )
    cpv_codes = models.JSONField(
        "CPV codes",
        default=list,
        blank=True,
        validators=[validate_cpv_codes],
        help_text="Common Procurement Vocabulary codes, like 72253000-3.",
    )
    status = models.CharField(
        max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    notice_given_on = models.DateField(
        "Notice given on", null=True, blank=True, help_text="When notice to end it was given."
    )
    terminated_on = models.DateField("Terminated on", null=True, blank=True)
    ocid = models.CharField(
        "OCDS id",
        max_length=120,
        blank=True,
        help_text="Its Open Contracting id, set on import or first publication.",
    )
    # Its dates as of `dates_as_of`, worked out by contracts.services on every save and by the
    # daily job once one of them has passed: what lists, reminders and feeds query.
    end_date = models.DateField("Current end", null=True, blank=True, editable=False)
    earliest_end = models.DateField("Earliest end", null=True, blank=True, editable=False)
    notice_by = models.DateField("Notice deadline", null=True, blank=True, editable=False)
    decision_by = models.DateField("Next decision", null=True, blank=True, editable=False)
    decision = models.CharField(
        "Decision", max_length=80, blank=True, editable=False, help_text="What is to be decided."
    )
    dates_as_of = models.DateField("Dates as of", null=True, blank=True, editable=False)

    area: ClassVar[str] = "contracts"
    natural_key: ClassVar[str | None] = "reference"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("reference",)
    import_match_fields: ClassVar[tuple[str, ...]] = ("reference",)
    derived_fields: ClassVar[frozenset[str]] = frozenset(
        {"end_date", "earliest_end", "notice_by", "decision_by", "decision", "dates_as_of"}
    )
    import_fields: ClassVar[tuple[str, ...]] = (
        "owner_shares",
        "reference",
        "title",
        "description",
        "supplier",
        "department",
        "total_value",
        "annual_value",
        "irrecoverable_vat",
        "start_date",
        "initial_term_months",
        "notice_months",
        "renewal",
        "renewal_period_months",
        "review_date",
        "procurement_route",
        "status",
        # An OCDS import sets both (contracts/ocds_import.py).
        "cpv_codes",
        "ocid",
    )
    import_example: ClassVar[dict[str, str]] = {
        "owner_shares": "wcc",
        "reference": "WCC-ICT-0042",
        "title": "Wide area network",
        "description": "",
        "supplier": "British Telecommunications plc",
        "department": "Digital and ICT",
        "total_value": "1200000.00",
        "annual_value": "400000.00",
        "irrecoverable_vat": "0.00",
        "start_date": "2024-04-01",
        "initial_term_months": "36",
        "notice_months": "3",
        "renewal": "tacit",
        "renewal_period_months": "12",
        "review_date": "",
        "procurement_route": "framework_call_off",
        "status": "active",
        "cpv_codes": '["72253000-3"]',
        "ocid": "ocds-b5fd17-wcc-42",
    }
    constraint_fields: ClassVar[dict[str, str]] = {
        "contract_tacit_has_period": "renewal_period_months",
        "contract_ocid_unique": "ocid",
    }

    class Meta:
        ordering = ["reference", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(renewal="tacit") | Q(renewal_period_months__isnull=False),
                name="contract_tacit_has_period",
                violation_error_message="Enter the renewal period of a tacit renewal",
            ),
            models.UniqueConstraint(
                fields=["ocid"],
                condition=~Q(ocid=""),
                name="contract_ocid_unique",
                violation_error_message="Another contract already has this OCDS id",
            ),
        ]
        indexes = [
            models.Index(fields=["reference", "id"], name="contract_reference_id"),
            models.Index(fields=["status", "start_date"], name="contract_status_start"),
            models.Index(fields=["supplier", "status"], name="contract_supplier_status"),
            models.Index(fields=["decision_by", "id"], name="contract_decision_by"),
            models.Index(fields=["end_date", "id"], name="contract_end_date"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        from contracts.services import set_stored_dates

        set_stored_dates(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *self.derived_fields}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        # Express renewals are extension options (ContractExtension); a period means tacit.
        if self.renewal == Renewal.NONE and self.renewal_period_months:
            raise ValidationError(
                {"renewal_period_months": "Leave the renewal period empty: it does not renew"}
            )
        if self.terminated_on and self.start_date and self.terminated_on < self.start_date:
            raise ValidationError(
                {"terminated_on": "The termination date must be on or after the start date"}
            )


class ContractExtension(PartModel):
    """An option to extend a contract (the "+1" of "3+1+1"), in order, exercised or not."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="extensions")
    sequence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="1 for the first option, 2 for the next...",
    )
    months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    exercised = models.BooleanField(default=False)
    exercised_on = models.DateField(
        "Exercised on", null=True, blank=True, help_text="When the councils took the option up."
    )
    note = models.CharField(max_length=200, blank=True, help_text="What the option covers.")

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "contract"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "extension option"
    noun_plural: ClassVar[str | None] = "extension options"
    import_fields: ClassVar[tuple[str, ...]] = (
        "contract",
        "sequence",
        "months",
        "exercised",
        "exercised_on",
        "note",
    )
    import_example: ClassVar[dict[str, str]] = {
        "contract": "WCC-ICT-0042",
        "sequence": "1",
        "months": "12",
        "exercised": "false",
        "exercised_on": "",
        "note": "",
    }

    class Meta:
        ordering = ["contract", "sequence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "sequence"],
                name="contractextension_unique_sequence",
                violation_error_message="This contract already has an option with this number",
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        from contracts.services import refresh_stored_dates

        refresh_stored_dates(self.contract_id)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        contract_id = self.contract_id
        deleted = super().delete(*args, **kwargs)
        from contracts.services import refresh_stored_dates

        refresh_stored_dates(contract_id)
        return deleted

    def __str__(self) -> str:
        return f"Option {self.sequence}: +{self.months} months"

    def clean(self) -> None:
        super().clean()
        if self.exercised_on and not self.exercised:
            raise ValidationError({"exercised": "Tick exercised, or leave the date empty"})
        if self.exercised and self.exercised_on is None:
            raise ValidationError({"exercised_on": "Enter the date the option was exercised"})
        from contracts.services import extension_problem

        problem = extension_problem(self)
        if problem:
            raise ValidationError({"exercised_on": problem})


class BreakClause(PartModel):
    """A date on which the councils may end a contract early, given enough notice."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="breaks")
    break_date = models.DateField("Break date", help_text="The day the contract would end.")
    notice_months = models.PositiveSmallIntegerField(
        "Notice (months)", default=0, validators=[MaxValueValidator(120)]
    )
    note = models.CharField(max_length=200, blank=True)

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "contract"
    attachable: ClassVar[bool] = False
    import_fields: ClassVar[tuple[str, ...]] = ("contract", "break_date", "notice_months", "note")
    import_example: ClassVar[dict[str, str]] = {
        "contract": "WCC-ICT-0042",
        "break_date": "2026-03-31",
        "notice_months": "6",
        "note": "",
    }

    class Meta:
        ordering = ["contract", "break_date", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        from contracts.services import refresh_stored_dates

        refresh_stored_dates(self.contract_id)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        contract_id = self.contract_id
        deleted = super().delete(*args, **kwargs)
        from contracts.services import refresh_stored_dates

        refresh_stored_dates(contract_id)
        return deleted

    def __str__(self) -> str:
        return f"Break on {self.break_date:%d %B %Y}" if self.break_date else "Break clause"


class ContractSettings(PartnerOwnedModel):
    """A council's contracts settings: its OCDS id prefix and when reminders are sent."""

    ocid_prefix = models.CharField(
        "OCID prefix",
        max_length=60,
        blank=True,
        validators=[
            RegexValidator(
                r"^ocds-[a-z0-9]{6}(-[A-Za-z0-9-]+)?$",
                "An OCID prefix is ocds- and six letters or digits, then optionally -and a "
                "name, like ocds-b5fd17-wcc",
            )
        ],
        help_text="The Open Contracting prefix of the council's contract ids.",
    )
    reminder_days = models.CharField(
        "Reminder days",
        max_length=60,
        default="180,90,30",
        validators=[
            RegexValidator(
                r"^\d{1,4}(,\d{1,4})*$",
                "Give the days as whole numbers separated by commas, like 180,90,30",
            )
        ],
        help_text="Days before each notice deadline and end date that reminders are sent.",
    )

    area: ClassVar[str] = "contracts"
    noun: ClassVar[str | None] = "contracts settings"
    noun_plural: ClassVar[str | None] = "contracts settings"

    class Meta:
        ordering = ["partner", "id"]
        verbose_name = "contracts settings"
        verbose_name_plural = "contracts settings"
        indexes = [models.Index(fields=["partner", "id"], name="contractsettings_partner")]

    def __str__(self) -> str:
        return f"Contracts settings of {self.partner}" if self.partner_id else "Contracts settings"

    def clean(self) -> None:
        super().clean()
        # One per council, checked here rather than by a unique column so that the refusal
        # is a message on the council field (the council is the person's own).
        if self.partner_id is not None:
            others = ContractSettings.objects.unscoped("one settings record per council")
            others = others.filter(partner_id=self.partner_id).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError(
                    {"partner": "This council already has its contracts settings: change those"}
                )

    def days(self) -> list[int]:
        """The reminder days, largest first, without repeats."""
        return sorted({int(d) for d in self.reminder_days.split(",") if d.strip()}, reverse=True)


class ExitPlan(PartModel):
    """How the councils leave a contract: the plan for its exit or closedown, one per
    contract, with its milestones."""

    contract = models.OneToOneField(
        Contract,
        on_delete=models.CASCADE,
        related_name="exit_plan",
        error_messages={"unique": "This contract already has an exit plan"},
    )
    summary = models.TextField(blank=True, help_text="What happens at the end, and why.")
    successor = models.CharField(
        max_length=200, blank=True, help_text="Who or what takes over: a new contract, in-house."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Plan owner",
    )

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "contract"
    noun: ClassVar[str | None] = "exit plan"
    noun_plural: ClassVar[str | None] = "exit plans"

    class Meta:
        ordering = ["contract", "id"]

    def __str__(self) -> str:
        return f"Exit plan for {self.contract}" if self.contract_id else "Exit plan"


class ExitMilestone(PartModel):
    """One step of an exit plan (data return, asset transfer...), its owner, due date and
    how it stands (red, amber, green), and when it was done."""

    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField("Due date")
    rag = models.CharField("RAG status", max_length=5, choices=Rag.choices, default=Rag.GREEN)
    done_on = models.DateField("Done on", null=True, blank=True)
    notes = models.TextField(blank=True)

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "plan"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "exit milestone"
    noun_plural: ClassVar[str | None] = "exit milestones"

    class Meta:
        ordering = ["plan", "due_date", "id"]
        indexes = [models.Index(fields=["plan", "due_date"], name="exitmilestone_plan_due")]

    def __str__(self) -> str:
        return self.title


class Kpi(PartModel):
    """A key performance indicator of a contract: what is measured each month, its target,
    and how far short of it is amber rather than red."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=30, blank=True, help_text="%, hours, calls...")
    target = models.DecimalField(max_digits=12, decimal_places=2)
    higher_is_better = models.BooleanField(
        "Higher is better", default=True, help_text="Untick when a lower figure is better."
    )
    amber_margin = models.DecimalField(
        "Amber margin",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="How far short of the target a measure is amber rather than red.",
    )

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "contract"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "KPI"
    noun_plural: ClassVar[str | None] = "KPIs"

    class Meta:
        ordering = ["contract", "name", "id"]
        verbose_name = "KPI"
        verbose_name_plural = "KPIs"

    def __str__(self) -> str:
        return self.name

    def rag_for(self, value: Decimal) -> str:
        """Green on or past the target, amber within the margin short of it, else red."""
        shortfall = (self.target - value) if self.higher_is_better else (value - self.target)
        if shortfall <= 0:
            return Rag.GREEN
        if shortfall <= self.amber_margin:
            return Rag.AMBER
        return Rag.RED


class KpiMeasure(PartModel):
    """A KPI's figure for one month, and its RAG status against the target."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measures")
    month = models.DateField(help_text="Any day of the month: kept as its first day.")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    rag = models.CharField("RAG status", max_length=5, choices=Rag.choices, editable=False)
    note = models.CharField(max_length=200, blank=True)

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "kpi"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "KPI measure"
    noun_plural: ClassVar[str | None] = "KPI measures"
    derived_fields: ClassVar[frozenset[str]] = frozenset({"rag"})

    class Meta:
        ordering = ["kpi", "-month", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "month"],
                name="kpimeasure_one_per_month",
                violation_error_message="This KPI already has a measure for this month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}: {self.value}" if self.month else str(self.value)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.month:
            self.month = self.month.replace(day=1)
        if self.kpi_id and self.value is not None:
            self.rag = self.kpi.rag_for(Decimal(self.value))
        super().save(*args, **kwargs)

    def validate_unique(self, exclude: Any = None) -> None:
        if self.month:
            self.month = self.month.replace(day=1)
        super().validate_unique(exclude=exclude)


class ServiceCredit(PartModel):
    """Money a supplier owes (or credits) for missing its service levels in a month."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="credits")
    # PROTECT: a KPI whose misses earned credits is kept while they are (SET_NULL would clear
    # the credits' link in bulk, past the change log).
    kpi = models.ForeignKey(
        Kpi,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="KPI",
        help_text="The KPI missed, if one.",
    )
    month = models.DateField()
    amount = models.DecimalField(
        "Amount (£)",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    reason = models.CharField(max_length=200)

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "contract"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "service credit"
    noun_plural: ClassVar[str | None] = "service credits"

    class Meta:
        ordering = ["contract", "-month", "id"]

    def __str__(self) -> str:
        return f"£{self.amount} for {self.month:%B %Y}" if self.month else f"£{self.amount}"


class ContractReminder(PartModel):
    """A reminder sent about one date of a contract, so that each is sent once: a record of
    the job's work, not typed by anyone."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    due_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "contract"
    attachable: ClassVar[bool] = False
    without_family: ClassVar[str] = (
        "written only by the reminders job (contracts.jobs): contracts/tests/test_reminders.py"
    )

    class Meta:
        ordering = ["contract", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind", "due_on", "days_before"],
                name="contractreminder_once",
                violation_error_message="This reminder has already been sent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}, {self.days_before} days before"


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# Frameworks, call-offs and purchasing ------------------------------------------------------------
from contracts.procurement import *  # noqa: E402,F403
