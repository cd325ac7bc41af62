"""Sample records for the licences' tests, made as the system."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from licences.choices import LicenceKind
from licences.models import LicenceAgreement, SoftwareProduct


def product(name: str = "Quillsoft Writer", publisher: str = "Quillsoft", **extra: Any) -> Any:
    """A software product (looked up by name, made when missing)."""
    with system_scope("test data"):
        return SoftwareProduct.objects.get_or_create(
            name=name, defaults={"publisher": publisher, **extra}
        )[0]


def agreement(
    reference: str,
    shares: dict[Any, Any],
    quantity: int = 10,
    unit_cost: str = "100.00",
    kind: str = LicenceKind.PER_USER,
    of: Any = None,
    starts_on: datetime.date = datetime.date(2024, 4, 1),
    **extra: Any,
) -> LicenceAgreement:
    """An agreement owned by the councils of `shares` (partner: percentage)."""
    with system_scope("test data"):
        made = LicenceAgreement.objects.create(
            reference=reference,
            product=of or product(),
            kind=kind,
            quantity=quantity,
            unit_cost=Decimal(unit_cost),
            starts_on=starts_on,
            **extra,
        )
        set_owner_shares(made, {p: Decimal(str(pct)) for p, pct in shares.items()})
    return made


def device(tag: str, owners: dict[Any, Any], person: Any = None, **extra: Any) -> Any:
    """A laptop (assets.Asset) owned by the councils of `owners`, assigned to `person`."""
    from assets.models import Asset

    with system_scope("test data"):
        made = Asset.objects.create(
            kind="laptop",
            asset_tag=tag,
            serial_number=f"SN-{tag}",
            name=f"Laptop {tag}",
            assigned_to=person,
            **extra,
        )
        set_owner_shares(made, {p: Decimal(str(pct)) for p, pct in owners.items()})
    return made
