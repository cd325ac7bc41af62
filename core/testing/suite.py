"""Rules about the test suite as a whole, checked by the project's conftest.py when the whole
suite runs: an app holding Concord records must have tests that pytest collects (an app left
out of ``testpaths`` in pyproject.toml, or one with no tests at all, fails the run).

An app's tests are those under its folder, or under the folder its configuration names as
``tests_path`` (the test-only sample app's are core's, core/tests)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core.apps import concord_apps
from core.checks import concord_models


def apps_without_tests(collected: Iterable[Path]) -> list[str]:
    """The labels of the Concord apps with Concord records none of whose files is among the
    `collected` test files."""
    files = [Path(path).resolve() for path in collected]
    with_records = {model._meta.app_label for model in concord_models()}
    missing = []
    for app in concord_apps():
        if app.label not in with_records:
            continue
        folder = Path(getattr(app, "tests_path", app.path)).resolve()
        if not any(folder in file.parents for file in files):
            missing.append(app.label)
    return missing
