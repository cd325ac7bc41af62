"""Records the contracts tests share."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from contracts.models import Contract, Supplier
from core.services import set_owner_shares
from core.tenancy.scoping import system_scope


def supplier(name: str = "Quillon Telecom") -> Supplier:
    with system_scope("test data"):
        found = Supplier.objects.filter(name=name).first()
        if found is not None:
            return found
        return Supplier.objects.create(name=name)


def contract(
    reference: str,
    shares: dict[Any, Any],
    *,
    start: datetime.date = datetime.date(2024, 4, 1),
    months: int = 36,
    **fields: Any,
) -> Contract:
    """A saved contract owned in `shares` ({partner: percentage})."""
    with system_scope("test data"):
        made = Contract.objects.create(
            reference=reference,
            title=fields.pop("title", f"Contract {reference}"),
            supplier=fields.pop("supplier", None) or supplier(),
            start_date=start,
            initial_term_months=months,
            status=fields.pop("status", "active"),
            **fields,
        )
        set_owner_shares(made, {p: Decimal(str(v)) for p, v in shares.items()})
    return made
