"""Business rules of the core that are more than a save, each written once for pages, API,
imports and commands alike: a co-owned record's owner shares (they add up to 100%), the
councils a record is for (its audience), and the re-check that a saved record is still
visible to the person who saved it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    JSONField,
    OuterRef,
)

from core.changelog import record_change
from core.models import ChangeAction, ChangeRecord, ChangeRecordPartner
from core.related import attach_related, unjoined
from core.tenancy.conditions import matches
from core.tenancy.records import (
    AudienceCouncil,
    AudienceModel,
    OwnerShare,
    SharedOwnershipModel,
    cached_related,
)
from core.tenancy.scoping import visibility_condition

HUNDRED = Decimal("100")


#: Said when a save would leave the record where its author could no longer see it. The save
#: is rolled back; pages show it on the record's ownership field, the API under that field.
OUT_OF_REACH = (
    "You would no longer be able to see this record after saving it, so it was not saved. "
    "Choose a council you work in."
)


class OutOfReach(ValidationError):
    """A save would have put the record out of its author's sight (raised inside the save's
    transaction, so that it rolls back)."""


def percent_text(value: Decimal | int | str) -> str:
    """A percentage as people write it: 90, 33.5 (never 9E+1 or 90.00)."""
    return format(Decimal(value).normalize(), "f")


def owner_shares_problem(
    shares: dict[Any, Decimal], kept: dict[Any, Decimal] | None = None
) -> str | None:
    """What is wrong with a co-owned record's shares (by council), as a person should read it;
    None when they are right: at least one owner, each share more than 0%, adding up to 100%.
    `kept` are the shares among them the person may not change: a total that is wrong names
    them, as they count towards it. The one rule of forms, API and `set_owner_shares`."""
    if not shares:
        return "Give at least one council a share."
    for partner, percentage in shares.items():
        if Decimal(percentage) <= 0:
            return (
                f"{partner}\N{RIGHT SINGLE QUOTATION MARK}s share must be more than 0%, "
                f"not {percent_text(percentage)}%."
            )
    total = sum((Decimal(p) for p in shares.values()), Decimal("0"))
    if total == HUNDRED:
        return None
    message = f"Owner shares must add up to 100%, not {percent_text(total)}%"
    if kept:
        listed = ", ".join(f"{p.name} {percent_text(pct)}%" for p, pct in kept.items())
        message += f", counting the shares you may not change ({listed})"
    return f"{message}."


def refetch_visible(
    obj: Any,
    user: Any,
    visible: Any = None,
    *,
    condition: Any = None,
    related: tuple[list[str], dict[str, list[str]]] | None = None,
) -> Any:
    """The record `obj` just saved, as `user` now sees it (from `visible`, their scoped
    queryset of its model, when the caller has one with its related records, or a function
    making it, called only if the database is asked); raises
    `OutOfReach` (a ValidationError on the record's ownership field) when they no longer can.
    Call it inside the save's transaction, so that raising rolls the save back: nobody moves a
    record out of their own reach (docs/tenancy.md).

    `condition` is what `visible` is filtered by, when the caller knows it is that alone: the
    model's visibility condition for `user` (`core.tenancy.scoping.visibility_condition`;
    without `visible`, it is worked out here). Where it is plain enough to answer in Python
    for the record (core.tenancy.conditions.matches: a council's id among the reader's, the
    record their own), and the record holds its values as the database would give them back
    (`holds_its_values`), the record is the answer, its related records attached (`related`:
    the paths and what each defers, as `unjoined` gives them for `visible`): the row is not
    read back. Otherwise, the database is asked."""
    model = type(obj)
    if visible is None:
        visible = model.objects.visible_to(user)
        condition = visibility_condition(model, user)
    if condition is not None and holds_its_values(obj):
        seen = matches(model, obj, condition)
        if seen is False:
            raise _out_of_reach(obj)
        if seen is True:
            if related is None:
                _alone, paths, deferred = unjoined(visible() if callable(visible) else visible)
            else:
                paths, deferred = related
            if paths:
                attach_related([obj], paths, known=held_related(obj), deferred=deferred)
            return obj
    if callable(visible):
        visible = visible()
    # The row is read from its own table; its related records are attached after, from those
    # `obj` holds already (the save just read them) or by key: compiling a join of every
    # relation took more time than the rest of reading the record back.
    alone, paths, deferred = unjoined(visible)
    # One row by its key: no order to compile (`first()` would sort by the model's own).
    fresh = next(iter(alone.filter(pk=obj.pk).order_by()[:1]), None)
    if fresh is None:
        raise _out_of_reach(obj)
    if paths:
        attach_related([fresh], paths, known=held_related(obj), deferred=deferred)
    return fresh


def _out_of_reach(obj: Any) -> OutOfReach:
    field = getattr(obj, "ownership_field", None)
    return OutOfReach({field: OUT_OF_REACH} if field else OUT_OF_REACH, code="out_of_reach")


def holds_its_values(obj: Any) -> bool:
    """Whether saved `obj` holds what reading its row back would give: every field loaded, none
    an expression the database works out (``F("n") + 1``), every JSON value one that JSON
    gives back as it is (no tuples, no decimals), every decimal within its field's places (the
    database would round it), every time with its zone and every date a date."""
    if obj._state.adding or obj.pk is None or obj.get_deferred_fields():
        return False
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if value is None:
            continue
        if hasattr(value, "resolve_expression"):
            return False
        if isinstance(field, JSONField) and not _plain_json(value):
            return False
        if isinstance(field, DecimalField) and not _within_places(value, field.decimal_places):
            return False
        if isinstance(field, DateTimeField):
            if not isinstance(value, datetime.datetime) or value.tzinfo is None:
                return False
        elif isinstance(field, DateField) and type(value) is not datetime.date:
            return False
    return True


def _within_places(value: Any, places: int | None) -> bool:
    if not isinstance(value, Decimal) or not value.is_finite():
        return False
    exponent = value.as_tuple().exponent
    return places is None or (isinstance(exponent, int) and exponent >= -places)


def _plain_json(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list):
        return all(_plain_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    return False


def held_related(obj: Any) -> dict[Any, list[Any]]:
    """The related records `obj` already holds (read or set on it in this request), by model:
    `attach_related` gives a record read back the same ones rather than reading them again."""
    held: dict[Any, list[Any]] = {}
    for field, related in cached_related(obj):
        held.setdefault(field.related_model, []).append(related)
    return held


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
    problem = owner_shares_problem(shares)
    if problem is not None:
        raise ValidationError({"owner_shares": problem})
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


def _link_first_changes(obj: Any, content_type: Any, partner_ids: list[int]) -> None:
    """Show a new shared record's first changes (its creation) in its owners' change logs.

    A co-owned record (or one for chosen councils) is saved before it has owners, so its
    "create" record names no partner until now. Links are only ever added, so the change log
    itself stays untouched.
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


