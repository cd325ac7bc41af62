"""Business rules of the core that are more than a save: owner shares."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from core.changelog import record_change
from core.models import ChangeAction, ChangeRecord, ChangeRecordPartner
from core.tenancy.records import OwnerShare, SharedOwnershipModel

HUNDRED = Decimal("100")


def _percent(value: Decimal | int | str) -> str:
    """A percentage as people write it: 90, 33.5 (never 9E+1)."""
    text = format(Decimal(value).normalize(), "f")
    return text


def kept_owner_shares(
    obj: SharedOwnershipModel, writable_partner_ids: set[int]
) -> list[OwnerShare]:
    """The shares of `obj` a person who may write only `writable_partner_ids` cannot change.

    The one rule for co-owned records, in pages and API alike: a person sets the shares of the
    councils where they may change the record; every other owner's share is kept as it is and
    counts towards the 100%. (A new record has no shares, so nothing is kept.)
    """
    if obj.pk is None:
        return []
    return [s for s in obj.owner_shares() if s.partner_id not in writable_partner_ids]


@transaction.atomic
def set_owner_shares(obj: SharedOwnershipModel, shares: dict[Any, Decimal]) -> list[OwnerShare]:
    """Replace the owners of a co-owned record; the percentages must sum to exactly 100.

    `shares` maps partners to percentages. The change is written to the change log of every
    partner that owned the record before or owns it after.
    """
    if not shares:
        raise ValidationError({"owner_shares": "A shared record needs at least one owner."})
    total = sum((Decimal(p) for p in shares.values()), Decimal("0"))
    if total != HUNDRED:
        raise ValidationError(
            {"owner_shares": f"Owner shares must add up to 100%, not {_percent(total)}%."}
        )
    for partner, percentage in shares.items():
        if Decimal(percentage) <= 0:
            raise ValidationError(
                {
                    "owner_shares": (
                        f"{partner}'s share must be more than 0%, not {_percent(percentage)}%."
                    )
                }
            )
    content_type = ContentType.objects.get_for_model(type(obj))
    existing = OwnerShare.objects.filter(content_type=content_type, object_id=obj.pk)
    before = {str(s.partner_id): str(s.percentage) for s in existing}
    before_ids = [int(pid) for pid in before]
    existing.delete()
    created = OwnerShare.objects.bulk_create(
        [
            OwnerShare(
                content_type=content_type,
                object_id=obj.pk,
                partner=partner,
                percentage=Decimal(percentage).quantize(Decimal("0.01")),
            )
            for partner, percentage in shares.items()
        ]
    )
    after = {str(s.partner_id): str(s.percentage) for s in created}
    if not before_ids:
        _link_first_changes(obj, content_type, [s.partner_id for s in created])
    if before != after:
        record_change(
            obj,
            ChangeAction.UPDATE,
            {"owner_shares": before},
            {"owner_shares": after},
            partner_ids=sorted({*before_ids, *(s.partner_id for s in created)}),
        )
        obj._loaded_values = obj.tracked_values()
    return created


def _link_first_changes(
    obj: SharedOwnershipModel, content_type: Any, partner_ids: list[int]
) -> None:
    """Show a new shared record's first changes (its creation) in its owners' change logs.

    A co-owned record is saved before it has owners, so its "create" record names no partner
    until now. Links are only ever added, so the change log itself stays untouched.
    """
    unlinked = (
        ChangeRecord.objects.unscoped("linking a new shared record's first changes to its owners")
        .filter(content_type=content_type, object_id=obj.pk)
        .exclude(Exists(ChangeRecordPartner.objects.filter(change_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    ChangeRecordPartner.objects.bulk_create(
        [
            ChangeRecordPartner(change_id=cid, partner_id=pid)
            for cid in unlinked
            for pid in partner_ids
        ]
    )
