"""Serializers of the business case and savings API (finance/api/savings.py)."""

from __future__ import annotations

from rest_framework import serializers

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from finance.models.savings import (
    BusinessCase,
    ImplementationCost,
    RealisedSaving,
    SavingsSplit,
    SavingsTarget,
)


class BusinessCaseSerializer(ScopedModelSerializer):
    """A business case, for the councils it is for (``councils``: codes; or
    ``for_all_councils``); ``first_year`` by name (2026/27)."""

    class Meta:
        model = BusinessCase
        fields = (
            "id",
            "reference",
            "name",
            "description",
            "approved_on",
            "baseline_cost",
            "categories",
            "first_year",
            "status",
            "for_all_councils",
            "councils",
            *BOOKKEEPING,
        )


class SavingsTargetSerializer(ScopedModelSerializer):
    """A case's savings target in a year (the case by reference, the year by name)."""

    class Meta:
        model = SavingsTarget
        fields = ("id", "business_case", "year", "cashable", "non_cashable", "note", *BOOKKEEPING)


class ImplementationCostSerializer(ScopedModelSerializer):
    class Meta:
        model = ImplementationCost
        fields = ("id", "partner", "business_case", "amount", "description", *BOOKKEEPING)


class SavingsSplitSerializer(ScopedModelSerializer):
    class Meta:
        model = SavingsSplit
        fields = ("id", "partner", "business_case", "percent", "note", *BOOKKEEPING)


class RealisedSavingSerializer(ScopedModelSerializer):
    """A saving realised by a council in a year: measured from costs (with the figures it was
    worked out from, read-only) or an entered measure."""

    class Meta:
        model = RealisedSaving
        fields = (
            "id",
            "partner",
            "business_case",
            "year",
            "basis",
            "cashable",
            "non_cashable",
            "evidence",
            "baseline_share",
            "own_costs",
            "recharged_costs",
            "cost_line_count",
            "measured_to",
            *BOOKKEEPING,
        )
        read_only_fields = (
            "baseline_share",
            "own_costs",
            "recharged_costs",
            "cost_line_count",
            "measured_to",
        )


class BudgetRowSerializer(serializers.Serializer):
    cost_centre = serializers.CharField(allow_null=True, help_text="Its code (null: not booked).")
    name = serializers.CharField()
    budget = serializers.DecimalField(max_digits=16, decimal_places=2)
    own_costs = serializers.DecimalField(max_digits=16, decimal_places=2)
    recharged = serializers.DecimalField(max_digits=16, decimal_places=2)
    actual = serializers.DecimalField(max_digits=16, decimal_places=2)
    forecast = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    variance = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class BudgetCouncilSerializer(serializers.Serializer):
    council = serializers.CharField(help_text="The council's code.")
    name = serializers.CharField()
    budget = serializers.DecimalField(max_digits=16, decimal_places=2)
    actual = serializers.DecimalField(max_digits=16, decimal_places=2)
    forecast = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    variance = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    cost_centres = BudgetRowSerializer(many=True)


class BudgetReportSerializer(serializers.Serializer):
    year = serializers.CharField()
    as_of = serializers.DateField()
    counted_to = serializers.DateField(allow_null=True)
    months_counted = serializers.IntegerField()
    councils = BudgetCouncilSerializer(many=True)
