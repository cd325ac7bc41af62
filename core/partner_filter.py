"""The header's partner filter: shared-service staff look at "All councils" or at one.

The choice narrows lists, exports and dashboards on top of visibility; it never widens what a
person sees. It is kept in the session, so no state lives in process memory.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from core.tenancy.access import access_for
from core.tenancy.models import Partner

SESSION_KEY = "concord_partner_filter"


def selected_partner(request: HttpRequest) -> Any:
    """The partner the person chose to look at, or None for all the councils they can see."""
    if hasattr(request, "_concord_selected_partner"):
        return request._concord_selected_partner
    partner = None
    user = getattr(request, "user", None)
    code = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if code and user is not None and user.is_authenticated:
        partner = Partner.objects.visible_to(user).filter(code=code).first()
    request._concord_selected_partner = partner  # type: ignore[attr-defined]
    return partner


def choose_partner(request: HttpRequest, code: str | None) -> Any:
    """Remember the chosen partner (None or "" for all). An unknown code means all."""
    request.__dict__.pop("_concord_selected_partner", None)
    if code:
        request.session[SESSION_KEY] = code
    else:
        request.session.pop(SESSION_KEY, None)
    return selected_partner(request)


def narrowed_to_selected_partner(queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    """`queryset` narrowed to the records of the council chosen in the header's partner filter
    (never widened): the one rule of lists, their exports and the change log. Records nobody
    owns (catalogue) are not narrowed."""
    partner = selected_partner(request)
    if partner is None:
        return queryset
    condition = queryset.model.ownership_filter([partner.pk])
    if condition is None:  # catalogue records belong to nobody: the filter does not apply
        return queryset
    return queryset.filter(condition)


def _names(partners: list[Any]) -> str:
    names = [str(partner.name) for partner in partners]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def councils_shown(request: HttpRequest, form: Any, rows_shown: bool) -> dict[str, Any] | None:
    """What a list says of the councils it shows, so that the header's "Councils shown" and
    the list's own council filter never contradict each other in silence (issue 8.7).

    `form` is the list's bound, valid filter form (or None), `rows_shown` whether the page
    has rows. Returns ``{"text": ..., "conflict": bool}``, or None when there is nothing to
    say: a list of records nobody owns, or a person offered no choice of councils (one
    council's people see theirs) and choosing none in the filter. The council filter's
    choices are only councils the person can see, so naming them reveals nothing.
    """
    shown = selected_partner(request)
    asked: list[Any] = []
    cleaned = getattr(form, "cleaned_data", None) or {}
    for name, field in getattr(form, "fields", {}).items():
        queryset = getattr(field, "queryset", None)
        if queryset is None or queryset.model is not Partner:
            continue
        value = cleaned.get(name)
        if isinstance(value, Partner):
            asked.append(value)
        elif value:
            asked += [v for v in value if isinstance(v, Partner)]
    if shown is None:
        if asked:
            return {
                "text": f"Showing {_names(asked)} only (chosen in the council filter).",
                "conflict": False,
            }
        user = getattr(request, "user", None)
        access = access_for(user)
        if access.is_service_staff or len(access.roles_by_partner) > 1:
            return {
                "text": "Showing all councils (chosen at the top of the page).",
                "conflict": False,
            }
        return None
    header = f"Showing {shown.name} only (chosen at the top of the page)."
    others = [partner for partner in asked if partner.pk != shown.pk]
    if not others:
        return {
            "text": f"{header} Choose \u201cAll councils\u201d there to see every council.",
            "conflict": False,
        }
    verb = "is" if len(others) == 1 else "are"
    if rows_shown:
        outcome = f"The council filter asks for {_names(others)} too: only records " + (
            f"{shown.name} shares with {'it' if len(others) == 1 else 'them'} are shown."
        )
    else:
        outcome = (
            f"The council filter asks for {_names(others)}, which {verb} not shown: nothing "
            "matches. Choose \u201cAll councils\u201d at the top of the page, or another "
            "council in the filter."
        )
    return {"text": f"{header} {outcome}", "conflict": True}


def header_partner_rows(request: HttpRequest) -> Any:
    """The councils the header offers as a filter (a queryset), or None when it offers none.

    The same rows as a council filter dropdown on the page (core.filtersets.scoped_rows):
    read once per request. Only shared-service staff and people of more than one council
    get the filter.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    from core.filtersets import scoped_rows

    access = access_for(user)
    if access.is_service_staff or len(access.roles_by_partner) > 1:
        return scoped_rows(request, Partner)
    return None


def partner_filter_context(request: HttpRequest) -> dict[str, Any]:
    """Context for the header: the options (only partners the person can see) and the choice."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    access = access_for(user)
    context: dict[str, Any] = {"access": access, "selected_partner": selected_partner(request)}
    rows = header_partner_rows(request)
    if rows is not None:
        context["partner_filter_options"] = list(rows)  # Partner orders by name
    return context
