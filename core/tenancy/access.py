"""Who may do what, in which council: the grant table behind every permission check.

A person's access is worked out once per request (cached on the user object) from their service
role and council memberships. The scoping mechanism (core.tenancy.scoping) asks it which
partners a person may see; views and the API ask it whether an action is allowed.
docs/tenancy.md shows the same table for people (a test checks they agree).

Every permission in Concord is a row of these tables: there is no second rule beside them.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from core.tenancy.choices import CouncilRole, ServiceRole

VIEW, ADD, CHANGE, DELETE, IMPORT, EXPORT, HISTORY = (
    "view",
    "add",
    "change",
    "delete",
    "import",
    "export",
    "history",
)
ACTIONS = frozenset({VIEW, ADD, CHANGE, DELETE, IMPORT, EXPORT, HISTORY})
READ_ACTIONS = frozenset({VIEW, EXPORT, HISTORY})
WRITE_ACTIONS = ACTIONS - READ_ACTIONS
EVERYTHING = ACTIONS

# Areas group record kinds; each model names its area (core.tenancy.records.ConcordModel.area),
# and a system check refuses a model whose area is not one of these. Besides the domain apps'
# areas: ``partners`` (councils and their people), ``partnership`` (a whole council's data
# handed over: joining and leaving), ``changelog`` (reading the change log) and
# ``configuration`` (how the shared service is set up: routing rules and the like, seen by its
# staff only). The service desk has six: ``servicedesk`` (tickets),
# ``problems`` (the causes behind incidents: the shared service's own, worked by its desk
# staff, seen by no council role, since one problem may lie behind several councils' incidents),
# ``changes`` (change requests: planned and worked by the shared service, read by the councils
# they affect), ``approvals`` (each affected council's decision on a change, made by its lead),
# ``servicelevels`` (each council's SLA policies and working calendar: agreed with the
# council, which reads them) and ``knowledge`` (what the shared service publishes to councils:
# knowledge articles, the request catalogue). ``lockouts`` is the sign-in lock-outs of a
# council's people (core.tenancy.lockouts): seen (view) and lifted (delete) by the council's
# lead, and by the shared-service manager for anyone. ``mail`` is the desk's inbound mail (the
# messages email brought, kept as received): the shared service's own, since a mail's council
# is what processing it decides; its desk staff read it and act on it (retry, discard, raise a
# ticket for a held mail's sender), no council role sees it, nobody adds it by hand (it
# arrives), and only the manager deletes one (erasure of personal data). ``identity`` is how
# people sign in: each council's identity provider and what its groups make a person, its
# provisioning token, and the second factors of the shared service's own staff; the
# shared-service manager's alone, since a wrong provider lets strangers into a council.
# ``portfolio`` is programmes and projects, their reports, risks and issues (one council's or
# co-owned). ``reporting`` is the figures made from every other area's records (KPI roll-ups,
# dashboards, monthly packs): made by the service's jobs, read by each council's lead, finance,
# procurement and auditor for their own council, and by the shared service for every council.
AREAS = (
    "partners",
    "partnership",
    "changelog",
    "lockouts",
    "configuration",
    "identity",
    "estate",
    "catalogue",
    "servicedesk",
    "servicelevels",
    "problems",
    "changes",
    "approvals",
    "knowledge",
    "mail",
    "assets",
    "licences",
    "contracts",
    "finance",
    "portfolio",
    "reporting",
)

CATALOGUE_EDIT = frozenset({VIEW, ADD, CHANGE, IMPORT, EXPORT, HISTORY})
NOTHING: frozenset[str] = frozenset()
#: Seeing a sign-in lock-out and lifting it (deleting it).
LIFT_LOCKOUTS = frozenset({VIEW, DELETE})
#: Working the desk's inbound mail: reading it and acting on it (retry, discard, raise a
#: ticket), never adding it by hand.
WORK_MAIL = frozenset({VIEW, CHANGE, EXPORT, HISTORY})

# A role's grants by area; "*" is every area the role does not name. A council role's grants
# apply in that council only, a service role's in every council.

COUNCIL_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    CouncilRole.REQUESTER: {
        "partners": frozenset({VIEW}),
        "estate": frozenset({VIEW}),
        "catalogue": frozenset({VIEW}),
        "servicedesk": frozenset({ADD}),
        "knowledge": frozenset({VIEW}),
    },
    CouncilRole.LEAD: {
        "identity": NOTHING,
        "problems": NOTHING,
        "mail": NOTHING,
        "partners": READ_ACTIONS,
        "partnership": NOTHING,
        "changelog": frozenset({VIEW}),
        "lockouts": LIFT_LOCKOUTS,
        "configuration": NOTHING,
        "catalogue": frozenset({VIEW}),
        "servicelevels": READ_ACTIONS,
        "knowledge": READ_ACTIONS,
        # A change is the shared service's plan: the lead of a council it affects reads it
        # and decides their council's approval (docs/servicedesk.md, "Changes").
        "changes": READ_ACTIONS,
        "approvals": frozenset({VIEW, CHANGE, EXPORT, HISTORY}),
        # Figures are made from the records by the service's jobs: a lead reads their
        # council's dashboards and packs, and nobody edits a figure.
        "reporting": READ_ACTIONS,
        "*": EVERYTHING,
    },
    CouncilRole.FINANCE: {
        "identity": NOTHING,
        "problems": NOTHING,
        "mail": NOTHING,
        "finance": EVERYTHING,
        "partnership": NOTHING,
        "changelog": NOTHING,
        "lockouts": NOTHING,
        "configuration": NOTHING,
        "catalogue": frozenset({VIEW}),
        "*": frozenset({VIEW, EXPORT}),
    },
    CouncilRole.PROCUREMENT: {
        "identity": NOTHING,
        "problems": NOTHING,
        "mail": NOTHING,
        "contracts": EVERYTHING,
        "licences": EVERYTHING,
        "partnership": NOTHING,
        "changelog": NOTHING,
        "lockouts": NOTHING,
        "configuration": NOTHING,
        "catalogue": frozenset({VIEW}),
        "*": frozenset({VIEW, EXPORT}),
    },
    CouncilRole.AUDITOR: {
        "identity": NOTHING,
        "problems": NOTHING,
        "mail": NOTHING,
        "partnership": NOTHING,
        "configuration": NOTHING,
        "changelog": frozenset({VIEW}),
        "lockouts": NOTHING,
        "catalogue": frozenset({VIEW}),
        "*": READ_ACTIONS,
    },
}

SERVICE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    ServiceRole.MANAGER: {
        "lockouts": LIFT_LOCKOUTS,
        "mail": WORK_MAIL | {DELETE},
        "*": EVERYTHING,
    },
    ServiceRole.AGENT: {
        "identity": NOTHING,
        "problems": EVERYTHING,
        "mail": WORK_MAIL,
        "servicedesk": EVERYTHING,
        "changes": EVERYTHING,
        "knowledge": EVERYTHING,
        "assets": EVERYTHING,
        "partnership": NOTHING,
        "changelog": frozenset({VIEW}),
        "lockouts": NOTHING,
        "catalogue": CATALOGUE_EDIT,
        "*": READ_ACTIONS,
    },
    ServiceRole.RESOLVER: {
        "identity": NOTHING,
        "problems": EVERYTHING,
        "mail": WORK_MAIL,
        "servicedesk": EVERYTHING,
        "changes": EVERYTHING,
        "knowledge": EVERYTHING,
        "assets": EVERYTHING,
        "partnership": NOTHING,
        "changelog": frozenset({VIEW}),
        "lockouts": NOTHING,
        "catalogue": CATALOGUE_EDIT,
        "*": READ_ACTIONS,
    },
    ServiceRole.FINANCE: {
        "identity": NOTHING,
        "finance": EVERYTHING,
        "partnership": NOTHING,
        "changelog": frozenset({VIEW}),
        "lockouts": NOTHING,
        "catalogue": CATALOGUE_EDIT,
        "*": READ_ACTIONS,
    },
    ServiceRole.PROCUREMENT: {
        "identity": NOTHING,
        "contracts": EVERYTHING,
        "licences": EVERYTHING,
        "partnership": NOTHING,
        "changelog": frozenset({VIEW}),
        "lockouts": NOTHING,
        "catalogue": CATALOGUE_EDIT,
        "*": READ_ACTIONS,
    },
}


# A council role's grants that reach only the person's OWN records in that council: the records
# whose `own_fields` name them (a ticket they raised or are the contact of). A requester sees
# and follows up their own tickets, not their colleagues'. No "*": own grants are named.
COUNCIL_OWN_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    CouncilRole.REQUESTER: {
        "servicedesk": frozenset({VIEW, CHANGE}),
    },
}


def _granted(table: dict[str, frozenset[str]], area: str) -> frozenset[str]:
    return table.get(area, table.get("*", frozenset()))


@dataclass
class Access:
    """What one person may do: across all partners (service staff) or per council."""

    user_id: int | None
    is_superuser: bool = False
    service_role: str = ""
    roles_by_partner: dict[int, set[str]] = field(default_factory=dict)
    #: Partners that have left, or None until someone asks (see `left_partner_ids`).
    _left: set[int] | None = field(default=None, repr=False)
    #: A council person all of whose councils have left: they can no longer sign in.
    access_ended: bool = False
    #: The name of each council the person holds a role in (the header shows their roles).
    partner_names: dict[int, str] = field(default_factory=dict)
    #: The row of each council the person holds a role in, as read with their access (the
    #: values of the council's concrete fields, in order), for `writable_partner`.
    council_rows: dict[int, tuple[Any, ...]] = field(default_factory=dict, repr=False)

    def council_roles(self) -> list[tuple[str, list[str]]]:
        """(council name, [role, ...]) of each council the person holds a role in, by name:
        what the header says ("Ana Lopez — City of Westminster, lead")."""
        labels = dict(CouncilRole.choices)
        return sorted(
            (
                self.partner_names.get(pid, ""),
                sorted(str(labels.get(role, role)) for role in roles),
            )
            for pid, roles in self.roles_by_partner.items()
        )

    @property
    def left_partner_ids(self) -> set[int]:
        """Partners that have left: their records are read-only to everyone.

        Looked up on first use: most pages (every list) never ask, and shared-service staff
        would otherwise pay a query for it on each request.
        """
        if self._left is None:
            from core.tenancy.models import Partner

            self._left = set(
                Partner.objects.unscoped("which partners have left")
                .filter(left_on__isnull=False, left_on__lte=timezone.localdate())
                .values_list("pk", flat=True)
            )
        return self._left

    @property
    def is_service_staff(self) -> bool:
        """Shared-service staff (and superusers) see every partner."""
        return self.is_superuser or bool(self.service_role)

    def service_actions(self, area: str) -> frozenset[str]:
        """Actions this person's service role grants in `area` (all of them for superusers)."""
        if self.is_superuser:
            return EVERYTHING
        if not self.service_role:
            return frozenset()
        return _granted(SERVICE_GRANTS.get(self.service_role, {}), area)

    def council_actions(self, partner_id: int, area: str) -> frozenset[str]:
        """Actions this person's roles in one council grant in `area`."""
        actions: set[str] = set()
        for role in self.roles_by_partner.get(partner_id, ()):
            actions |= _granted(COUNCIL_GRANTS.get(role, {}), area)
        return frozenset(actions)

    def council_own_actions(self, partner_id: int, area: str) -> frozenset[str]:
        """Actions this person's roles in one council grant on their own records of `area`."""
        actions: set[str] = set()
        for role in self.roles_by_partner.get(partner_id, ()):
            actions |= COUNCIL_OWN_GRANTS.get(role, {}).get(area, frozenset())
        return frozenset(actions)

    def partner_ids(self, action: str, area: str) -> set[int] | None:
        """Partners in which this person may do `action` in `area`; None means every partner."""
        if action in self.service_actions(area):
            return None
        return {pid for pid in self.roles_by_partner if action in self.council_actions(pid, area)}

    def own_partner_ids(self, action: str, area: str) -> set[int]:
        """Partners in which this person may do `action` on their own records of `area` only
        (not on every record of the area there: those are `partner_ids`)."""
        if action in self.service_actions(area):
            return set()
        return {
            pid
            for pid in self.roles_by_partner
            if action in self.council_own_actions(pid, area)
            and action not in self.council_actions(pid, area)
        }

    def can(
        self,
        action: str,
        area: str,
        partner_ids: Iterable[int] | None = None,
        own: bool = False,
    ) -> bool:
        """May this person do `action` in `area`, for a record owned by `partner_ids`?

        `own` says the record is the person's own, so that the grants on one's own records
        count too (COUNCIL_OWN_GRANTS); with no partner ids (a new record, or the question
        whether the person may do it anywhere), that the kind of record has own records. A
        record whose owners have all left the partnership is read-only for everyone.
        """
        owners = set(partner_ids) if partner_ids is not None else None
        if owners and action in WRITE_ACTIONS and owners <= self.left_partner_ids:
            return False
        if action in self.service_actions(area):
            return True
        if owners is None or not owners:
            if area == "catalogue":
                # Catalogue records: readable by every signed-in person, editable by staff.
                return action == VIEW and bool(self.roles_by_partner)
            return any(
                action in self.council_actions(pid, area)
                or (own and action in self.council_own_actions(pid, area))
                for pid in self.roles_by_partner
            )
        return any(
            action in self.council_actions(pid, area)
            or (own and action in self.council_own_actions(pid, area))
            for pid in owners
        )


