"""What a long-running Concord process loads once, frozen out of the garbage collector's walks.

CPython's cyclic collector walks every object the process holds on its fuller passes. A
Concord process holds a few hundred thousand that live as long as it does: modules, settings,
models, and, once the first request has been answered, every app's URLs with the views,
serializers, forms and filter sets they import (Django loads the URL configuration lazily, on
the first request). `freeze_what_is_loaded` loads the URL configuration first, then freezes
everything (``gc.freeze``): left out of every pass, which then walks only what requests make.
Python's documentation recommends it before a server forks its workers, which also keeps those
pages shared between them.

The web server's entry points (concord.wsgi, concord.asgi) call it as they start; so does the
test suite, after collecting its tests (conftest.py), where the collector's passes over the
suite's own objects were a third of the time of the API's hostile-value sweep
(docs/performance.md, "Test suite").
"""

from __future__ import annotations

import gc


def freeze_what_is_loaded() -> None:
    """Load every app's URL configuration, collect what is garbage, freeze the rest."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every app's urls, views and serializers
    gc.collect()
    gc.freeze()
