"""One council's pages and API endpoints, addressed by its code.

Some of an app's work is about one council as a whole rather than about a record: a council's
contracts register as published files, for instance, at ``/api/v1/partners/<code>/ocds/``.
`council_for` is the one reading of such an address: the council with that code among those
the reader may see, else a 404 that says nothing of whether it exists (another council's code
and a code nobody has are answered alike); then the grant table's word on the action in the
app's area for that council, else a 403. Pages call it directly; API endpoints subclass
`core.api.councils.CouncilEndpoint` and are mounted with `council_path`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.tenancy.access import access_for
from core.tenancy.models import Partner

#: The part of a path naming the council (its code, ``wcc``).
COUNCIL_KWARG = "partner_code"


def council_for(user: Any, code: str, action: str, area: str) -> Partner:
    """The council `code` names, if `user` may see it and take `action` in `area` there.

    Raises Http404 for a council the person may not see (or none has that code), and
    PermissionDenied when they see it but the grant tables refuse the action there.
    """
    partner = Partner.objects.visible_to(user).filter(code__iexact=(code or "").strip()).first()
    if partner is None:
        raise Http404("There is no council with this code that you can see.")
    if not access_for(user).can(action, area, [partner.pk]):
        raise PermissionDenied(f"You may not {action} {area} records of {partner.name}.")
    return partner
