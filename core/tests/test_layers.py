"""Imports run one way, down the floors (docs/architecture.md): these tests read every module's
imports and fail, naming the file, the line and the import, when one runs the wrong way.

- Core never imports an app, not even inside a function, its tests included: what core needs
  to know about an app, the app declares. The test-only sample app (core.testing.sample) is
  core's and may import core freely, but no app either.
- The tenancy kernel (core/tenancy/) is the ground floor: it imports nothing of core outside
  core.tenancy.
- The estate is the example every new app copies, and no other app depends on it.

An import is an ``import`` or ``from ... import`` statement anywhere in the module (at the top,
in a function, under ``if TYPE_CHECKING``), relative ones resolved, and a call of
``importlib.import_module`` or ``__import__`` with a literal module name.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from core.apps import concord_apps

ROOT = Path(settings.BASE_DIR).resolve()
CORE = ROOT / "core"
KERNEL = CORE / "tenancy"

#: The example app, which no other app may import.
EXAMPLE_APP = "estate"

#: Imports of the example app by another app that are known and not yet removed, each with its
#: reason: (file, imported module) -> why. The test fails on any other, and on an entry here
#: that no longer happens (remove it then).
EXAMPLE_APP_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    """The dotted module name of a file of the project (``core.tenancy.models``)."""
    parts = list(path.resolve().relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(
    source: str, module: str, is_package: bool = False
) -> Iterator[tuple[int, str, str]]:
    """(line, imported module, statement) for every import in `source`, the text of module
    `module`.

    ``from x import y`` gives ``x`` and ``x.y`` (``y`` may be a submodule); relative imports are
    resolved against the module's package.
    """
    package = module if is_package else module.rpartition(".")[0]
    # Split as the parser counts lines (str.splitlines also breaks at form feeds and the like).
    lines = [line.encode() for line in re.split(r"\r\n|\r|\n", source)]

    def text(node: ast.expr | ast.stmt) -> str:
        """The node's source, on one line (its offsets count UTF-8 bytes)."""
        first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        if first == last:
            part = [lines[first][node.col_offset : node.end_col_offset]]
        else:
            part = [
                lines[first][node.col_offset :],
                *lines[first + 1 : last],
                lines[last][: node.end_col_offset],
            ]
        return " ".join(b" ".join(part).decode().split())

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, text(node)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            yield node.lineno, base, text(node)
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{base}.{alias.name}", text(node)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                yield node.lineno, first.value, text(node)


Import = tuple[str, int, str, str]  # file, line, imported module, statement


def imports_under(folder: Path) -> Iterator[Import]:
    """Every import of every module under `folder`, its file relative to the project."""
    for path in sorted(folder.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        is_package = path.name == "__init__.py"
        for line, name, statement in imports_in(source, module_name(path), is_package):
            yield str(path.resolve().relative_to(ROOT)), line, name, statement


def within(name: str, package: str) -> bool:
    """Whether module `name` is `package` or inside it."""
    return name == package or name.startswith(f"{package}.")


def app_packages() -> set[str]:
    """The top-level packages of the installed Concord apps, core's own sample app aside."""
    return {app.name.split(".")[0] for app in concord_apps()} - {"core"}


def report(found: list[Import], rule: str) -> str:
    """The rule, then each import that breaks it (once per statement): file:line: statement."""
    lines = sorted({(file, line, statement) for file, line, _, statement in found})
    listed = "\n".join(f"  {file}:{line}: {statement}" for file, line, statement in lines)
    return f"{rule}:\n{listed}"


def test_the_reader_finds_every_kind_of_import() -> None:
    source = (
        "import os, estate.models\n"
        "from estate import views\n"
        "from . import sibling\n"
        "from ..models import Thing\n"
        "def later():\n"
        "    from partners.services import add_partner\n"
        "    import importlib\n"
        "    importlib.import_module('estate.forms')\n"
        "    __import__('partners')\n"
        "    import_module(name)  # not a literal: not known\n"
    )
    found = {(line, name) for line, name, _ in imports_in(source, "core.tenancy.records")}
    assert {
        (1, "os"),
        (1, "estate.models"),
        (2, "estate"),
        (2, "estate.views"),
        (3, "core.tenancy"),
        (3, "core.tenancy.sibling"),
        (4, "core.models"),
        (4, "core.models.Thing"),
        (6, "partners.services"),
        (8, "estate.forms"),
        (9, "partners"),
    } <= found
    assert not any(name == "name" for _, name in found)
    # In a package's __init__, "." is the package itself.
    assert (1, "core.tenancy.models", "from .models import X") in set(
        imports_in("from .models import X", "core.tenancy", is_package=True)
    )
    # A failure names the file, the line and the import, once per statement.
    message = report(
        [
            ("core/x.py", 3, "estate.models", "from estate.models import Site"),
            ("core/x.py", 3, "estate.models.Site", "from estate.models import Site"),
        ],
        "Rule",
    )
    assert message == "Rule:\n  core/x.py:3: from estate.models import Site"


def test_the_apps_are_known() -> None:
    apps = app_packages()
    assert {"partners", EXAMPLE_APP} <= apps
    assert "sample" in {app.label for app in concord_apps()}  # installed, and core's own


def test_core_imports_no_app() -> None:
    apps = app_packages()
    found = [found for found in imports_under(CORE) if found[2].split(".")[0] in apps]
    if found:
        pytest.fail(
            report(
                found,
                "Core never imports an app, not even inside a function or in its tests (core's "
                "tests use the test-only sample app, core.testing.sample)",
            )
        )


def test_the_kernel_imports_nothing_of_core_above_it() -> None:
    found = [
        found
        for found in imports_under(KERNEL)
        if within(found[2], "core") and found[2] != "core" and not within(found[2], "core.tenancy")
    ]
    if found:
        pytest.fail(
            report(
                found,
                "The tenancy kernel (core/tenancy/) imports nothing of core outside core.tenancy",
            )
        )


def test_no_app_imports_the_example_app() -> None:
    assert EXAMPLE_APP in app_packages(), f"{EXAMPLE_APP} is not installed: update EXAMPLE_APP"
    found: list[Import] = []
    allowed_seen: set[tuple[str, str]] = set()
    for app in concord_apps():
        if app.name.split(".")[0] == EXAMPLE_APP:
            continue
        for imported in imports_under(Path(app.path)):
            file, _, name, _ = imported
            if not within(name, EXAMPLE_APP):
                continue
            allowed = [
                key
                for key in EXAMPLE_APP_IMPORTS_ALLOWED
                if key[0] == file and within(name, key[1])
            ]
            if allowed:
                allowed_seen.update(allowed)
            else:
                found.append(imported)
    if found:
        pytest.fail(
            report(found, f"No app imports {EXAMPLE_APP}, the example app every new app copies")
        )
    stale = sorted(set(EXAMPLE_APP_IMPORTS_ALLOWED) - allowed_seen)
    assert not stale, f"No longer imported: remove from EXAMPLE_APP_IMPORTS_ALLOWED: {stale}"