#: Said when a record for chosen councils would be for none.
NO_AUDIENCE = "Choose the councils it is for, or say it is for every council."


def kept_audience(obj: AudienceModel, writable_partner_ids: set[int]) -> list[Any]:
    """The councils `obj` is for that a person who may write only `writable_partner_ids`
    cannot take away: kept as they are, in pages and API alike (the owner shares' rule)."""
    return [p for p in obj.audience() if p.pk not in writable_partner_ids]


@transaction.atomic
def set_audience(obj: AudienceModel, partners: Any, for_all: bool | None = None) -> list[Any]:
    """Say which councils `obj` is for: `partners` (councils or their ids), or, with
    `for_all`, every council (the named ones are then let go). `for_all=None` leaves the
    record's flag as it is. A record for no council is refused (`NO_AUDIENCE`, on
    ``councils``). The change of councils is written to the change log of every council it
    was for or is for now; the flag's change is the record's own save."""
    if for_all is not None and bool(obj.for_all_councils) != bool(for_all):
        obj.for_all_councils = bool(for_all)
        obj.save(update_fields=["for_all_councils", "updated_at", "version"])
    ids = sorted({getattr(p, "pk", p) for p in partners or ()})
    if obj.for_all_councils:
        ids = []
    elif not ids:
        raise ValidationError({"councils": NO_AUDIENCE}, code="required")
    content_type = ContentType.objects.get_for_model(type(obj))
    existing = AudienceCouncil.objects.filter(content_type=content_type, object_id=obj.pk)
    before = sorted(existing.values_list("partner_id", flat=True))
    if before == ids:
        if not ids:
            return []
        return obj.audience()
    existing.exclude(partner_id__in=ids).delete()
    AudienceCouncil.objects.bulk_create(
        [
            AudienceCouncil(content_type=content_type, object_id=obj.pk, partner_id=pid)
            for pid in ids
            if pid not in before
        ]
    )
    if not before and not obj.for_all_councils:
        _link_first_changes(obj, content_type, ids)
    record_change(
        obj,
        ChangeAction.UPDATE,
        {"councils": [str(pid) for pid in before]},
        {"councils": [str(pid) for pid in ids]},
        partner_ids=sorted({*before, *ids}) or obj.owning_partner_ids(),
    )
    obj._loaded_values = obj.tracked_values()
    return obj.audience()
