"""Permission checks of the API, asked of the one grant table (core.tenancy.access).

The HTTP method (or the viewset action) says which action is wanted: reads are ``view``, POST
``add``, PUT/PATCH ``change``, DELETE ``delete``, and the import action ``import``. A person
with no such grant anywhere gets 403; a record of a council they cannot see never reaches the
object check at all (the viewset's scoped queryset makes it a 404).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.tenancy.access import ADD, CHANGE, DELETE, IMPORT, VIEW, access_for

METHOD_ACTIONS = {
    "GET": VIEW,
    "HEAD": VIEW,
    "OPTIONS": VIEW,
    "POST": ADD,
    "PUT": CHANGE,
    "PATCH": CHANGE,
    "DELETE": DELETE,
}

# Viewset actions whose permission is not the HTTP method's.
VIEWSET_ACTIONS = {"import_records": IMPORT}


def action_for(request: Request, view: Any) -> str:
    """The access action a request asks for (view, add, change, delete, import...)."""
    named = VIEWSET_ACTIONS.get(getattr(view, "action", None) or "")
    if named:
        return named
    return METHOD_ACTIONS.get((request.method or "GET").upper(), VIEW)


class ScopedActionPermission(BasePermission):
    """Signed in, and granted the action in the model's area (for the record's owners)."""

    message = "You may not do that."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False  # DRF turns this into 401 for a request with no credentials
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in getattr(view, "kwargs", {}):
            # A record's own URL: whether the person can see it at all (else 404) is settled
            # before whether they may act on it (has_object_permission, else 403), so a
            # council's record is never confirmed to exist by a 403.
            return True
        model = view.get_model()
        action = action_for(request, view)
        own = bool(getattr(model, "own_fields", ())) and own_grants_count(view, action)
        return access_for(user).can(action, model.area, own=own)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        owners = obj.owning_partner_ids()
        action = action_for(request, view)
        own = (
            own_grants_count(view, action)
            and hasattr(obj, "is_own_record")
            and obj.is_own_record(request.user)
        )
        return access_for(request.user).can(action, obj.area, owners, own=own)


def own_grants_count(view: Any, action: str) -> bool:
    """Whether a grant on one's own records allows `action` on this endpoint (its
    ``own_actions``; None: every action)."""
    allowed = getattr(view, "own_actions", None)
    return allowed is None or action in allowed
