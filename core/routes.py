"""URLs of routes that take no arguments, and of static files, worked out once.

Every page draws the navigation and its list's links (list, add, export, import): a dozen
``reverse()`` calls, each walking the resolver, and a missing route (a model with no import
page) raising and catching NoReverseMatch on every request. Routes do not change while the
URL configuration stays the same, so each answer is remembered per URL configuration and
script prefix, and forgotten when a test swaps the configuration. A static file's URL (from
the static files storage: with hashed names in production) is the same for the life of the
process, and is remembered likewise (`asset_url`).
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

_MISSING = object()
_ANSWERS: dict[tuple[Any, str, str], Any] = {}


def route_url(name: str) -> str | None:
    """``reverse(name)`` for a route with no arguments, or None when there is no such route."""
    key = (get_urlconf(), get_script_prefix(), name)
    answer = _ANSWERS.get(key, _MISSING)
    if answer is _MISSING:
        try:
            answer = reverse(name)
        except NoReverseMatch:
            answer = None
        _ANSWERS[key] = answer
    return answer


def route_url_or_fail(name: str) -> str:
    """``reverse(name)`` for a route with no arguments (NoReverseMatch when there is none)."""
    answer = route_url(name)
    if answer is None:
        raise NoReverseMatch(f"Reverse for {name!r} not found.")
    return answer


_ASSETS: dict[tuple[str, str], str] = {}


def asset_url(path: str) -> str:
    """``static(path)``, worked out once per process (and script prefix)."""
    key = (get_script_prefix(), path)
    url = _ASSETS.get(key)
    if url is None:
        url = _ASSETS[key] = static(path)
    return url


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _ANSWERS.clear()
    if setting in ("STATIC_URL", "STORAGES", "STATICFILES_STORAGE"):
        _ASSETS.clear()
