"""Serializers of the recharge part of the finance API (finance/api/recharges.py): runs, statements
with their lines, adjustments, a run's period, and the apportion calculator's request and
answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from finance.models import RechargeAdjustment, RechargeLine, RechargeRun, RechargeStatement

#: The most councils one request may split between, and the longest code accepted.
MAX_WEIGHTS = 200
MAX_CODE_LENGTH = 40


class ApportionSerializer(serializers.Serializer):
    """An amount to split and the weights to split it by, one per council code."""

    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("-999999999999.99"),
        max_value=Decimal("999999999999.99"),
        help_text='The amount in pounds, at most two decimal places ("1234.56"); negative for '
        "a credit, which is split as minus the split of its size.",
    )
    weights = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=18, decimal_places=6, min_value=Decimal("0"), coerce_to_string=True
        ),
        allow_empty=False,
        help_text="Each council's weight (a percent, a driver figure...): a decimal of at most "
        "six places, 0 or more; at least one above 0. Keyed by council code.",
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(key)[:40] for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: ["Not a field of this request: give only amount and weights"]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)

    def validate_weights(self, weights: dict[str, Decimal]) -> dict[str, Decimal]:
        if len(weights) > MAX_WEIGHTS:
            raise serializers.ValidationError(f"Give at most {MAX_WEIGHTS} weights")
        for code in weights:
            if not code.strip() or len(code) > MAX_CODE_LENGTH or "\x00" in code:
                raise serializers.ValidationError(
                    f"Give each council code as 1 to {MAX_CODE_LENGTH} characters"
                )
        if not any(weight > 0 for weight in weights.values()):
            raise serializers.ValidationError(
                "Every weight is zero: give at least one council a weight above 0"
            )
        return weights


class SharesSerializer(serializers.Serializer):
    """Each council's share of the amount, to the penny; the shares add up to the amount."""

    shares = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2),
        help_text="The share of each council code given, in pounds to the penny.",
    )


class RechargeRunSerializer(ScopedModelSerializer):
    """A recharge run: its period, status (draft or approved), who approved it and when, the
    digest of its inputs, its total and its costs; made and approved with the ``run`` and
    ``approve`` actions, never written directly."""

    approved_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who approved it."
    )

    class Meta:
        model = RechargeRun
        fields = (
            "id",
            "period_start",
            "period_end",
            "status",
            "approved_by",
            "approved_at",
            "inputs_digest",
            "total",
            "cost_count",
            "problems",
            *BOOKKEEPING,
        )
        read_only_fields = fields


class RechargeLineSerializer(serializers.ModelSerializer):
    """One group of a statement: the council's share of one category, spend type and rule,
    booked to a cost centre and account."""

    rule: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )

    class Meta:
        model = RechargeLine
        fields = (
            "category",
            "spend_type",
            "rule",
            "shared",
            "cost_centre",
            "account_code",
            "cost_total",
            "amount",
            "cost_count",
        )
        read_only_fields = fields


class RechargeStatementSerializer(ScopedModelSerializer):
    """One council's statement in a run (its grouped lines are in the statement read alone,
    ``/recharge-statements/{id}/``; each cost's share is on its page and in its CSV)."""

    run: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The run's id."
    )
    period_start = serializers.DateField(source="run.period_start", read_only=True)
    period_end = serializers.DateField(source="run.period_end", read_only=True)

    class Meta:
        model = RechargeStatement
        fields: tuple[str, ...] = (
            "id",
            "run",
            "period_start",
            "period_end",
            "partner",
            "total",
            "adjustments",
            *BOOKKEEPING,
        )
        read_only_fields: tuple[str, ...] = fields


class RechargeStatementDetailSerializer(RechargeStatementSerializer):
    """One council's statement with its grouped lines."""

    lines = serializers.SerializerMethodField()

    class Meta(RechargeStatementSerializer.Meta):
        fields = (*RechargeStatementSerializer.Meta.fields, "lines")
        read_only_fields = fields

    @extend_schema_field(RechargeLineSerializer(many=True))
    def get_lines(self, obj: RechargeStatement) -> Any:
        rows = RechargeLine.objects.unscoped("a statement's own lines, read with it").filter(
            statement=obj
        )
        return RechargeLineSerializer(rows.select_related("rule"), many=True).data


class RechargeAdjustmentSerializer(ScopedModelSerializer):
    """A correction of an approved run for one council, carried by the next run made
    (``applied_in``)."""

    class Meta:
        model = RechargeAdjustment
        fields = (
            "id",
            "partner",
            "amount",
            "reason",
            "corrects_run",
            "applied_in",
            *BOOKKEEPING,
        )
        read_only_fields = ("applied_in",)


class RunPeriodSerializer(serializers.Serializer):
    """The period of a run to make or make again: a month or a quarter."""

    period_start = serializers.DateField(help_text="The first day: the 1st of a month.")
    period_end = serializers.DateField(help_text="The last day of that month or quarter.")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        from finance.recharging import period_problem

        problem = period_problem(data["period_start"], data["period_end"])
        if problem:
            raise serializers.ValidationError({"period_end": problem})
        return data
