"""The service navigation and the home page's "what needs you", filled by the apps.

The navigation is grouped by area of work (`GROUPS`): each group is one item of the GOV.UK
service navigation (one tab stop), and opens, without JavaScript, into the pages of that
group the reader may use. A group with one page is a plain link; a group with none is not
shown (docs/decisions/0012-grouped-navigation.md).

What goes in a group, apps declare and core never names:

- every model whose views (core.views.generic.ModelViews) have a ``nav_label``, in the group
  its ``nav_group`` names, or the group of its model's area (`AREA_GROUPS`);
- a page that is not a model's list, as a `NavEntry` in its app configuration's
  ``nav_entries`` (core.apps.ConcordAppConfig); core's own pages (the change log, council
  exports, sign-in lock-outs) are in `CORE_ENTRIES`.

Each entry is shown only to people the grant tables (core.tenancy.access) allow to view its
area, or whom its own `allowed` test lets in.

The home page asks each app what needs the reader: an app configuration's ``home_needs(user)``
returns `Need`s, each a count of records and a link to the list of them, every count made
through ``visible_to(user)`` so that no other council's records are counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import get_resolver

from core.routes import route_url_or_fail
from core.tenancy.access import VIEW, access_for


@dataclass(frozen=True)
class NavGroup:
    """One group of the service navigation: an area of work."""

    key: str
    label: str


#: The groups, in the order the navigation shows them.
GROUPS: tuple[NavGroup, ...] = (
    NavGroup("servicedesk", "Service desk"),
    NavGroup("assets", "Assets"),
    NavGroup("licences", "Licences"),
    NavGroup("contracts", "Contracts"),
    NavGroup("money", "Money"),
    NavGroup("portfolio", "Projects"),
    NavGroup("reporting", "Reports"),
    NavGroup("councils", "Councils and people"),
    NavGroup("administration", "Administration"),
)
GROUP_KEYS = frozenset(group.key for group in GROUPS)

#: The group of each grant-table area: where a model's list goes unless its views say.
AREA_GROUPS: dict[str, str] = {
    "servicedesk": "servicedesk",
    "servicelevels": "servicedesk",
    "problems": "servicedesk",
    "changes": "servicedesk",
    "approvals": "servicedesk",
    "knowledge": "servicedesk",
    "mail": "servicedesk",
    "assets": "assets",
    "licences": "licences",
    "contracts": "contracts",
    "finance": "money",
    "portfolio": "portfolio",
    "reporting": "reporting",
    "partners": "councils",
    "partnership": "councils",
    "lockouts": "councils",
    "estate": "councils",
    "catalogue": "administration",
    "configuration": "administration",
    "identity": "administration",
    "changelog": "administration",
}


@dataclass(frozen=True)
class NavEntry:
    """A page in the navigation that is not a model's list (those come from ModelViews).

    Shown to the people who may `action` in `area` (the grant tables), or, when `allowed` is
    given, to those it returns True for.
    """

    label: str
    url_name: str
    group: str
    area: str = ""
    action: str = VIEW
    order: int = 100
    allowed: Callable[[Any], bool] | None = None

    def permits(self, user: Any) -> bool:
        if self.allowed is not None:
            return self.allowed(user)
        return access_for(user).can(self.action, self.area)


@dataclass(frozen=True)
class Need:
    """Something that needs the reader on the home page: `count` records, `url` lists them.

    Count through ``Model.objects.visible_to(user)`` (never ``unscoped``), so that the number
    is of records the reader can open.
    """

    label: str
    count: int
    url: str
    #: Shown first, and marked, when the count is not zero (at risk, breached...).
    urgent: bool = False


@dataclass
class NavLink:
    label: str
    url: str
    current: bool


@dataclass
class NavItem:
    """A group as drawn: its links (one: a plain link) and whether it holds the current page."""

    key: str
    label: str
    links: list[NavLink] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def _changes_readable(user: Any) -> bool:
    from core.models import ChangeRecord

    return ChangeRecord.any_readable_by(user)


def _partner_exports_allowed(user: Any) -> bool:
    from core.models import PartnerExport

    return PartnerExport.visibility_filter(user) is not None


def _lockouts_visible(user: Any) -> bool:
    from core.tenancy.lockouts import may_see_lockouts

    return may_see_lockouts(user)


#: Core's own pages in the navigation.
CORE_ENTRIES: tuple[NavEntry, ...] = (
    NavEntry(
        "Council exports",
        "core:partner_export",
        "councils",
        order=90,
        allowed=_partner_exports_allowed,
    ),
    NavEntry(
        "Change log", "core:change_list", "administration", order=90, allowed=_changes_readable
    ),
    NavEntry(
        "Sign-in lock-outs",
        "core:lockout_list",
        "councils",
        order=95,
        allowed=_lockouts_visible,
    ),
)


def model_group(views: Any) -> str:
    """The navigation group of a model's views: its own `nav_group`, or its area's."""
    return views.nav_group or AREA_GROUPS.get(views.model.area, "administration")


def navigation(user: Any, path: str) -> list[NavItem]:
    """The groups of the navigation `user` may use, each with the links they may follow,
    in `GROUPS` order; `path` marks the current page's link."""
    from core.apps import concord_apps
    from core.views.generic import REGISTRY

    if user is None or not user.is_authenticated:
        return []
    get_resolver().url_patterns  # noqa: B018 - the registry fills as URL confs load
    access = access_for(user)
    found: dict[str, list[tuple[int, str, str]]] = {}
    for views in REGISTRY:
        model = views.model
        if not access.can(VIEW, model.area, own=bool(model.own_fields)):
            continue
        url = route_url_or_fail(model.url_name("list"))
        found.setdefault(model_group(views), []).append(
            (views.nav_order, str(views.nav_label), url)
        )
    entries = [*CORE_ENTRIES]
    for config in concord_apps():
        entries += getattr(config, "nav_entries", ())
    for entry in entries:
        if entry.permits(user):
            url = route_url_or_fail(entry.url_name)
            found.setdefault(entry.group, []).append((entry.order, entry.label, url))
    items = []
    for group in GROUPS:
        links = sorted(found.get(group.key, []))
        if links:
            items.append(
                NavItem(
                    group.key,
                    group.label,
                    [NavLink(label, url, path.startswith(url)) for _, label, url in links],
                )
            )
    return items


def home_needs(user: Any) -> list[tuple[str, list[Need]]]:
    """What needs `user`, by app (its verbose name): each app's ``home_needs(user)``,
    the urgent needs with a count first; apps with nothing to say are left out."""
    from core.apps import concord_apps

    answer = []
    for config in concord_apps():
        needs = list(config.home_needs(user))
        if needs:
            needs.sort(key=lambda need: not (need.urgent and need.count))
            answer.append((str(config.verbose_name), needs))
    return answer
