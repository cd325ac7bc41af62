"""The sign-in page's ways in (each app's `sign_in_choices`, besides a password), lifting a
sign-in lock-out (core.tenancy.lockouts), and the words that say when one ends.

Core names no app: an app that signs people in some other way (the identity app's councils'
providers) says so through its configuration's ``sign_in_choices(request)``, and the page
(core.views.signin.SignInView) lists what every app offers.

A council's lead lifts the lock-outs of the council's people, the shared-service manager
anyone's (the grant table's ``lockouts`` area, ``delete``). Lifting deletes django-axes'
attempt rows of that username and address, so the person may sign in at once from there, and
leaves a change record: who lifted it, when, under which request, and what the lock-out was, in
the change log of the person's councils (and always the service's).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.changelog import record_event
from core.models import ChangeAction
from core.tenancy.lockouts import Lockout


@dataclass(frozen=True)
class SignInChoice:
    """A way to sign in other than a password: a button on the sign-in page.

    `label` is what the button says ("Sign in with City of Westminster"), `url` where it
    leads (the app's page that starts the sign-in), `hint` a line under it in plain words.
    """

    label: str
    url: str
    hint: str = ""


def sign_in_choices(request: Any) -> list[SignInChoice]:
    """Every app's ways in, in the order of INSTALLED_APPS."""
    from core.apps import concord_apps

    return [choice for app in concord_apps() for choice in app.sign_in_choices(request)]


#: Where the session keeps a sign-in whose password was right, awaiting a second step.
PENDING_KEY = "core.pending_sign_in"
#: How long (seconds) a pending sign-in waits for its second step.
PENDING_SECONDS = 300


def second_step(request: Any, user: Any) -> str | None:
    """The address of the first second step any app asks of `user` after their password
    (its configuration's ``after_password``), or None."""
    from core.apps import concord_apps

    for app in concord_apps():
        url = app.after_password(request, user)
        if url:
            return url
    return None


def hold_sign_in(request: Any, user: Any, backend: str, next_url: str) -> None:
    """Keep `user`'s sign-in pending in the session until their second step completes."""
    import time

    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": backend,
        "next": next_url,
        "at": int(time.time()),
        "tries": 0,
    }


def pending_sign_in(request: Any) -> dict[str, Any] | None:
    """The pending sign-in of this session (see `hold_sign_in`), or None once it is too old."""
    import time

    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return dict(pending)


def when_in_words(moment: datetime.datetime) -> str:
    """A moment in UK time as people read it: "2:46pm on Thursday 3 December 2026"."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.hour == 12 and local.minute == 0:
        time = "midday"
    elif local.hour == 0 and local.minute == 0:
        time = "midnight"
    else:
        time = f"{hour}:{local.minute:02d}{suffix}"
    return f"{time} on {local:%A} {local.day} {local:%B %Y}"


def lockout_values(lockout: Lockout) -> dict[str, Any]:
    """What the change log keeps of a lock-out (its "before")."""
    return {
        "username": lockout.username,
        "ip_address": lockout.ip_address,
        "failures": lockout.failures,
        "locked_until": lockout.ends_at,
    }


@transaction.atomic
def lift_lockout(lockout: Lockout) -> bool:
    """Lift `lockout` (one the caller found the person may delete) and log it; False, logging
    nothing, if someone else lifted it meanwhile (its rows are gone).

    Every attempt row of its username and address goes, not only those that were counting:
    the person starts again from no failures there.
    """
    from axes.models import AccessAttempt

    from core.tenancy.models import Membership

    rows = AccessAttempt.objects.filter(username=lockout.username, ip_address=lockout.ip_address)
    # The change record names the lock-out by its first attempt row, which is about to go.
    first = AccessAttempt(pk=lockout.id, username=lockout.username, ip_address=lockout.ip_address)
    deleted, _ = rows.delete()
    if not deleted:
        return False
    councils: list[int] = []
    if lockout.person is not None:
        councils = list(
            Membership.objects.unscoped("whose change log a lifted lock-out belongs in")
            .filter(user_id=lockout.person.pk)
            .values_list("partner_id", flat=True)
            .distinct()
        )
    values = lockout_values(lockout)
    record_event(first, ChangeAction.DELETE, values, None, councils, name=str(lockout))
    return True
