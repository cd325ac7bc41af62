"""The families package (core/testing/families) as it is put together: one mixin per concern
on a shared base, none of them shadowing another, and no import of an app anywhere in
core/testing (core's test support is built on core alone)."""

from __future__ import annotations

import ast
from pathlib import Path

import core.testing
from core.apps import concord_apps
from core.testing.families import (
    ApiTests,
    AttachmentTests,
    ExportImportTests,
    FamilyBase,
    ModelFamily,
    OwnRecordTests,
    PageTests,
    SearchTests,
)

CONCERNS = (PageTests, ApiTests, ExportImportTests, AttachmentTests, OwnRecordTests, SearchTests)


def own_names(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("__")}


def test_model_family_is_the_concerns_on_the_base() -> None:
    assert ModelFamily.__mro__ == (ModelFamily, *CONCERNS, FamilyBase, object)
    assert not own_names(ModelFamily), "ModelFamily only puts the concerns together"


def test_no_concern_shadows_another_or_the_base() -> None:
    """Each test and helper is defined once, so the order of the mixins changes nothing."""
    seen: dict[str, str] = dict.fromkeys(own_names(FamilyBase), "FamilyBase")
    for concern in CONCERNS:
        for name in own_names(concern):
            assert name not in seen, f"{concern.__name__}.{name} shadows {seen[name]}.{name}"
            seen[name] = concern.__name__
    assert all(any(n.startswith("test_") for n in own_names(c)) for c in CONCERNS)


def imported_modules(path: Path) -> set[str]:
    """The modules a source file imports, at any depth (inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_core_testing_imports_no_app() -> None:
    apps = {config.name.split(".")[0] for config in concord_apps()} - {"core"}
    assert apps, "the project's apps are installed"
    folder = Path(core.testing.__file__).parent
    files = sorted(folder.rglob("*.py"))
    assert folder / "families" / "base.py" in files
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert top not in apps, f"{path.relative_to(folder.parent)} imports {module}"
