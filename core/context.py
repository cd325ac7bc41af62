"""Who is acting, and under which request, for the change log; and, for a loader replaying
history, when.

A context variable carries the current request (set by middleware), or the user and label of a
command or job. The change log reads it when it writes a record, so that pages, the API, imports,
commands and jobs all leave the same trace without passing the actor down every call.

`dated` is for a loader that writes what happened in the past (the demo's year of tickets): the
change log records the moment the story says, not the moment it was loaded. Nothing a person
does runs inside it, and it takes no moment in the future.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The person (if any) and a label for whatever caused a change."""

    user: Any = None
    label: str = ""
    request_id: str = ""


_request: ContextVar[Any] = ContextVar("concord_request", default=None)
_actor: ContextVar[Actor | None] = ContextVar("concord_actor", default=None)
_moment: ContextVar[datetime.datetime | None] = ContextVar("concord_moment", default=None)


def new_request_id() -> str:
    """A fresh identifier for a request, command or job run."""
    return uuid.uuid4().hex


@contextmanager
def request_context(request: Any) -> Iterator[None]:
    """Attribute changes made while handling `request` to its (eventually) signed-in user."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


@contextmanager
def acting_as(user: Any = None, label: str = "", request_id: str | None = None) -> Iterator[Actor]:
    """Attribute changes to `user` with `label` (e.g. ``command:partner add``, ``job:import#7``)."""
    actor = Actor(user=user, label=label, request_id=request_id or new_request_id())
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    """The actor of the change being made now: an explicit one, else the request's user."""
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None
        label = f"{request.method} {request.path}"[:200]
        return Actor(user=user, label=label, request_id=getattr(request, "request_id", ""))
    return Actor(user=None, label="system", request_id="")


@contextmanager
def dated(moment: datetime.datetime) -> Iterator[datetime.datetime]:
    """Date the change records written inside at `moment` (a loader replaying history: the
    demo's tickets as they happened), rather than now. An aware moment, not in the future."""
    from django.utils import timezone

    if timezone.is_naive(moment):
        raise ValueError("A change log moment needs its time zone")
    if moment > timezone.now():
        raise ValueError("The change log records what happened: not a moment in the future")
    token = _moment.set(moment)
    try:
        yield moment
    finally:
        _moment.reset(token)


def current_moment() -> datetime.datetime | None:
    """The moment set by `dated`, or None: now."""
    return _moment.get()
