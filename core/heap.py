"""The garbage collector of a long-running Concord process: what it loads once frozen out of
the collector's walks, and the collector's passes over what requests make kept rare.

CPython's cyclic collector walks every object the process holds on its fuller passes. A
Concord process holds a few hundred thousand that live as long as it does: modules, settings,
models, and, once the first request has been answered, every app's URLs with the views,
serializers, forms and filter sets they import (Django loads the URL configuration lazily, on
the first request, and the tables it reverses URLs by on the first reverse).
`freeze_what_is_loaded` loads both first, then freezes everything (``gc.freeze``): left out of
every pass, which then walks only what requests make. Python's documentation recommends it
before a server forks its workers, which also keeps those pages shared between them.

A request makes tens of thousands of container objects (rows, model instances, serializer
fields, template nodes), nearly all freed by reference counting when it ends, not by the
collector. With Python's default of a young pass every 700 new objects, a request lives
through several: what it still holds is moved on to the older generations, whose passes
(a full one walks every object not frozen) then land inside later requests, several
milliseconds each, which is most of a list's slowest twentieth (docs/performance.md, "The
collector and the slowest requests"; decision 0046). `collect_young_rarely` makes it a pass
every `SERVER_THRESHOLD` new objects: garbage in cycles is still collected, a little later.

The web server's entry points (concord.wsgi, concord.asgi) call both as they start; the test
suite freezes after collecting its tests (conftest.py), where the collector's passes over the
suite's own objects were a third of the time of the API's hostile-value sweep
(docs/performance.md, "Test suite"), and sets a threshold of its own.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Any

#: New container objects between two passes of the collector's youngest generation in a web
#: server's process, rather than Python's 700 (decision 0046).
SERVER_THRESHOLD = 50_000


def freeze_what_is_loaded() -> None:
    """Load every app's URL configuration and the tables URLs are reversed by, collect what is
    garbage, freeze the rest."""
    from django.urls import get_resolver

    _load_reverse_tables(get_resolver(), "")
    gc.collect()
    gc.freeze()


def _load_reverse_tables(resolver: Any, namespace: str) -> None:
    """The resolver's URL patterns (which imports every app's urls, views and serializers) and
    the tables a reverse looks names up in, for the resolver and every namespace under it.

    A namespace under a path prefix ("api:") is reversed through a resolver Django builds for
    it on the first reverse (``get_ns_resolver``), so a name that is in no table is reversed in
    each: the lookup builds the tables, then finds nothing."""
    from django.urls import NoReverseMatch, reverse

    for name, (_prefix, under) in resolver.namespace_dict.items():
        path = f"{namespace}{name}:"
        with contextlib.suppress(NoReverseMatch):
            reverse(f"{path}\N{NULL}")
        _load_reverse_tables(under, path)


def collect_young_rarely() -> None:
    """A pass of the youngest generation every SERVER_THRESHOLD new objects (the older
    generations' own thresholds, counted in young passes, are Python's)."""
    gen0, *older = gc.get_threshold()
    gc.set_threshold(max(gen0, SERVER_THRESHOLD), *older)
