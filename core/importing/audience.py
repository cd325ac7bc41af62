"""The councils a record is for, as an import's ``councils`` column gives them.

A record for every council or for chosen ones (core.tenancy.records.AudienceModel: a cost
line, a knowledge article, a request catalogue item, a change, a framework) that lists
``councils`` in its ``import_fields`` takes one cell naming the councils it is for: their codes
separated by commas (``wcc, rbkc``; spaces and semicolons also separate), or ``all`` for every
council (``for_all_councils``), which only someone who may import and add such records in
every council may write. Councils are looked up among those the importing person can see, so
one they cannot see reads as unknown, which reveals nothing; a council that has left cannot be
named. A person who may import for one council only may leave the cell empty: it is then
their council (core.importing.columns.default_owner), never another's.

Not here: whether the person may import for the councils named (`core.importing.records`),
saving them (`core.services.set_audience`, through which the change log records them).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

#: The pseudo-column of the councils a record is for.
AUDIENCE_COLUMN = "councils"
#: What people call it.
AUDIENCE_LABEL = "Councils"
#: What a cell says for a record for every council.
EVERY_COUNCIL = "all"
#: How a cell of it is written, for the import page.
AUDIENCE_ALLOWED = (
    "The codes of the councils it is for, separated by commas (wcc, rbkc), or all for every "
    "council (only if you may import for every council)."
)


def takes_audience(model: Any) -> bool:
    """Whether an import of `model` takes the ``councils`` column."""
    return getattr(model, "ownership", "") == "audience" and AUDIENCE_COLUMN in getattr(
        model, "import_fields", ()
    )


class AudienceReader:
    """Reads councils cells for one import, remembering the councils it has looked up."""

    def __init__(self, user: Any) -> None:
        from core.tenancy.models import Partner

        self.partners = {
            p.code.lower(): p
            for p in Partner.objects.visible_to(user).order_by("code")
            if not p.is_former
        }

    def read(self, text: str) -> tuple[list[Any], bool]:
        """(the councils a cell names, whether it says every council); ValidationError in
        plain words."""
        text = str(text).strip()
        if text.lower() == EVERY_COUNCIL:
            return [], True
        found: list[Any] = []
        for code in (c for c in re.split(r"[\s,;]+", text) if c):
            partner = self.partners.get(code.lower())
            if partner is None:
                raise ValidationError(f"There is no council with code '{code}' that you can use.")
            if partner in found:
                raise ValidationError(f"The council '{code}' is named more than once.")
            found.append(partner)
        if not found:
            raise ValidationError("Enter the codes of the councils it is for, or all.")
        return found, False
