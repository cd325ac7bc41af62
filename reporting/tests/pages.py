"""The reporting app's pages beyond its generic ones, for the page template checks
(core.testing.visits): each part of reporting lists its own in ``reporting/tests/<part>_pages.py``
(a ``page_visits(cast, client_for)`` of its own), gathered here so that the parts never edit
one file."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    """Every part's visits, in the order of their modules' names."""
    visits: list[tuple[str, Any]] = []
    here = str(Path(__file__).parent)
    for module in sorted(m.name for m in pkgutil.iter_modules([here])):
        if module.endswith("_pages"):
            part = importlib.import_module(f"reporting.tests.{module}")
            visits += part.page_visits(cast, client_for)
    return visits
