"""Writes the change log: one immutable `ChangeRecord` per create, update and delete.

Signal handlers catch every save and delete of a `ConcordModel`, whether it came from a page,
the API, an import, a command or a job; `core.context` says who caused it (and, for a loader
replaying history inside `core.context.dated`, when). Bulk writes that bypass signals
(imports) call `record_change` themselves.

People's accounts (the user model) are not domain records, but who may sign in and what they
may see is decided by them, so their security-relevant fields are logged the same way: see
"Accounts" below.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import is_password_usable
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import Exists, OuterRef, Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import capfirst

from core.context import current_actor, current_moment
from core.models import Attachment, ChangeAction, ChangeRecord, ChangeRecordPartner
from core.tenancy.inserts import insert_with_links
from core.tenancy.models import Membership
from core.tenancy.records import (
    AudienceCouncil,
    AudienceModel,
    ConcordModel,
    OwnerShare,
    SharedOwnershipModel,
    record_names,
)


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    if not before:
        # A creation (nothing before): every field given a value (its JSON-ready values are
        # never equal to None but for None itself).
        return sorted(k for k, v in (after or {}).items() if v is not None)
    before = before or {}
    after = after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _write_change(
    obj: Any,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    partner_ids: Iterable[int],
    name: str | None = None,
) -> ChangeRecord:
    """One change record of `obj` (any model), in the change logs of `partner_ids`, named
    `name` (by default, as `obj` names itself)."""
    actor = current_actor()
    user = actor.user if actor.user is not None and actor.user.pk else None
    record = ChangeRecord(
        at=current_moment() or timezone.now(),
        actor=user,
        actor_label=(actor.label or (user.get_username() if user else ""))[:200],
        request_id=actor.request_id[:64],
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=(str(obj) if name is None else name)[:200],
        before=before,
        after=after,
        changed_fields=_diff(before, after),
    )
    # Written as a bulk write of one row: in a statement compiled once (core.tenancy.inserts),
    # without `save()`'s signals, which no one hears for a change record. On PostgreSQL the
    # record and its councils go in one statement.
    ids = sorted(set(partner_ids))
    using = router.db_for_write(ChangeRecord)
    if insert_with_links(record, ChangeRecordPartner, "change", "partner", ids, using):
        return record
    ChangeRecord.objects.unscoped("a change record written").bulk_create([record])
    ChangeRecordPartner.objects.bulk_create(
        [ChangeRecordPartner(change=record, partner_id=pid) for pid in ids]
    )
    return record


def new_change(
    obj: ConcordModel,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    partner_ids: Iterable[int],
) -> tuple[ChangeRecord, list[int]] | None:
    """The change record `record_change` would write for `obj`, not yet saved, with the
    councils whose change logs it goes in (None for an update that changed nothing): for work
    that writes many records in bulk and their change records with `write_changes`
    (core.importing.batch)."""
    values = change_values(obj, action, before, after)
    if values is None:
        return None
    return ChangeRecord(**values), sorted(set(partner_ids))


def change_stamp(model: type[ConcordModel]) -> dict[str, Any]:
    """What every change record of `model` written now has in common (when, by whom, under
    which request, the record's type): `change_values` works it out for each change unless
    given it, which work writing thousands of change records at once does (it is the same
    for all of them)."""
    actor = current_actor()
    user = actor.user if actor.user is not None and actor.user.pk else None
    return {
        "at": current_moment() or timezone.now(),
        "actor_id": user.pk if user else None,
        "actor_label": (actor.label or (user.get_username() if user else ""))[:200],
        "request_id": actor.request_id[:64],
        "content_type_id": ContentType.objects.get_for_model(model).pk,
    }


def change_values(
    obj: ConcordModel,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    stamp: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The field values (by attname) of the change record `new_change` makes, without making
    the model instance: for an import writing thousands of them (core.importing.batch), which
    passes the `change_stamp` of the records' model once for all of them."""
    changed = _diff(before, after)
    if action == ChangeAction.UPDATE and not changed:
        return None
    return {
        **(stamp if stamp is not None else change_stamp(type(obj))),
        "action": action,
        "object_id": obj.pk,
        "object_repr": str(obj)[:200],
        "before": before,
        "after": after,
        "changed_fields": changed,
    }


#: Change records written at once by `write_changes`.
CHANGE_BATCH = 1000


def write_changes(changes: Iterable[tuple[ChangeRecord, list[int]] | None]) -> None:
    """Write change records made by `new_change`, in their order, and link each to its
    councils: the same rows `record_change` writes, a few statements for many records."""
    pending = [change for change in changes if change is not None]
    for start in range(0, len(pending), CHANGE_BATCH):
        chunk = pending[start : start + CHANGE_BATCH]
        written = ChangeRecord.objects.unscoped("writing change records in bulk").bulk_create(
            [record for record, _ in chunk]
        )
        ChangeRecordPartner.objects.bulk_create(
            [
                ChangeRecordPartner(change_id=record.pk, partner_id=pid)
                for record, (_, partner_ids) in zip(written, chunk, strict=True)
                for pid in partner_ids
            ]
        )


def record_change(
    obj: ConcordModel,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    partner_ids: list[int] | None = None,
) -> ChangeRecord | None:
    """Write one change record for `obj`; an update that changed nothing writes none."""
    if action == ChangeAction.UPDATE and not _diff(before, after):
        return None
    # Owners before and after: a record moved between councils is in both councils' logs.
    owners = partner_ids if partner_ids is not None else obj.change_log_partner_ids(before)
    record = _write_change(obj, action, before, after, owners)
    obj._loaded_values = after
    return record


def record_event(
    obj: Any,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    partner_ids: Iterable[int],
    name: str | None = None,
) -> ChangeRecord:
    """Write one change record of something that is not a domain record and that no signal
    sees, in the change logs of `partner_ids` (and always the service's), named `name`: a
    sign-in lock-out lifted (core.signin). The caller says which councils it concerns."""
    return _write_change(obj, action, before, after, partner_ids, name=name)


@receiver(post_save, dispatch_uid="concord_changelog_save")
def _on_save(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, ConcordModel):
        return
    after = instance.tracked_values()
    if created:
        record_change(instance, ChangeAction.CREATE, None, after)
        if isinstance(instance, Membership):
            _link_account_creation(instance.user_id, instance.partner_id)
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
    if isinstance(instance, AudienceModel):
        AudienceCouncil.objects.filter(
            content_type=ContentType.objects.get_for_model(type(instance)), object_id=instance.pk
        ).delete()


# Accounts -----------------------------------------------------------------------------------
#
# A person's account decides whether they may sign in (is_active, the password) and what they
# see (service_role: a requester made a manager sees every council). Its changes are logged
# like a domain record's: who, when, under which request, before and after. The password hash
# itself is never written: "password" reads "set", "not set" or "changed". Sign-in bookkeeping
# (last_login) is not logged. The change is in the change log of the councils the person
# belongs to (their memberships) at the time, and always in the service's; an account's
# creation also goes to the first council it is given a role in, since accounts are saved
# before their first role (partners.services.add_person). Memberships are domain records and
# log themselves.

#: The fields of an account that the change log follows.
ACCOUNT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "service_role",
)
#: The user model's field that holds the password hash, and how the change log shows it.
HASH_FIELD = "password"
HASH_SET, HASH_NOT_SET, HASH_CHANGED = "set", "not set", "changed"


