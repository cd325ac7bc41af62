"""The second factor of the shared service's own staff who sign in with a password: an
authenticator app (TOTP, 30-second steps, 6 digits) and ten one-use recovery codes.

A right password holds the sign-in (core.signin.hold_sign_in) and sends the person here
(`IdentityConfig.after_password`); a person with no authenticator yet adds one first
(`enrolment_secret`, `enrol`) and is shown their recovery codes once. Enrolling, using a
recovery code and removing a person's factor (the manager's, for a lost phone) are in the
change log.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

import pyotp
import segno
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from core.changelog import record_event
from core.models import ChangeAction
from identity import sealed
from identity.models import RecoveryCode, SecondFactor

logger = logging.getLogger(__name__)

ISSUER = "Concord"
RECOVERY_CODES = 10
#: Codes of one step either side of now are accepted (clocks drift).
WINDOW = 1


def required(user: Any) -> bool:
    """Whether `user`, whose password was right, must also give a second factor."""
    return bool(settings.IDENTITY_STAFF_SECOND_FACTOR) and user.is_service_staff


def enrolment_secret(request: Any) -> str:
    """The secret being enrolled in this session (a new one the first time)."""
    secret = request.session.get("identity.enrolment_secret")
    if not secret:
        secret = pyotp.random_base32()
        request.session["identity.enrolment_secret"] = secret
    return str(secret)


def qr_svg(user: Any, secret: str) -> str:
    """The otpauth:// address of `secret` as an SVG QR code (inline, no script, no request)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=ISSUER)
    return str(
        segno.make(uri, error="m").svg_inline(scale=5, title="QR code of your new authenticator")
    )


def _step_accepted(secret: str, code: str, after_step: int) -> int | None:
    """The time step `code` is valid for (within WINDOW of now, later than `after_step`)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if step > after_step and secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _log(user: Any, factor: Any, action: str, what: str) -> None:
    from core.tenancy.models import Membership

    councils = list(
        Membership.objects.unscoped("whose change log a second factor belongs in")
        .filter(user_id=user.pk)
        .values_list("partner_id", flat=True)
    )
    record_event(
        factor,
        action,
        None,
        {"person": user.get_username(), "what": what},
        councils,
        name=f"second factor of {user.get_username()}",
    )


@transaction.atomic
def enrol(user: Any, secret: str, code: str) -> list[str] | None:
    """Confirm `secret` with a `code` from the person's app: their new recovery codes (shown
    once), or None when the code is wrong."""
    step = _step_accepted(secret, code, 0)
    if step is None:
        return None
    SecondFactor.objects.filter(user=user).delete()
    factor = SecondFactor.objects.create(
        user=user, secret=sealed.seal(secret), confirmed_at=timezone.now(), last_step=step
    )
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for recovery in codes:
        RecoveryCode.objects.create(user=user, code_hash=make_password(recovery))
    _log(user, factor, ChangeAction.CREATE, "authenticator added")
    return codes


@transaction.atomic
def verify(user: Any, code: str) -> bool:
    """Whether `code` is a fresh code of `user`'s authenticator, or one of their unused
    recovery codes (then used up, and logged)."""
    factor = SecondFactor.objects.select_for_update().filter(user=user).first()
    if factor is None:
        return False
    try:
        seed = sealed.unseal(factor.secret)
    except sealed.Unreadable:
        # The secret key changed and the old one is not among the fallbacks: the app's codes
        # cannot be checked; a recovery code still signs the person in.
        logger.error(
            "The authenticator of %s cannot be read: the secret key changed without the old "
            "one in CONCORD_SECRET_KEY_FALLBACKS. They can sign in with a recovery code.",
            user.get_username(),
        )
        seed = ""
    step = _step_accepted(seed, code, factor.last_step) if seed else None
    if step is not None:
        factor.last_step = step
        fields = ["last_step"]
        if not sealed.sealed_under_current_key(factor.secret):
            factor.secret = sealed.seal(seed)  # a fallback key's, sealed again under the new
            fields.append("secret")
        factor.save(update_fields=fields)
        return True
    typed = code.strip().lower()
    if len(typed) == 13:
        for recovery in RecoveryCode.objects.select_for_update().filter(
            user=user, used_at__isnull=True
        ):
            if check_password(typed, recovery.code_hash):
                recovery.used_at = timezone.now()
                recovery.save(update_fields=["used_at"])
                _log(user, factor, ChangeAction.UPDATE, "recovery code used")
                return True
    return False


def has_factor(user: Any) -> bool:
    return SecondFactor.objects.filter(user=user).exists()


def codes_left(user: Any) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def remove(user: Any) -> bool:
    """Remove `user`'s authenticator and recovery codes (a lost phone): they add a new one at
    their next sign-in. False when they had none."""
    factor = SecondFactor.objects.filter(user=user).first()
    if factor is None:
        return False
    _log(user, factor, ChangeAction.DELETE, "authenticator removed")
    factor.delete()
    RecoveryCode.objects.filter(user=user).delete()
    return True
