"""Per-person secret addresses of calendar feeds (`core.models.FeedSecret`), for every app.

A calendar client fetches a feed without a session, so its address carries a secret that
names the person: `new_feed_secret(person, feed)` makes one (shown once, only its hash kept;
the old one of that feed stops working), `feed_person(secret, feed)` finds whose it is, or
None for an unknown or old secret and for anyone who may no longer sign in. An app's feed
view then draws the person's own view of its records (the one visibility rule).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction

from core.models import FeedSecret


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def new_feed_secret(person: Any, feed: str) -> str:
    """A new secret for `person`'s `feed`, replacing (and so stopping) the old one."""
    secret = secrets.token_urlsafe(32)
    row = FeedSecret.objects.filter(user=person, feed=feed).first() or FeedSecret(
        user=person, feed=feed
    )
    row.secret_hash = digest(secret)
    row.save()
    return secret


def feed_person(secret: str, feed: str) -> Any:
    """The person whose `feed` `secret` opens, or None: no such secret (or an old one, or
    another feed's), or a person who may no longer sign in (inactive, or all of whose
    councils have left)."""
    from core.tenancy.access import council_access_ended

    if not secret or len(secret) > 100:
        return None
    row = (
        FeedSecret.objects.select_related("user")
        .filter(secret_hash=digest(secret), feed=feed)
        .first()
    )
    if row is None or not row.user.is_active or council_access_ended(row.user):
        return None
    return row.user


def has_feed(person: Any, feed: str) -> bool:
    return FeedSecret.objects.filter(user=person, feed=feed).exists()
