"""Records the portfolio tests share."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from portfolio.models import Programme, Project


def programme(reference: str, shares: dict[Any, Any], **fields: Any) -> Programme:
    """A saved programme owned in `shares` ({partner: percentage})."""
    with system_scope("test data"):
        found = Programme.objects.filter(reference=reference).first()
        if found is not None:
            return found
        made = Programme.objects.create(
            reference=reference,
            name=fields.pop("name", f"Programme {reference}"),
            start_date=fields.pop("start_date", datetime.date(2026, 4, 1)),
            **fields,
        )
        set_owner_shares(made, {p: Decimal(str(v)) for p, v in shares.items()})
    return made


def project(reference: str, shares: dict[Any, Any], **fields: Any) -> Project:
    """A saved project owned in `shares` ({partner: percentage})."""
    with system_scope("test data"):
        found = Project.objects.filter(reference=reference).first()
        if found is not None:
            return found
        made = Project.objects.create(
            reference=reference,
            name=fields.pop("name", f"Project {reference}"),
            start_date=fields.pop("start_date", datetime.date(2026, 4, 1)),
            stage=fields.pop("stage", "in_delivery"),
            **fields,
        )
        set_owner_shares(made, {p: Decimal(str(v)) for p, v in shares.items()})
    return made
