"""Secrets Concord must read back, kept sealed in the database: an authenticator's TOTP seed.

A password or a recovery code is kept as a hash, since Concord only compares; a TOTP seed must
be read to check a code, so it cannot be hashed. Kept in clear, a copy of the database (a
backup, a dump handed over by mistake) would be every staff member's second factor. It is
sealed instead: encrypted and authenticated (Fernet: AES-128-CBC and HMAC-SHA256, from the
``cryptography`` package) with a key derived from the installation's secret key
(``CONCORD_SECRET_KEY``), which lives in the environment, never in the database.

When the secret key is changed, the old one goes in ``SECRET_KEY_FALLBACKS``
(``CONCORD_SECRET_KEY_FALLBACKS``) as Django's signing asks: seeds sealed under it are still
read, and are sealed again under the new key at the next code accepted. A seed that no key
opens is reported in the log and treated as absent: the person signs in with a recovery code
and adds their authenticator again (docs/identity.md).

A stored value is ``sealed$<token>``; a value without the prefix is one from before sealing
(identity migration 0002 seals them), read as it is.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "sealed$"
#: What the keys are for: a key derived for sealing seeds is good for nothing else.
PURPOSE = "concord.identity.sealed"


class Unreadable(Exception):
    """No key of this installation opens the sealed value (the secret key changed without
    the old one kept among the fallbacks)."""


def _fernets() -> Iterator[Fernet]:
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        digest = salted_hmac(PURPOSE, "fernet key", secret=secret, algorithm="sha256").digest()
        yield Fernet(base64.urlsafe_b64encode(digest))


def seal(text: str) -> str:
    """`text` sealed under the current secret key, to store."""
    return PREFIX + MultiFernet(list(_fernets())).encrypt(text.encode()).decode("ascii")


def unseal(stored: str) -> str:
    """The text a stored value holds; `Unreadable` when no key opens it."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return MultiFernet(list(_fernets())).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise Unreadable("No secret key of this installation opens the sealed value.") from None


def sealed_under_current_key(stored: str) -> bool:
    """Whether `stored` is sealed, and under the current secret key (not a fallback)."""
    if not stored.startswith(PREFIX):
        return False
    current = next(_fernets())
    try:
        current.decrypt(stored[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True