def _account_fields(model: Any) -> list[str]:
    names = {f.name for f in model._meta.concrete_fields}
    return [name for name in ACCOUNT_FIELDS if name in names]


def _password_state(encoded: str | None) -> str:
    return HASH_SET if is_password_usable(encoded) else HASH_NOT_SET


def _account_values(user: Any) -> dict[str, Any]:
    values = {name: getattr(user, name) for name in _account_fields(type(user))}
    values[HASH_FIELD] = _password_state(user.password)
    return values


def _councils_of(user_id: Any) -> list[int]:
    """The councils `user_id` holds a role in now."""
    return list(
        Membership.objects.unscoped("whose change log an account's change belongs in")
        .filter(user_id=user_id)
        .values_list("partner_id", flat=True)
        .distinct()
    )


def _link_account_creation(user_id: Any, partner_id: int) -> None:
    """Show an account's creation in the change log of the first council it is given a role in
    (it had none when it was saved). Links are only ever added, as for shared records."""
    kind = ContentType.objects.get_for_model(get_user_model())
    unlinked = (
        ChangeRecord.objects.unscoped("linking a new account's creation to its council")
        .filter(content_type=kind, object_id=user_id, action=ChangeAction.CREATE)
        .exclude(Exists(ChangeRecordPartner.objects.filter(change_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    ChangeRecordPartner.objects.bulk_create(
        [ChangeRecordPartner(change_id=pk, partner_id=partner_id) for pk in unlinked]
    )


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="concord_account_before")
def _account_before_save(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    instance._concord_account_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = _account_fields(sender)
    if update_fields is not None and not set(update_fields) & {*fields, HASH_FIELD}:
        return  # signing in (last_login): nothing the change log follows
    row = sender._default_manager.filter(pk=instance.pk).values(*fields, HASH_FIELD).first()
    instance._concord_account_before = row


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="concord_account_save")
def _account_saved(
    sender: Any,
    instance: Any,
    created: bool,
    raw: bool = False,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    if raw:
        return
    if created:
        after = _account_values(instance)
        _write_change(instance, ChangeAction.CREATE, None, after, _councils_of(instance.pk))
        return
    row = getattr(instance, "_concord_account_before", None)
    if row is None:
        return
    instance._concord_account_before = None
    old_hash = row.pop(HASH_FIELD)
    before = {**row, HASH_FIELD: _password_state(old_hash)}
    written = set(update_fields) if update_fields is not None else None
    after = {
        name: getattr(instance, name) if written is None or name in written else value
        for name, value in row.items()
    }
    after[HASH_FIELD] = before[HASH_FIELD]
    if written is None or HASH_FIELD in written:
        after[HASH_FIELD] = _password_state(instance.password)
        # A new hash of the same password (Django upgrades a hash when its owner signs in:
        # set_password, then save(update_fields=["password"]) with no new password kept) is
        # not a change; set_password keeps the new password in _password until saved.
        rehash = instance._password is None and written == {HASH_FIELD}
        new_hash = instance.password != old_hash
        if new_hash and after[HASH_FIELD] == HASH_SET and not rehash:
            after[HASH_FIELD] = HASH_CHANGED
    if not _diff(before, after):
        return
    _write_change(instance, ChangeAction.UPDATE, before, after, _councils_of(instance.pk))


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="concord_account_delete")
def _account_before_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Memberships go with the account, so its councils are read before anything is deleted.
    instance._concord_account_councils = _councils_of(instance.pk)


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="concord_account_deleted")
def _account_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    councils = getattr(instance, "_concord_account_councils", [])
    _write_change(instance, ChangeAction.DELETE, _account_values(instance), None, councils)


def logged_kinds() -> list[tuple[str, str]]:
    """Every kind of record the change log holds, as (``app_label.model``, plural name), by
    name: the domain records, people's accounts and sign-in lock-outs (lifted). The change
    log page and the API filter on these."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    kinds = [
        (model._meta.label_lower, capfirst(record_names(model)[1]))
        for model in apps.get_models()
        if issubclass(model, ConcordModel)
    ]
    kinds.append((get_user_model()._meta.label_lower, "Accounts"))
    kinds.append(("axes.accessattempt", "Sign-in lock-outs"))  # lifted: core.signin
    return sorted(kinds, key=lambda kind: kind[1])


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


def shown_values(record: ChangeRecord) -> tuple[Any, Any, list[str]]:
    """A change's "before", "after" and changed fields as they may be shown or given out:
    without the fields its model's change log omits (`ConcordModel.change_log_omits`, an
    attachment's storage path), which a change logged before they were omitted still holds.
    Every page and API that shows a change reads it through here."""
    model = record.content_type.model_class()
    omitted: frozenset[str] = getattr(model, "change_log_omits", frozenset())
    changed = list(record.changed_fields or [])
    if not omitted:
        return record.before, record.after, changed

    def kept(values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        return {name: value for name, value in values.items() if name not in omitted}

    return kept(record.before), kept(record.after), [n for n in changed if n not in omitted]