@functools.cache
def grant_columns() -> tuple[str, ...]:
    """Each membership as the access needs it: the role, then the council's whole row (its
    id, leaving date and name for the access and the header, which says in which council the
    person holds which role; the rest because a record a council's person writes names their
    council, which is then at hand without reading it again: `writable_partner`)."""
    return ("role", *(f"partner__{name}" for name in _council_columns()))


@functools.cache
def _council_columns() -> tuple[str, ...]:
    from core.tenancy.models import Partner

    return tuple(f.attname for f in Partner._meta.concrete_fields)


@functools.cache
def _grant_positions() -> tuple[int, int, int]:
    """Where a grant (`grant_columns`) holds its council's id, leaving date and name."""
    columns = _council_columns()
    at_id, at_left, at_name = (columns.index(n) + 1 for n in ("id", "left_on", "name"))
    return at_id, at_left, at_name


def access_for(user: Any) -> Access:
    """The `Access` of `user`, worked out once and cached on the user object.

    One query for a person's memberships (with each council's leaving date), unless the user
    was loaded with them (`user_with_access`, as every signed-in request's user is).
    """
    cached = getattr(user, "_concord_access", None)
    if cached is not None:
        return cached
    if user is None or not user.is_authenticated or not user.is_active:
        access = Access(user_id=None)
    else:
        from core.tenancy.models import Membership

        memberships = Membership.objects.unscoped("working out a person's own access").filter(
            user_id=user.pk
        )
        access = _access_from(user, memberships.values_list(*grant_columns()))
    if user is not None:
        user._concord_access = access
    return access


