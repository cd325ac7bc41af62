"""Fewer runs of Python's cyclic garbage collector while an import works.

CPython's collector runs whenever 700 more container objects have been made than freed, and its
fuller passes walk every object the process holds. An import makes objects by the hundred
thousand (each row's record, its values, its change record's values) and keeps many of them
(the values a file has used, the records matched): measured on 20,000 assets, a fifth of the
import's time was the collector's (1.0 s of 5.1 s, 1,229 runs; docs/performance.md, "Assets").

`fewer_collections` is the import's time without most of them: the objects that exist when it
starts are frozen (``gc.freeze``: left out of every pass; they are the process's own, which
would survive the passes anyway), unless the process froze what it loaded as it started
(core.heap), and the first generation's threshold is raised to 50,000.
Garbage in cycles is still collected, less often (a pass after 50,000 new objects rather than
700); objects freed by their reference count are freed as ever. Both are put back when the
outermost import running in the process ends (imports in several threads at once share one
setting, counted).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: New container objects between two passes of the first generation while an import works.
THRESHOLD = 50_000

_lock = threading.Lock()
_running = 0
_saved: tuple[int, ...] = ()
_froze = False


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the body with the collector's passes made rare (see the module's note)."""
    global _running, _saved, _froze
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            # A process that froze what it loaded as it started (the web server's, the test
            # suite's: core.heap) keeps that freeze: undoing it at the end would put every
            # object it loaded back in the collector's walks. Only a process with nothing
            # frozen freezes here, and thaws at the end.
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
            gc.set_threshold(max(THRESHOLD, _saved[0]), *_saved[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)
                if _froze:
                    gc.unfreeze()
