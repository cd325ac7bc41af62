"""Sample procurement records for the tests, made as the system."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from contracts.procurement import (
    CallOff,
    Framework,
    FrameworkLot,
    LotSupplier,
    PurchaseRequest,
    PurchaseRequestLine,
)
from core.services import set_audience
from core.tenancy.scoping import system_scope


def supplier(name: str = "Nudge Digital", is_sme: bool = True) -> Any:
    """A supplier of the catalogue (looked up by name, made when missing)."""
    from contracts.models import Supplier

    with system_scope("test data"):
        found = Supplier.objects.filter(name=name).first()
        return found or Supplier.objects.create(name=name, is_sme=is_sme)


def framework(
    reference: str = "DPF",
    councils: list[Any] | None = None,
    ceiling: str = "1000.00",
    hold: bool = False,
    lots: int = 1,
    suppliers: list[Any] | None = None,
) -> tuple[Framework, list[FrameworkLot]]:
    """A framework for `councils`, with `lots` lots, each with `suppliers` on it."""
    with system_scope("test data"):
        made = Framework.objects.create(
            reference=reference,
            name=f"{reference} framework",
            ceiling_value=Decimal(ceiling),
            start_date=datetime.date(2019, 6, 1),
            term_months=48,
            hold_over_ceiling=hold,
        )
        set_audience(made, councils or [])
        made_lots = []
        for n in range(1, lots + 1):
            lot = FrameworkLot.objects.create(framework=made, number=n, title=f"Lot {n} work")
            for s in suppliers if suppliers is not None else [supplier()]:
                LotSupplier.objects.create(lot=lot, supplier=s)
            made_lots.append(lot)
    return made, made_lots


def call_off(
    lot: FrameworkLot,
    partner: Any,
    reference: str,
    value: str,
    on: Any = None,
    **extra: Any,
) -> CallOff:
    """A call-off saved through its rules (clean, then the locked save)."""
    with system_scope("test data"):
        made = CallOff(
            partner=partner,
            reference=reference,
            lot=lot,
            supplier=on or supplier(),
            value=Decimal(value),
            start_date=datetime.date(2024, 4, 1),
            **extra,
        )
        made.full_clean()
        made.save()
    return made


def purchase_request(
    partner: Any, requester: Any, reference: str, lines: list[tuple[str, int, str, bool]]
) -> PurchaseRequest:
    """A draft request with lines (description, quantity, unit price, hardware)."""
    with system_scope("test data"):
        made = PurchaseRequest.objects.create(
            partner=partner, reference=reference, title=f"Request {reference}", requester=requester
        )
        for description, quantity, price, hardware in lines:
            PurchaseRequestLine.objects.create(
                request=made,
                description=description,
                quantity=quantity,
                unit_price=Decimal(price),
                is_hardware=hardware,
                asset_kind="laptop" if hardware else "",
            )
        made.refresh_from_db()
    return made
