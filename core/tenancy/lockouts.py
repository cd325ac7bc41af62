"""Sign-in lock-outs: who is locked out now, until when, and who may see (and lift) it.

django-axes counts failed sign-ins (pages and the token endpoint alike) in its AccessAttempt
rows: one per username, address and browser, each with its number of failures and the time of
its last one. A username is locked out from one address (settings.AXES_LOCKOUT_PARAMETERS:
the pair) while the failures of that pair's rows within the cool-off add up to the limit. A
sign-in tried during a lock-out is not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
is off), so the end worked out here is the end, and the sign-in page can say so.

Who sees a lock-out is the grant table's ``lockouts`` area: a council's lead sees those of the
council's people (through the memberships the scoping mechanism lets them see), the
shared-service manager every one, including usernames that name nobody.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.tenancy.access import VIEW, access_for

AREA = "lockouts"
MAX_PK = 2**63 - 1


@dataclass
class Lockout:
    """One username locked out from one address."""

    #: The lock-out's id: the first of its attempt rows (pages' and the API's addresses).
    id: int
    username: str | None
    ip_address: str | None
    failures: int
    #: The last moment the lock-out holds; a sign-in after it is tried again.
    ends_at: datetime.datetime
    #: The account the username names, if any.
    person: Any = None
    attempt_ids: list[int] = field(default_factory=list)

    @property
    def retry_from(self) -> datetime.datetime:
        """The first whole minute at which signing in is tried again."""
        return retry_from(self.ends_at)

    def __str__(self) -> str:
        name = self.username if self.username is not None else "(no username)"
        return f"Sign-in lock-out of {name} from {self.ip_address or 'an unknown address'}"


def cool_off() -> datetime.timedelta:
    """How long a lock-out lasts after the failure that completed it."""
    return datetime.timedelta(minutes=settings.AXES_COOLOFF_TIME * 60)


def failure_limit() -> int:
    """Failures of one username from one address that lock it out."""
    return int(settings.AXES_FAILURE_LIMIT)


def retry_from(ends_at: datetime.datetime) -> datetime.datetime:
    """The first whole minute after `ends_at` (a lock-out holds until its end, inclusive)."""
    return ends_at.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)


def _end(rows: list[tuple[int, datetime.datetime, int]], limit: int) -> datetime.datetime | None:
    """When the lock-out of one username and address made of `rows` (id, last failure,
    failures) ends, or None if they do not lock it out. Each row stops counting a cool-off
    after its last failure; the lock-out ends when the rows still counting fall below the
    limit."""
    remaining = sum(failures for _, _, failures in rows)
    if remaining < limit:
        return None
    for _, last, failures in sorted(rows, key=lambda row: row[1]):
        remaining -= failures
        if remaining < limit:
            return last + cool_off()
    return None  # unreachable: the limit is at least one


def _current(condition: Q, now: datetime.datetime | None = None) -> list[Lockout]:
    """Every lock-out in force at `now` among the attempt rows matching `condition`."""
    from axes.models import AccessAttempt

    now = now or timezone.now()
    limit = failure_limit()
    rows = (
        AccessAttempt.objects.filter(condition, attempt_time__gte=now - cool_off())
        .order_by("id")
        .values_list("id", "username", "ip_address", "attempt_time", "failures_since_start")
    )
    groups: dict[tuple[str | None, str | None], list[tuple[int, datetime.datetime, int]]]
    groups = defaultdict(list)
    for pk, username, ip_address, last, failures in rows:
        groups[(username, ip_address)].append((pk, last, failures))
    lockouts = []
    for (username, ip_address), attempts in groups.items():
        ends = _end(attempts, limit)
        if ends is None or ends < now:
            continue
        lockouts.append(
            Lockout(
                id=attempts[0][0],
                username=username,
                ip_address=ip_address,
                failures=sum(failures for _, _, failures in attempts),
                ends_at=ends,
                attempt_ids=[pk for pk, _, _ in attempts],
            )
        )
    _attach_people(lockouts)
    return sorted(lockouts, key=lambda lockout: (lockout.ends_at, lockout.id))


def _attach_people(lockouts: list[Lockout]) -> None:
    from core.tenancy.models import User

    names = {lockout.username for lockout in lockouts if lockout.username}
    if not names:
        return
    people = {user.username: user for user in User.objects.filter(username__in=sorted(names))}
    for lockout in lockouts:
        lockout.person = people.get(lockout.username or "")


def lockout_ends(
    username: str | None, ip_address: str | None, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """When the lock-out of `username` from `ip_address` ends, or None if there is none."""
    found = _current(Q(username=username, ip_address=ip_address), now)
    return found[0].ends_at if found else None


def _visible(viewer: Any, action: str) -> Q | None:
    """The attempt rows whose lock-outs `viewer` may `action` (view, delete), or None."""
    from core.tenancy.models import Membership

    ids = access_for(viewer).partner_ids(action, AREA)
    if ids is None:
        return Q()
    if not ids:
        return None
    # The council's people, as the memberships the viewer may see name them.
    people = Membership.objects.visible_to(viewer).filter(partner_id__in=sorted(ids))
    return Q(username__in=people.values("user__username"))


def lockouts_visible_to(
    viewer: Any, action: str = VIEW, now: datetime.datetime | None = None
) -> list[Lockout]:
    """The lock-outs in force that `viewer` may `action`, ending soonest first."""
    condition = _visible(viewer, action)
    if condition is None:
        return []
    return _current(condition, now)


def lockout_visible_to(
    viewer: Any, pk: Any, action: str = VIEW, now: datetime.datetime | None = None
) -> Lockout | None:
    """The lock-out `pk` if it is in force and `viewer` may `action` it; else None (a 404)."""
    from axes.models import AccessAttempt

    condition = _visible(viewer, action)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if condition is None or not 0 < pk <= MAX_PK:  # ids are 64-bit at most: none such
        return None
    first = AccessAttempt.objects.filter(condition, pk=pk).values_list("username", "ip_address")
    if not first:
        return None
    username, ip_address = first[0]
    found = _current(condition & Q(username=username, ip_address=ip_address), now)
    return next((lockout for lockout in found if lockout.id == pk), None)


def may_see_lockouts(viewer: Any) -> bool:
    """Whether `viewer` may see any lock-out at all (the navigation's link, the list page)."""
    return access_for(viewer).partner_ids(VIEW, AREA) != set()
