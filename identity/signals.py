"""Keeping each person's sessions known (identity.models.PersonSession), so that switching a
person off (identity.services.deactivate) ends them at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.dispatch import receiver
from django.utils import timezone

from identity.models import PersonSession


@receiver(user_logged_in, dispatch_uid="identity_session_signed_in")
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        session.save()
    PersonSession.objects.update_or_create(
        session_key=session.session_key, defaults={"user_id": user.pk}
    )
    # The person's sessions that have ended meanwhile (expired, or flushed) are forgotten here,
    # so that the rows stay as few as the sessions a person really holds.
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    PersonSession.objects.filter(user_id=user.pk).exclude(session_key__in=live).exclude(
        session_key=session.session_key
    ).delete()


@receiver(user_logged_out, dispatch_uid="identity_session_signed_out")
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        PersonSession.objects.filter(session_key=session.session_key).delete()
