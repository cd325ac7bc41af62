"""Every module of the project opens with a docstring saying what it is for (house style:
docs/architecture.md). Migrations, which Django writes, and empty package files are left out."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

from core.apps import concord_apps

ROOT = Path(settings.BASE_DIR)


def project_modules() -> list[Path]:
    """The Python files of core, concord and every installed Concord app."""
    folders = {ROOT / "core", ROOT / "concord"} | {Path(app.path) for app in concord_apps()}
    found = []
    for folder in sorted(folders):
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts or not path.read_text().strip():
                continue
            found.append(path)
    return found


def test_every_module_says_what_it_is_for():
    missing = [
        str(path.relative_to(ROOT))
        for path in project_modules()
        if ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert missing == [], "modules without an opening docstring"
    assert any(path.name == "records.py" for path in project_modules())  # the scan works
