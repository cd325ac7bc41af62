"""The asset register's rules: lifecycle moves (and disposal), stock-take sightings and the
overdue list, end of support, and the impact walk over the configuration items' graph.

Pages, the API, imports, commands and the demo all call these; none has a rule of its own.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assets.choices import AssetKind, LifecycleState, RelationshipKind
from assets.eol import ENDED_UNDATED, release
from assets.models import (
    DEFAULT_CHECK_MONTHS,
    Asset,
    AssetMove,
    CIRelationship,
    ConfigurationItem,
    Disposal,
    Sighting,
    StocktakePolicy,
    months_ago,
)
from core.tenancy.access import CHANGE, access_for
from core.tenancy.models import Partner

S = LifecycleState

#: The moves the lifecycle allows, from each state. Anything else is refused with MOVE_REFUSED.
MOVES: dict[str, tuple[str, ...]] = {
    S.ORDERED: (S.IN_STOCK,),
    S.IN_STOCK: (S.DEPLOYED, S.IN_REPAIR, S.RETIRED),
    S.DEPLOYED: (S.IN_STOCK, S.IN_REPAIR, S.RETIRED),
    S.IN_REPAIR: (S.IN_STOCK, S.DEPLOYED, S.RETIRED),
    S.RETIRED: (S.DISPOSED, S.IN_STOCK),
    S.DISPOSED: (),
}


def register_asset(shares: dict[Partner, Any], **fields: Any) -> Asset:
    """A new asset record (in stock) owned by the councils of `shares` (partner: percentage,
    adding up to 100), as the register makes one: checked, saved, its owners set. Used by
    whatever brings hardware in from elsewhere (the contracts app's goods received)."""
    from django.db import transaction

    from core.services import set_owner_shares

    asset = Asset(**fields)
    asset.full_clean(exclude=["state"])
    with transaction.atomic():
        asset.save()
        set_owner_shares(asset, shares)
    return asset


def allowed_moves(asset: Asset) -> list[str]:
    """The states `asset` may move to next."""
    return list(MOVES.get(asset.state, ()))


def check_move(asset: Asset, to_state: str) -> None:
    """Refuse a move of `asset` to `to_state` the lifecycle does not allow (MOVES), with a
    ValidationError on ``to_state`` saying which moves are allowed. An import checks each
    row's move with it before anything is written (assets.importers.LIFECYCLE_COLUMN)."""
    labels = dict(S.choices)
    if to_state not in labels:
        raise ValidationError(
            {"to_state": f"Choose a lifecycle state: {', '.join(labels.values())}"}
        )
    if to_state not in MOVES.get(asset.state, ()):
        nexts = [labels[s].lower() for s in MOVES.get(asset.state, ())]
        allowed = f"it can move to {', '.join(nexts)}" if nexts else "it cannot move any more"
        raise ValidationError(
            {
                "to_state": (
                    f"An asset that is {labels[asset.state].lower()} cannot move to "
                    f"{labels[to_state].lower()}: {allowed}"
                )
            }
        )


def move(
    asset: Asset,
    to_state: str,
    user: Any,
    *,
    note: str = "",
    disposal_method: str = "",
    certificate_reference: str = "",
    disposed_on: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> AssetMove:
    """Move `asset` to `to_state`, recording who and when (an AssetMove). An illegal move is
    refused with a ValidationError on ``to_state`` saying which moves are allowed; a move to
    disposed needs a disposal method and certificate reference, recorded as the Disposal."""
    check_move(asset, to_state)
    moment = at or timezone.now()
    if to_state == S.DISPOSED:
        problems = {}
        if not disposal_method:
            problems["disposal_method"] = "Choose how the asset was disposed of"
        if not certificate_reference.strip():
            problems["certificate_reference"] = (
                "Enter the disposal certificate's reference: an asset cannot be disposed of "
                "without one"
            )
        if problems:
            raise ValidationError(problems)
        Disposal.objects.create(
            asset=asset,
            method=disposal_method,
            certificate_reference=certificate_reference.strip(),
            disposed_on=disposed_on or timezone.localdate(moment),
            recorded_by=user if getattr(user, "pk", None) else None,
        )
    record = AssetMove.objects.create(
        asset=asset,
        from_state=asset.state,
        to_state=to_state,
        moved_at=moment,
        moved_by=user if getattr(user, "pk", None) else None,
        note=note,
    )
    asset.state = to_state
    asset.save()
    return record


def moves_of(asset: Asset, user: Any) -> QuerySet[AssetMove]:
    """The moves of `asset`, oldest first, as `user` sees them."""
    return (
        AssetMove.objects.visible_to(user).filter(asset=asset).select_related("moved_by")
    ).order_by("moved_at", "id")


def disposal_of(asset: Asset, user: Any) -> Disposal | None:
    """The disposal record of `asset`, if it has one and `user` sees it."""
    return Disposal.objects.visible_to(user).filter(asset=asset).first()


# Stock-take -------------------------------------------------------------------------------


def record_sighting(
    asset: Asset,
    user: Any,
    *,
    site: Any = None,
    location: str = "",
    at: datetime.datetime | None = None,
) -> Sighting:
    """Record that `asset` was seen (by `user`, now unless `at`, where): a Sighting, and the
    asset's last-seen time. A disposed asset cannot be seen."""
    if asset.state == S.DISPOSED:
        raise ValidationError({"asset": "This asset has been disposed of: it cannot be seen"})
    moment = at or timezone.now()
    sighting = Sighting.objects.create(
        asset=asset,
        seen_at=moment,
        seen_by=user if getattr(user, "pk", None) else None,
        site=site,
        location=location,
    )
    if asset.last_seen_at is None or moment > asset.last_seen_at:
        asset.last_seen_at = moment
        asset.save()
    return sighting


def check_intervals(partners: Iterable[Partner]) -> dict[tuple[int, str], int]:
    """Months between checks, by (council id, kind of asset): the shortest of the council's
    policies for that kind or for every kind, else DEFAULT_CHECK_MONTHS."""
    ids = [p.pk for p in partners]
    policies = StocktakePolicy.objects.unscoped("the councils' own intervals, asked by id")
    rules: dict[tuple[int, str], int] = {}
    for partner_id, kind, months in policies.filter(partner_id__in=ids).values_list(
        "partner_id", "kind", "check_every_months"
    ):
        key = (partner_id, kind)
        rules[key] = min(months, rules.get(key, months))
    intervals: dict[tuple[int, str], int] = {}
    for partner_id in ids:
        every = rules.get((partner_id, ""))
        for kind in AssetKind.values:
            found = [m for m in (rules.get((partner_id, kind)), every) if m is not None]
            intervals[(partner_id, kind)] = min(found) if found else DEFAULT_CHECK_MONTHS
    return intervals


def overdue_for_check(user: Any, today: datetime.date | None = None) -> QuerySet[Asset]:
    """The assets `user` sees that are overdue for a stock-take: not disposed nor on order,
    and not seen within their council's interval for their kind. A co-owned asset is overdue
    by the strictest of its owners' intervals."""
    today = today or timezone.localdate()
    partners = Partner.objects.visible_to(user)
    by_months: dict[int, Q] = {}
    for (partner_id, kind), months in check_intervals(partners).items():
        owned = Asset.ownership_filter([partner_id])
        assert owned is not None
        term = owned & Q(kind=kind)
        by_months[months] = by_months[months] | term if months in by_months else term
    condition = Q(pk__in=[])
    for months, which in by_months.items():
        cutoff = timezone.make_aware(
            datetime.datetime.combine(months_ago(today, months), datetime.time.min)
        )
        condition |= which & (Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True))
    return (
        Asset.objects.visible_to(user)
        .exclude(state__in=[S.DISPOSED, S.ORDERED])
        .filter(condition)
        .order_by("last_seen_at", "asset_tag", "id")
    )


# End of support ---------------------------------------------------------------------------


@dataclass
class SupportLine:
    """One asset on the end-of-support report."""

    asset: Asset
    release_name: str
    support_ends: datetime.date
    ended: bool

    @property
    def date_text(self) -> str:
        if self.support_ends == ENDED_UNDATED:
            return "Ended (date not published)"
        return self.support_ends.strftime("%-d %B %Y")


def end_of_support(
    user: Any, months: int = 12, today: datetime.date | None = None, partner: Any = None
) -> QuerySet[Asset]:
    """The assets `user` sees whose operating system is out of support, or whose support
    ends within `months` months of `today`; disposed and retired ones left out."""
    today = today or timezone.localdate()
    horizon = months_ago(today, -months)
    rows = (
        Asset.objects.visible_to(user)
        .filter(support_ends__isnull=False, support_ends__lte=horizon)
        .exclude(state__in=[S.DISPOSED, S.RETIRED])
    )
    if partner is not None:
        owned = Asset.ownership_filter([partner.pk])
        assert owned is not None
        rows = rows.filter(owned)
    return rows.order_by("support_ends", "asset_tag", "id")


def support_lines(assets: Iterable[Asset], today: datetime.date | None = None) -> list[SupportLine]:
    """The report's lines for `assets` (from `end_of_support`)."""
    today = today or timezone.localdate()
    lines = []
    for asset in assets:
        found = release(asset.eol_product, asset.eol_release)
        assert asset.support_ends is not None
        lines.append(
            SupportLine(
                asset=asset,
                release_name=found.name if found else asset.os_name,
                support_ends=asset.support_ends,
                ended=asset.support_ends < today,
            )
        )
    return lines


# Impact -----------------------------------------------------------------------------------

#: The deepest walk a person may ask for.
MAX_DEPTH = 10


@dataclass
class ImpactNode:
    """An item reached by the walk, how far from the start, and through which relationship."""

    item: ConfigurationItem
    depth: int
    via: str


@dataclass
class Impact:
    """What a failure of one configuration item affects, as one reader may see it."""

    start: ConfigurationItem
    depth: int
    nodes: list[ImpactNode] = field(default_factory=list)
    councils: list[Partner] = field(default_factory=list)
    people: list[Any] = field(default_factory=list)
    tickets: list[Any] = field(default_factory=list)
    queries: int = 0

    @property
    def services(self) -> list[ConfigurationItem]:
        return [n.item for n in self.nodes if n.item.kind in ("service", "application")]


def impact(start: ConfigurationItem, user: Any, depth: int = 3) -> Impact:
    """Walk the graph from `start` to `depth`, breadth first, one query per level: the items
    that run on or depend on what is reached (and both ways along "connected to"). Only
    relationships whose both ends `user` sees are followed (CIRelationship's visibility), so
    an item the reader cannot see is neither shown nor walked through. Safe against cycles:
    an item is reached once, at its shortest distance."""
    if depth < 1 or depth > MAX_DEPTH:
        raise ValidationError({"depth": f"Enter a depth from 1 to {MAX_DEPTH}"})
    result = Impact(start=start, depth=depth)
    seen: dict[int, tuple[int, str]] = {start.pk: (0, "")}
    frontier = [start.pk]
    visible = CIRelationship.objects.visible_to(user)
    connected = RelationshipKind.CONNECTED_TO
    for level in range(1, depth + 1):
        if not frontier:
            break
        # Unordered: the model's ordering (by the items' names) would join both items' rows
        # for nothing, on every level.
        edges = (
            visible.filter(Q(target_id__in=frontier) | Q(kind=connected, source_id__in=frontier))
            .order_by()
            .values_list("source_id", "kind", "target_id")
        )
        result.queries += 1
        reached: list[int] = []
        in_frontier = set(frontier)
        for source_id, kind, target_id in edges:
            # What depends on (or runs on) a reached item is affected; along "connected to"
            # the other end is, whichever way the relationship was written.
            other = source_id if target_id in in_frontier else target_id
            if other in seen:
                continue
            seen[other] = (level, kind)
            reached.append(other)
        frontier = reached
    ids = [pk for pk in seen if pk != start.pk]
    # Only what the page and the API show of each item (its name, kind and link), and the
    # person its asset is assigned to: a walk may reach hundreds, and whole records with their
    # owner and asset cost more than the walk. The start is read again with them, for its
    # people.
    items = {
        ci.pk: ci
        for ci in ConfigurationItem.objects.visible_to(user)
        .filter(pk__in=[start.pk, *ids])
        .order_by()  # sorted below, by level and name
        .only("id", "name", "kind", "owner_id", "asset_id")
        .annotate(assigned_person=F("asset__assigned_to_id"))
    }
    result.queries += 1
    labels = dict(RelationshipKind.choices)
    for pk in sorted(ids, key=lambda p: (seen[p][0], items[p].name if p in items else "")):
        if pk in items:
            level, kind = seen[pk]
            result.nodes.append(ImpactNode(items[pk], level, labels.get(kind, kind)))
    affected = [start, *(n.item for n in result.nodes)]
    result.councils = _councils_of(affected, user)
    result.queries += 1
    # The people: each item's service owner and the person its asset is assigned to.
    person_ids: set[int] = set()
    for item in [items.get(start.pk, start), *(n.item for n in result.nodes)]:
        person_ids.update(
            pk for pk in (item.owner_id, getattr(item, "assigned_person", None)) if pk is not None
        )
    result.people = (
        list(get_user_model().objects.filter(pk__in=person_ids).order_by("username"))
        if person_ids
        else []
    )
    result.queries += 1
    result.tickets = _open_tickets([i.pk for i in affected], user)
    result.queries += 1
    return result


def _councils_of(items: list[ConfigurationItem], user: Any) -> list[Partner]:
    """The councils owning any of `items`, among those `user` may see."""
    from django.contrib.contenttypes.models import ContentType

    from core.tenancy.records import OwnerShare

    content_type = ContentType.objects.get_for_model(ConfigurationItem)
    owners = OwnerShare.objects.filter(
        content_type=content_type, object_id__in=[i.pk for i in items]
    ).values("partner_id")
    return list(Partner.objects.visible_to(user).filter(pk__in=owners).order_by("name"))


def _open_tickets(item_ids: list[int], user: Any) -> list[Any]:
    """The open tickets `user` sees on any of the items (servicedesk.Ticket)."""
    from servicedesk.choices import OPEN_STATUSES
    from servicedesk.models import Ticket

    return list(
        Ticket.objects.visible_to(user)
        .filter(configuration_item_id__in=item_ids, status__in=list(OPEN_STATUSES))
        .select_related("configuration_item")
        .order_by("-opened_at", "id")[:200]
    )


def may_change(user: Any, record: Any) -> bool:
    """Whether `user` may change `record` (an asset, an item) under the grant tables."""
    owners = record.owning_partner_ids() or None
    return access_for(user).can(CHANGE, record.area, owners)