def _access_from(user: Any, grants: Iterable[tuple[Any, ...]]) -> Access:
    """The access of an active, signed-in `user` holding `grants` (see `grant_columns`)."""
    today = timezone.localdate()
    roles: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    rows: dict[int, tuple[Any, ...]] = {}
    left: set[int] = set()
    at_id, at_left, at_name = _grant_positions()
    for grant in grants:
        partner_id, role, left_on = grant[at_id], grant[0], grant[at_left]
        roles.setdefault(partner_id, set()).add(role)
        names[partner_id] = grant[at_name]
        rows[partner_id] = tuple(grant[1:])
        if left_on is not None and left_on <= today:
            left.add(partner_id)
    staff = bool(user.is_superuser or user.service_role)
    return Access(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        service_role=user.service_role or "",
        # A council person of a partner that has left keeps no access through it.
        roles_by_partner=roles if staff else {p: r for p, r in roles.items() if p not in left},
        partner_names=names,
        council_rows=rows,
        # Staff see every partner, so which have left is looked up when first needed.
        _left=None if staff else left,
        access_ended=bool(roles) and not staff and set(roles) <= left,
    )


def user_with_access(also: Iterable[str] = (), **lookup: Any) -> tuple[Any, tuple[Any, ...]]:
    """The user matching `lookup` with their access worked out, in ONE query; (None, ()) if
    there is none.

    Every signed-in request needs both (the user, then their memberships to know what they
    may see), so they are read together: the user's row joined to their memberships and
    each council's leaving date, one row per membership. `also` names further columns to
    read through the user (``auth_token__created``); their values come back beside it.
    """
    from core.tenancy.models import User

    names = [f.attname for f in User._meta.concrete_fields]
    extra = list(also)
    grant_paths = [f"memberships__{column}" for column in grant_columns()]

    def rows_of(**values: Any) -> Any:
        manager = User._default_manager
        return manager.filter(**values).order_by().values_list(*names, *extra, *grant_paths)

    rows = _rows_compiled_once(("user_with_access", *extra), rows_of, lookup, User)
    if not rows or len({row[0] for row in rows}) != 1:
        return None, ()
    first = rows[0]
    user: Any = User.from_db(User._default_manager.db, names, first[: len(names)])
    more = tuple(first[len(names) : len(names) + len(extra)])
    if user.is_active:
        width = len(grant_paths)
        grants = [row[-width:] for row in rows if row[-width] is not None]
        user._concord_access = _access_from(user, grants)
    return user, more


