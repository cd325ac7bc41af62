"""API serializers of the contracts app: the records, with a contract's derived dates."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts import services
from contracts.models import (
    BreakClause,
    Contract,
    ContractExtension,
    ContractSettings,
    ExitMilestone,
    ExitPlan,
    Kpi,
    KpiMeasure,
    ServiceCredit,
    Supplier,
    SupplierContact,
)
from core.api.fields import ScopedSlugRelatedField
from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.tenancy.access import people_visible_to
from core.tenancy.models import User


def people(field: serializers.Field, user: Any) -> Any:
    """A person a record names: one of the people the requester can see."""
    return people_visible_to(user).filter(is_active=True)


def person_field(help_text: str) -> ScopedSlugRelatedField:
    return ScopedSlugRelatedField(
        related_model=User,
        slug_field="username",
        choices_for=people,
        help_text=help_text,
        required=False,
        allow_null=True,
    )


class SupplierSerializer(ScopedModelSerializer):
    """A supplier (catalogue: every council reads it, service staff keep it)."""

    class Meta:
        model = Supplier
        fields = (
            "id",
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
            *BOOKKEEPING,
        )


class SupplierContactSerializer(ScopedModelSerializer):
    """A person at a supplier (``supplier`` by name)."""

    class Meta:
        model = SupplierContact
        fields = ("id", "supplier", "name", "role", "email", "phone", *BOOKKEEPING)


class ContractDatesSerializer(serializers.Serializer):
    """A contract's dates worked out as of ``on`` (contracts.services)."""

    on = serializers.DateField(help_text="The day the dates are worked out as of.")
    current_end_date = serializers.DateField(
        allow_null=True, help_text="The end of the term running now."
    )
    earliest_end_date = serializers.DateField(
        allow_null=True, help_text="The earliest date the councils can still end it."
    )
    notice_deadline = serializers.DateField(
        allow_null=True, help_text="The last day to give notice for that end."
    )
    next_decision_date = serializers.DateField(
        allow_null=True, help_text="The next date by which a decision is due."
    )
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="What about its dates cannot be right."
    )


class ContractSerializer(ScopedModelSerializer):
    """A contract, owned by one council (a 100% share) or jointly (``owner_shares``), with
    its ``dates`` worked out as of today (or ``?on=YYYY-MM-DD``)."""

    owner = person_field("The username of the contract owner.")
    dates = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = (
            "id",
            "reference",
            "title",
            "description",
            "supplier",
            "department",
            "owner",
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
            "cpv_codes",
            "status",
            "notice_given_on",
            "terminated_on",
            "ocid",
            "owner_shares",
            "dates",
            *BOOKKEEPING,
        )

    def as_of(self) -> Any:
        return self.context.get("as_of")

    @extend_schema_field(ContractDatesSerializer)
    def get_dates(self, obj: Contract) -> dict[str, Any]:
        return ContractDatesSerializer(services.dates(obj, self.as_of())).data


class ContractExtensionSerializer(ScopedModelSerializer):
    class Meta:
        model = ContractExtension
        fields = (
            "id",
            "contract",
            "sequence",
            "months",
            "exercised",
            "exercised_on",
            "note",
            *BOOKKEEPING,
        )


class BreakClauseSerializer(ScopedModelSerializer):
    class Meta:
        model = BreakClause
        fields = ("id", "contract", "break_date", "notice_months", "note", *BOOKKEEPING)


class ContractSettingsSerializer(ScopedModelSerializer):
    class Meta:
        model = ContractSettings
        fields = ("id", "partner", "ocid_prefix", "reminder_days", *BOOKKEEPING)


class ExitPlanSerializer(ScopedModelSerializer):
    """A contract's exit or closedown plan."""

    owner = person_field("The username of the plan's owner.")

    class Meta:
        model = ExitPlan
        fields = ("id", "contract", "summary", "successor", "owner", *BOOKKEEPING)


class ExitMilestoneSerializer(ScopedModelSerializer):
    owner = person_field("The username of the milestone's owner.")

    class Meta:
        model = ExitMilestone
        fields = (
            "id",
            "plan",
            "kind",
            "title",
            "owner",
            "due_date",
            "rag",
            "done_on",
            "notes",
            *BOOKKEEPING,
        )


class KpiSerializer(ScopedModelSerializer):
    class Meta:
        model = Kpi
        fields = (
            "id",
            "contract",
            "name",
            "unit",
            "target",
            "higher_is_better",
            "amber_margin",
            *BOOKKEEPING,
        )


class KpiMeasureSerializer(ScopedModelSerializer):
    class Meta:
        model = KpiMeasure
        fields = ("id", "kpi", "month", "value", "rag", "note", *BOOKKEEPING)
        read_only_fields = ("rag",)


class ServiceCreditSerializer(ScopedModelSerializer):
    class Meta:
        model = ServiceCredit
        fields = ("id", "contract", "kpi", "month", "amount", "reason", *BOOKKEEPING)


# Actions and reports ------------------------------------------------------------------------


class AsOfSerializer(serializers.Serializer):
    """The day a contract's dates are worked out as of."""

    on = serializers.DateField(
        required=False,
        help_text="The day the dates are worked out as of (YYYY-MM-DD); today when left out.",
        error_messages={"invalid": "Give the day as YYYY-MM-DD, like 2027-03-31"},
    )


class WithinSerializer(serializers.Serializer):
    within = serializers.IntegerField(
        min_value=1,
        max_value=3650,
        default=180,
        help_text="How many days ahead to look (1-3650); decisions overdue are always listed.",
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"), "Enter a number of days from 1 to 3650"
        ),
    )


class DecisionSerializer(serializers.Serializer):
    """A contract whose next decision falls due."""

    contract = serializers.CharField(help_text="The contract's reference.")
    id = serializers.IntegerField(help_text="The contract's id.")
    title = serializers.CharField()
    supplier = serializers.CharField(help_text="The supplier's name.")
    decision = serializers.CharField(help_text="What is to be decided.")
    decision_by = serializers.DateField(help_text="The last day to decide.")
    end_date = serializers.DateField(allow_null=True, help_text="The current end.")
    owner = serializers.CharField(allow_null=True, help_text="The contract owner's username.")


class NoticeSerializer(serializers.Serializer):
    """Notice to end a contract given on a day."""

    given_on = serializers.DateField()


class TerminateSerializer(serializers.Serializer):
    terminated_on = serializers.DateField()


class MergeSerializer(serializers.Serializer):
    """Merge this supplier into ``into`` (a supplier's name), then delete it."""

    into = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Supplier.objects.none(),
        help_text="The name of the supplier to keep.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        field: Any = self.fields["into"]
        if request is not None:
            field.queryset = Supplier.objects.visible_to(request.user)
