"""Running numbers for references people quote (INC0001234): one counter per key, handed out
inside the caller's transaction, so that two records saved at once never share a number and a
rolled-back save gives its number back.

A key names what is counted and within what (``servicedesk.ticket:wcc:INC``): counting within
a council keeps one council's numbers from telling another how much work it has.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.models import Counter


def next_number(key: str) -> int:
    """The next number of `key` (1 for a new key). Locks the counter's row until the caller's
    transaction ends: call it inside the transaction that saves the numbered record."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that uses it")
    counter = Counter.objects.select_for_update().filter(key=key).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = Counter.objects.create(key=key, value=0)
        except IntegrityError:
            # Made at the same moment by another transaction: take the lock on theirs.
            counter = Counter.objects.select_for_update().get(key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def set_at_least(key: str, value: int) -> None:
    """Make sure `key` will not hand out `value` or any number below it (records imported
    with their numbers)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("set_at_least() must run inside the transaction that uses it")
    counter = Counter.objects.select_for_update().filter(key=key).first()
    if counter is None:
        Counter.objects.create(key=key, value=value)
    elif counter.value < value:
        counter.value = value
        counter.save(update_fields=["value"])
