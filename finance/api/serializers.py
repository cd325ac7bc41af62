"""API serializers of the finance ledger: related records by natural key (a cost centre by
its code, a year by its name, a rule by its name), a cost line's councils by code."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from finance.choices import FigureSource
from finance.models.ledger import (
    ApportionmentRule,
    Budget,
    BudgetRevision,
    CostCentre,
    CostLine,
    DriverFigure,
    FinancialYear,
    LedgerCode,
    RuleComponent,
    RuleShare,
)
from finance.services import NO_REASON, audience_problem, revise_budget


class FinancialYearSerializer(ScopedModelSerializer):
    """A financial year (catalogue: read by all, kept by the shared service)."""

    class Meta:
        model = FinancialYear
        fields = ("id", "name", "starts_on", "ends_on", *BOOKKEEPING)


class CostCentreSerializer(ScopedModelSerializer):
    """A council's cost centre; ``partner`` is the council's code."""

    class Meta:
        model = CostCentre
        fields = ("id", "partner", "code", "name", *BOOKKEEPING)


class LedgerCodeSerializer(ScopedModelSerializer):
    """Where a council books its share of a category: cost centre (by code) and account."""

    class Meta:
        model = LedgerCode
        fields = (
            "id",
            "partner",
            "category",
            "spend_type",
            "cost_centre",
            "account_code",
            *BOOKKEEPING,
        )


class BudgetSerializer(ScopedModelSerializer):
    """A budget; a new one, and each change of its amount, is kept as a revision with
    ``reason`` (write-only; "No reason given" when left out)."""

    reason = serializers.CharField(
        write_only=True,
        required=False,
        max_length=300,
        help_text="Why the figure is what it is (kept in the budget's revisions).",
    )

    class Meta:
        model = Budget
        fields = (
            "id",
            "partner",
            "year",
            "cost_centre",
            "spend_type",
            "amount",
            "reason",
            *BOOKKEEPING,
        )

    def create(self, validated_data: dict[str, Any]) -> Any:
        reason = validated_data.pop("reason", "") or "Original budget"
        budget = super().create(validated_data)  # Budget.save keeps its original revision
        if reason != "Original budget":
            original = (
                BudgetRevision.objects.unscoped("a new budget's own revision")
                .filter(budget=budget)
                .get()
            )
            original.reason = reason  # its words, as the client gave them
            original.save()
        return budget

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        reason = validated_data.pop("reason", "") or NO_REASON
        amount = validated_data.pop("amount", instance.amount)
        budget = super().update(instance, validated_data)
        if amount != budget.amount:
            revise_budget(budget, amount, reason)
        return budget


class BudgetRevisionSerializer(ScopedModelSerializer):
    """A figure a budget has had; adding one sets the budget's amount to it."""

    class Meta:
        model = BudgetRevision
        fields = ("id", "budget", "amount", "reason", "revised_on", *BOOKKEEPING)

    def create(self, validated_data: dict[str, Any]) -> Any:
        try:
            return revise_budget(
                validated_data["budget"],
                validated_data["amount"],
                validated_data["reason"],
                validated_data["revised_on"],
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc


class CostLineSerializer(ScopedModelSerializer):
    """A cost and who bears it: ``councils`` (codes) or ``for_all_councils``; ``source`` (read
    only) names the record it came from, as ``app.model:id``."""

    source = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text="The record it came from, as app.model:id, if any."
    )

    class Meta:
        model = CostLine
        fields = (
            "id",
            "reference",
            "description",
            "amount",
            "incurred_on",
            "period_start",
            "period_end",
            "category",
            "spend_type",
            "supplier",
            "is_shared",
            "for_all_councils",
            "councils",
            "cost_centre",
            "rule",
            "source",
            *BOOKKEEPING,
        )

    def get_source(self, obj: CostLine) -> str | None:
        kind = obj.source_type
        if kind is None or obj.source_id is None:
            return None
        seen = getattr(obj, "_api_source_seen", None)
        if seen is None:
            seen = self._visible_sources([obj]).get((kind.pk, obj.source_id), False)
        # Only a source the reader may see (another council's own contract is not named).
        return f"{kind.app_label}.{kind.model}:{obj.source_id}" if seen else None

    def _visible_sources(self, rows: list[Any]) -> dict[tuple[int, int], bool]:
        """Which of `rows`' sources the reader sees: one query per kind of source."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        wanted: dict[int, set[int]] = {}
        for row in rows:
            if row.source_type_id and row.source_id is not None:
                wanted.setdefault(row.source_type_id, set()).add(row.source_id)
        seen: dict[tuple[int, int], bool] = {}
        for type_id, ids in wanted.items():
            model = ContentType.objects.get_for_id(type_id).model_class()
            manager: Any = model._default_manager if model is not None else None
            visible = (
                set(manager.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
                if manager is not None and hasattr(manager, "visible_to")
                else set()
            )
            for pk in ids:
                seen[(type_id, pk)] = pk in visible
        return seen

    def prepare_rows(self, rows: list[Any]) -> None:
        """Also which sources of a page of cost lines the reader sees, in a query a kind."""
        super().prepare_rows(rows)
        seen = self._visible_sources(rows)
        for row in rows:
            if row.source_type_id:
                row._api_source_seen = seen.get((row.source_type_id, row.source_id), False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)

        def value(name: str, default: Any = None) -> Any:
            if name in attrs:
                return attrs[name]
            return getattr(self.instance, name, default) if self.instance is not None else default

        councils = attrs.get("councils")
        if councils is None:
            councils = self.instance.audience() if self.instance is not None else []
        problem = audience_problem(
            bool(value("is_shared", False)),
            value("cost_centre"),
            list(councils),
            bool(value("for_all_councils", False)),
        )
        if problem:
            raise serializers.ValidationError({"councils": problem})
        return attrs


class ApportionmentRuleSerializer(ScopedModelSerializer):
    """An apportionment rule (catalogue: read by all, kept by the shared service)."""

    class Meta:
        model = ApportionmentRule
        fields = (
            "id",
            "name",
            "method",
            "category",
            "valid_from",
            "valid_to",
            "description",
            *BOOKKEEPING,
        )


class RuleComponentSerializer(ScopedModelSerializer):
    """A driver a rule reads and its weight in percent; ``rule`` by name."""

    class Meta:
        model = RuleComponent
        fields = ("id", "rule", "driver", "weight", *BOOKKEEPING)


class RuleShareSerializer(ScopedModelSerializer):
    """A council's share under a fixed rule (each council sees only its own)."""

    class Meta:
        model = RuleShare
        fields = ("id", "partner", "rule", "percent", *BOOKKEEPING)


class DriverFigureSerializer(ScopedModelSerializer):
    """A council's driver figure for a period; a figure sent through the API is entered."""

    class Meta:
        model = DriverFigure
        fields = (
            "id",
            "partner",
            "driver",
            "period_start",
            "period_end",
            "value",
            "source",
            "note",
            *BOOKKEEPING,
        )
        read_only_fields = ("source",)

    def create(self, validated_data: dict[str, Any]) -> Any:
        validated_data["source"] = FigureSource.ENTERED
        return super().create(validated_data)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        validated_data["source"] = FigureSource.ENTERED
        return super().update(instance, validated_data)
