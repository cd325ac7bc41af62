"""Serializers of the recharge part of the finance API: the apportion calculator's request and
answer (finance/api/recharges.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

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
