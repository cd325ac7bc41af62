"""Writes the change log: one immutable `ChangeRecord` per create, update and delete.

Signal handlers catch every save and delete of a `ConcordModel`, whether it came from a page,
the API, an import, a command or a job; `core.context` says who caused it. Bulk writes that
bypass signals (imports) call `record_change` themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from core.context import current_actor
from core.models import (
    Attachment,
    ChangeAction,
    ChangeRecord,
    ChangeRecordPartner,
    ConcordModel,
    OwnerShare,
    SharedOwnershipModel,
)


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    before = before or {}
    after = after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def record_change(
    obj: ConcordModel,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    partner_ids: list[int] | None = None,
) -> ChangeRecord | None:
    """Write one change record for `obj`; an update that changed nothing writes none."""
    changed = _diff(before, after)
    if action == ChangeAction.UPDATE and not changed:
        return None
    actor = current_actor()
    user = actor.user if actor.user is not None and actor.user.pk else None
    record = ChangeRecord(
        at=timezone.now(),
        actor=user,
        actor_label=(actor.label or (user.get_username() if user else ""))[:200],
        request_id=actor.request_id[:64],
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        changed_fields=changed,
    )
    record.save()
    # Owners before and after: a record moved between councils is in both councils' logs.
    owners = partner_ids if partner_ids is not None else obj.change_log_partner_ids(before)
    ChangeRecordPartner.objects.bulk_create(
        [ChangeRecordPartner(change=record, partner_id=pid) for pid in sorted(set(owners))]
    )
    obj._loaded_values = after
    return record


@receiver(post_save, dispatch_uid="concord_changelog_save")
def _on_save(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, ConcordModel):
        return
    after = instance.tracked_values()
    if created:
        record_change(instance, ChangeAction.CREATE, None, after)
    else:
        record_change(instance, ChangeAction.UPDATE, instance._loaded_values, after)


@receiver(pre_delete, dispatch_uid="concord_changelog_pre_delete")
def _before_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, ConcordModel):
        # Shares go with the record, so remember whose change log the deletion belongs in:
        # the owners of the row as loaded, and as the instance says now if it was changed.
        owners = instance.change_log_partner_ids(instance._loaded_values)
        instance._owner_ids_before_delete = owners  # type: ignore[attr-defined]


@receiver(post_delete, dispatch_uid="concord_changelog_delete")
def _on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if not isinstance(instance, ConcordModel):
        return
    partner_ids = getattr(instance, "_owner_ids_before_delete", None)
    record_change(
        instance,
        ChangeAction.DELETE,
        instance._loaded_values or instance.tracked_values(),
        None,
        partner_ids=partner_ids,
    )
    if isinstance(instance, SharedOwnershipModel):
        OwnerShare.objects.filter(
            content_type=ContentType.objects.get_for_model(type(instance)), object_id=instance.pk
        ).delete()


def history_for(obj: ConcordModel, user: Any) -> Any:
    """The change records of one record that `user` may see, newest first: its own, and the
    files attached to it and removed from it (the attachments' own changes)."""
    kind = ContentType.objects.get_for_model(type(obj))
    condition = Q(content_type=kind, object_id=obj.pk)
    if getattr(type(obj), "attachable", False):
        mine = {"content_type_id": kind.pk, "object_id": obj.pk}
        condition |= Q(content_type=ContentType.objects.get_for_model(Attachment)) & (
            Q(**{f"after__{key}": value for key, value in mine.items()})
            | Q(**{f"before__{key}": value for key, value in mine.items()})
        )
    return (
        ChangeRecord.objects.visible_to(user)
        .filter(condition)
        .select_related("actor", "content_type")
        .order_by("-at", "-id")
    )