class _Compiled:
    """A ``values_list`` query's statement, compiled once, with where its values go."""

    def __init__(self, sql: str, slots: list[tuple[int, Any]], compiler: Any) -> None:
        self.sql = sql
        self.slots = slots  # (position among the parameters, the field preparing the value)
        self.compiler = compiler
        self.converters = compiler.get_converters([col for col, _, _ in compiler.select])

    def rows(self, params: list[Any], values: list[Any]) -> list[tuple[Any, ...]]:
        connection = self.compiler.connection
        params = list(params)
        for (position, target), value in zip(self.slots, values, strict=True):
            params[position] = target.get_db_prep_value(value, connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            found = cursor.fetchall()
        if self.converters:
            return [tuple(row) for row in self.compiler.apply_converters(found, self.converters)]
        return [tuple(row) for row in found]


def _lookup_field(model: Any, path: str) -> Any:
    """The field an exact look-up `path` (``pk``, ``auth_token__key``) compares, or None."""
    found = None
    for part in path.split("__"):
        if found is not None:
            model = found.related_model
            if model is None:
                return None
        try:
            found = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
    return found if found is not None and found.concrete else None


def _rows_compiled_once(
    key: tuple[str, ...], rows_of: Any, lookup: dict[str, Any], model: Any
) -> list[tuple[Any, ...]]:
    """The rows of ``rows_of(**lookup)`` (a ``values_list`` queryset of exact look-ups), its
    statement compiled once per connection and shape of `lookup`: every signed-in request runs
    the same query for its person, and building and compiling it through the ORM took most of
    its time. The values are prepared by their fields as the ORM would (a session's user id
    given as text is a number); a shape whose values cannot be placed so is run through the
    ORM as ever."""
    from django.db import connections, router

    connection = connections[router.db_for_read(model)]
    cache = connection.__dict__.setdefault("_concord_compiled", {})
    names = tuple(sorted(lookup))
    entry = cache.get((key, names))
    if entry is None:
        entry = cache[(key, names)] = _compile_with_slots(rows_of, names, model, connection)
    if entry is False:
        return list(rows_of(**lookup))
    compiled, params = entry
    return compiled.rows(params, [lookup[name] for name in names])


def _compile_with_slots(rows_of: Any, names: tuple[str, ...], model: Any, connection: Any) -> Any:
    """The statement of `rows_of` compiled with a marker for each look-up's value, and where
    each marker landed among the parameters; False when a marker cannot be found once."""
    fields = [_lookup_field(model, name) for name in names]
    if any(field is None for field in fields):
        return False
    markers: dict[str, Any] = {}
    for number, (name, target) in enumerate(zip(names, fields, strict=True)):
        internal = target.get_internal_type()
        if internal in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField"):
            markers[name] = -(2**62) - number
        elif internal == "CharField":
            markers[name] = f"\x01concord-marker-{number}"
        else:
            return False
    queryset = rows_of(**markers)
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    params = list(params)
    slots = []
    for name, target in zip(names, fields, strict=True):
        prepared = target.get_db_prep_value(markers[name], connection, prepared=False)
        positions = [n for n, value in enumerate(params) if value == prepared]
        if len(positions) != 1:
            return False
        slots.append((positions[0], target))
    return _Compiled(sql, slots, compiler), params


def council_access_ended(user: Any, on: datetime.date | None = None) -> bool:
    """True when `user` is council-only and every council they belong to has left by `on`."""
    if user.is_superuser or user.service_role:
        return False
    if on is None or on == timezone.localdate():
        return access_for(user).access_ended
    from core.tenancy.models import Membership

    memberships = Membership.objects.unscoped("sign-in check").filter(user_id=user.pk)
    if not memberships.exists():
        return False
    return not memberships.exclude(partner__left_on__lte=on).exists()


def writable_partners(user: Any, action: str, area: str) -> Any:
    """The councils in which `user` may `action` (add, change...) records of `area`, never a
    former partner: the choices of every form's, import's and API's owning ``partner``, and
    of the owner shares a person may set."""
    from core.tenancy.models import Partner

    access = access_for(user)
    partners = Partner.objects.visible_to(user)
    ids = access.partner_ids(action, area)
    if ids is not None:
        partners = partners.filter(pk__in=sorted(ids))
    if access.left_partner_ids:
        partners = partners.exclude(pk__in=sorted(access.left_partner_ids))
    return partners


def writable_partner(user: Any, action: str, area: str, code: str) -> Any:
    """The council whose code is `code` if it is among ``writable_partners(user, action,
    area)``, else None; `CANNOT_SAY` (core.tenancy.conditions) where only the database can tell.

    The same rule as `writable_partners`, decided on the council's row: every record written
    through the API or a form names its council, and building and compiling the choices' query
    for that one row was a tenth of raising a ticket. The row is read by its code through a
    statement compiled once per connection; whether the person sees it is the visibility
    condition checked in Python (`conditions.matches`), as the database would check it.
    """
    from core.tenancy.conditions import CANNOT_SAY, matches
    from core.tenancy.models import Partner
    from core.tenancy.scoping import visibility_condition

    if not isinstance(code, str) or not code or "\x00" in code:
        return CANNOT_SAY
    condition = visibility_condition(Partner, user)
    if condition is None:
        return None
    names = list(_council_columns())
    access = access_for(user)
    # One of the person's own councils was read with their access: no need to read it again.
    at_code = names.index("code")
    rows = [row for row in access.council_rows.values() if row[at_code] == code]
    if not rows:

        def rows_of(**values: Any) -> Any:
            found = Partner.objects.unscoped("a council looked up by its code, then checked here")
            return found.filter(**values).order_by().values_list(*names)

        rows = _rows_compiled_once(("writable_partner",), rows_of, {"code": code}, Partner)
    if len(rows) != 1:
        return None if not rows else CANNOT_SAY
    partner = Partner.from_db(Partner._default_manager.db, names, rows[0])
    ids = access.partner_ids(action, area)
    if ids is not None and partner.pk not in ids:
        return None
    if partner.pk in access.left_partner_ids:
        return None
    seen = matches(Partner, partner, condition)
    if seen is CANNOT_SAY:
        return CANNOT_SAY
    return partner if seen else None


def people_visible_to(viewer: Any) -> Any:
    """The accounts `viewer` may see: everyone for service staff, else their councils' people.

    People are not a scoped model themselves; they are seen through the memberships the viewer
    may see, so that a council's people are never listed to another council.
    """
    from django.db.models import Exists, OuterRef

    from core.tenancy.models import Membership, User

    if viewer is None or not viewer.is_authenticated:
        return User.objects.none()
    if access_for(viewer).is_service_staff:
        return User.objects.all()
    memberships = Membership.objects.visible_to(viewer).filter(user_id=OuterRef("pk"))
    return User.objects.filter(Exists(memberships))
