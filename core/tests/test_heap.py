"""The web server's process as it starts (core.heap, called by concord.wsgi): what it loaded is
frozen, URL reversing included, and the collector's young passes are rare.

Run in a fresh interpreter, since the test process has frozen and tuned its own collector
(conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

from core.testing.migrated import development_env, run_python

BASE_DIR = Path(__file__).resolve().parents[2]

#: Imports the WSGI application as gunicorn does, then reverses every URL name of every
#: namespace (each without arguments: those that need some fail, after the same table lookups),
#: counting the objects the collector tracks before and after.
SCRIPT = """
import gc, json, re
import concord.wsgi
from django.urls import NoReverseMatch, get_resolver, reverse
from core.heap import SERVER_THRESHOLD

def names(resolver, namespace):
    for key in resolver.reverse_dict:
        if isinstance(key, str):
            yield namespace + key
    for name, (_prefix, under) in resolver.namespace_dict.items():
        yield from names(under, f"{namespace}{name}:")

frozen, threshold = gc.get_freeze_count(), gc.get_threshold()
all_names = list(names(get_resolver(), ""))
def tracked():  # the re module's own cache of compiled patterns aside
    return sum(1 for o in gc.get_objects() if not isinstance(o, re.Pattern))

gc.collect()
before = tracked()
reversed_ = 0
for name in all_names:
    try:
        reverse(name)
        reversed_ += 1
    except NoReverseMatch:
        pass
gc.collect()
print(json.dumps({
    "frozen": frozen, "threshold": threshold, "server_threshold": SERVER_THRESHOLD,
    "names": len(all_names), "reversed": reversed_,
    "new_objects": tracked() - before,
}))
"""


def test_the_server_process_starts_frozen_with_its_url_tables_and_rare_young_passes(tmp_path):
    done = run_python(["-c", SCRIPT], development_env(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["frozen"] > 100_000
    assert found["threshold"][0] == found["server_threshold"] == 50_000
    # Every namespace's names (the API's under "api:" among them) are in tables built before
    # the freeze: reversing them all, as requests will, builds nothing the collector walks.
    assert found["names"] > 500
    assert found["reversed"] > 50
    assert found["new_objects"] < 50, found
