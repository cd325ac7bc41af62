"""The councils that own a co-owned record, as an import's ``owner_shares`` column gives them.

A co-owned model (core.tenancy.records.SharedOwnershipModel) that lists ``owner_shares`` in
its ``import_fields`` takes one cell naming its owners: a council's code alone for a record it
owns outright (``wcc``), or each council with its percentage (``wcc 60; rbkc 40``, also
``wcc:60, rbkc:40%``), adding up to 100. Councils are looked up among those the importing person
can see, so one they cannot see reads as unknown, which reveals nothing.

Not here: who may import for which council (`core.importing.records`), saving the shares
(`core.services.set_owner_shares`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

#: The pseudo-column of a co-owned record's owners.
SHARES_COLUMN = "owner_shares"
#: What people call it.
SHARES_LABEL = "Councils"
#: How a cell of it is written, for the import page.
SHARES_ALLOWED = (
    "A council's code for a record it owns outright (wcc), or each council's code and "
    "percentage, adding up to 100 (wcc 60; rbkc 40)."
)

_PART = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(?:[:=]?\s*(\d+(?:\.\d+)?)\s*%?)?\s*$")


def takes_shares(model: Any) -> bool:
    """Whether an import of `model` takes the ``owner_shares`` column."""
    return getattr(model, "ownership", "") == "shared" and SHARES_COLUMN in getattr(
        model, "import_fields", ()
    )


#: Distinct owner-share cells remembered by one import's reader, at most.
_REMEMBERED = 2_000


class SharesReader:
    """Reads owner-share cells for one import, remembering the councils it has looked up."""

    def __init__(self, user: Any) -> None:
        from core.tenancy.models import Partner

        self.partners = {
            p.code.lower(): p for p in Partner.objects.visible_to(user).order_by("code")
        }
        # Cells read before ({text: shares}): a file names the same owners on thousands of rows.
        self._read: dict[str, dict[Any, Decimal]] = {}

    def read(self, text: str) -> dict[Any, Decimal]:
        """The councils and percentages a cell names; ValidationError in plain words. A cell
        read before is answered from memory (a copy of its own each time); a bad one is read,
        and refused, every time."""
        found = self._read.get(text)
        if found is None:
            found = self._shares(text)
            if len(self._read) < _REMEMBERED:
                self._read[text] = found
        return dict(found)

    def _shares(self, text: str) -> dict[Any, Decimal]:
        """`read`, every time."""
        parts = [p for p in re.split(r"[;,]", str(text)) if p.strip()]
        shares: dict[Any, Decimal] = {}
        bare = 0
        for part in parts:
            found = _PART.match(part)
            if not found:
                raise ValidationError(
                    f"'{part.strip()}' is not a council's code and share: write wcc, or "
                    "wcc 60; rbkc 40."
                )
            code, percentage = found.group(1), found.group(2)
            partner = self.partners.get(code.lower())
            if partner is None:
                raise ValidationError(f"There is no council with code '{code}' that you can use.")
            if partner in shares:
                raise ValidationError(f"The council '{code}' is named more than once.")
            if percentage is None:
                bare += 1
                shares[partner] = Decimal("100")
                continue
            try:
                shares[partner] = Decimal(percentage)
            except InvalidOperation:  # pragma: no cover - the pattern allows only numbers
                raise ValidationError(f"'{percentage}' is not a percentage.") from None
        if not shares:
            raise ValidationError("Enter the council that owns it (its code, such as wcc).")
        if bare and len(shares) > 1:
            raise ValidationError(
                "Give each council's percentage when several own it: wcc 60; rbkc 40."
            )
        total = sum(shares.values(), Decimal("0"))
        if total != Decimal("100"):
            raise ValidationError(f"The councils' shares add up to {total}%: they must make 100%.")
        return shares
