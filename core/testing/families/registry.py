"""Which families exist, and which Concord models none declares.

Every family class defined with a model registers itself as it is defined (`register`, called
by ``FamilyBase.__init_subclass__``). `declared_families` keeps those pytest collects, and
core/tests/test_families_machinery.py uses `import_project_tests`, `concrete_concord_models`
and `models_without_family` to fail the suite when a concrete Concord model has no family.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Model

from core.tenancy.records import ConcordModel

if TYPE_CHECKING:
    from core.testing.families.base import FamilyBase

# Which models the suite covers ---------------------------------------------------------------

#: Every family class defined with a model, as it was defined (see `declared_families`).
_DEFINED_FAMILIES: list[type[FamilyBase]] = []


def register(family: type[FamilyBase]) -> None:
    """Note `family` (a class with a model) as defined."""
    _DEFINED_FAMILIES.append(family)


def declared_families() -> list[type[FamilyBase]]:
    """The families pytest collects: ``Test...`` classes at the top of a test module.

    Families made only to look at the machinery (``_Rooms``), or inside a test function, do
    not count: they run no test of their model.
    """
    return [
        family
        for family in _DEFINED_FAMILIES
        if family.__name__.startswith("Test") and family.__qualname__ == family.__name__
    ]


def import_project_tests() -> list[str]:
    """Import every test module of every installed app of this project (its ``tests``
    package, walked with pkgutil), so that their families are defined; their names.

    Apps from installed packages (site-packages) are not the project's, even when the
    virtual environment sits inside the project's folder.
    """
    from django.conf import settings

    root = Path(settings.BASE_DIR).resolve()
    imported: list[str] = []
    for config in apps.get_app_configs():
        where = Path(config.path).resolve()
        if not where.is_relative_to(root) or "site-packages" in where.parts:
            continue
        name = f"{config.name}.tests"
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # an app with no tests package has no families to find
            raise
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if module.ispkg or module.name.rsplit(".", 1)[-1].startswith("test_"):
                imported.append(importlib.import_module(module.name).__name__)
    return imported


def concrete_concord_models() -> list[type[ConcordModel]]:
    """Every installed, concrete (not abstract, not proxy) Concord model: the scoped records."""
    return sorted(
        (
            model
            for model in apps.get_models()
            if issubclass(model, ConcordModel) and not model._meta.proxy
        ),
        key=lambda model: model._meta.label_lower,
    )


def models_without_family(
    models: Sequence[type[Model]], families: Sequence[type[Any]], allowed: Mapping[str, str]
) -> list[str]:
    """Labels (``app_label.model``) of `models` that no family declares and neither `allowed`
    nor the model itself (its ``without_family``: why, and where it is tested) excuses."""
    covered = {family.model._meta.label_lower for family in families}
    return [
        model._meta.label_lower
        for model in models
        if model._meta.label_lower not in covered
        and model._meta.label_lower not in allowed
        and not getattr(model, "without_family", "")
    ]
