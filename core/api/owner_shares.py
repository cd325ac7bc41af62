"""``owner_shares`` of a co-owned record in the API: ``[{"partner": "wcc", "percentage":
"60.00"}]``, always the whole list. As on the record's page (core.forms.OwnerSharesMixin), a
person sets the shares of the councils where they may change the record; every other owner's
share is kept and counts towards the 100% (core.services.owner_shares_problem)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import empty

from core.api.fields import (
    ScopedSlugRelatedField,
    owner_partner_choices,
    request_user,
    share_partner_choices,
)
from core.services import kept_owner_shares, owner_shares_problem, percent_text
from core.tenancy.models import Partner


class RequiredInEveryShare:
    """A field every owner share must give, in a PATCH too.

    On a partial update DRF skips missing fields, nested ones included. But ``owner_shares``
    is always replaced as a whole, so a share naming no council or no percentage is as
    incomplete in a PATCH as in a POST, and gets the same "required" error.
    """

    def validate_empty_values(self, data: Any) -> Any:
        if data is empty and self.required and not self.read_only:  # type: ignore[attr-defined]
            self.fail("required")  # type: ignore[attr-defined]
        return super().validate_empty_values(data)  # type: ignore[misc]


class SharePartnerField(RequiredInEveryShare, ScopedSlugRelatedField):
    """The council of one owner share, by its code."""


class SharePercentageField(RequiredInEveryShare, serializers.DecimalField):
    """The percentage of one owner share."""


class OwnerShareSerializer(serializers.Serializer):
    """One council's share in a co-owned record."""

    partner = SharePartnerField(
        related_model=Partner,
        slug_field="code",
        choices_for=share_partner_choices,
        help_text="The council's code.",
    )
    percentage = SharePercentageField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        help_text="Its share, in percent; the shares of a record add up to 100.",
    )


class OwnerSharesField(serializers.ListSerializer):
    """``owner_shares`` of a co-owned record: every owner once, the shares summing to 100."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", OwnerShareSerializer())
        kwargs.setdefault("allow_empty", False)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "The councils that own the record, with their shares, always as a whole list. You "
            "set the shares of the councils where you may change the record; other owners' "
            "shares are kept as they are (leave them out, or send them unchanged).",
        )
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        cached = getattr(instance, "_api_owner_shares", None)
        return cached if cached is not None else instance.owner_shares()

    def validate(self, attrs: Any) -> Any:
        partners = [row["partner"].pk for row in attrs]
        if len(set(partners)) != len(partners):
            raise serializers.ValidationError("Name each council once.", code="duplicate")
        kept = self.kept_shares(attrs)
        shares = [*attrs, *kept]
        problem = owner_shares_problem(
            {row["partner"]: row["percentage"] for row in shares},
            kept={row["partner"]: row["percentage"] for row in kept},
        )
        if problem is not None:
            raise serializers.ValidationError(problem, code="total")
        return shares

    def kept_shares(self, attrs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The current shares of the councils the person may not write, which stay as they are.

        The same rule as a co-owned record's edit page (core.forms.OwnerSharesMixin): a person
        sets the shares of the councils where they may change the record, and every other
        owner's share is kept, counting towards the 100%. A share of such a council may be
        sent back unchanged (it is what the person was shown) or left out; sending it changed
        is refused rather than silently ignored, so nobody believes they changed it.
        """
        instance = getattr(self.root, "instance", None)
        if instance is None:
            # A new record has no shares yet, and its choices are only writable councils.
            return []
        writable = set(owner_partner_choices(self, request_user(self)).values_list("pk", flat=True))
        current = {s.partner_id: s for s in kept_owner_shares(instance, writable)}
        # One entry per share sent, as DRF lists the errors of a list: {} for a share that is fine.
        errors: list[dict[str, Any]] = [{} for _ in attrs]
        for index, row in enumerate(attrs):
            pk = row["partner"].pk
            share = current.get(pk)
            if pk in writable or (share is not None and share.percentage == row["percentage"]):
                continue
            # The choices offer no other council than writable ones and current owners, so
            # `share` is missing only if the owners changed while this request was checked.
            kept_at = f" ({percent_text(share.percentage)}%)" if share is not None else ""
            errors[index] = {
                "percentage": [
                    ErrorDetail(
                        f"You may not change {row['partner'].name}'s share: leave it out or "
                        f"send it unchanged{kept_at}.",
                        code="not_writable",
                    )
                ]
            }
        if any(errors):
            raise serializers.ValidationError(errors)
        named = {row["partner"].pk for row in attrs}
        return [
            {"partner": share.partner, "percentage": share.percentage}
            for pid, share in current.items()
            if pid not in named
        ]
