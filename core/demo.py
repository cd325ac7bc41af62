"""The demo runner: `concord demo` loads each app's demo data, in the order of INSTALLED_APPS.

An app that has a demo story gives it in ``<app>/demo.py`` as ``load_demo_data(run)``: the
partners app loads the councils and their people first (and fills `DemoRun.partners`), each
later app adds its own records for those councils. Every loader runs inside one transaction,
as the service itself (``system_scope``), with every change recorded under ``command:demo``,
and must look its records up by natural key so that a second run creates nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from core.context import acting_as
from core.search import reindex
from core.tenancy.scoping import system_scope

#: Every demo account signs in with this password (printed by `concord demo`; never use it
#: outside a demo).
DEMO_PASSWORD = "concord-demo"  # noqa: S105 - the published password of the demo accounts

CHANGE_LOG_LABEL = "command:demo"


@dataclass(frozen=True)
class DemoAccount:
    """One line of the accounts table `concord demo` prints."""

    username: str
    description: str
    password: str


@dataclass
class DemoRun:
    """One run of the demo: what to do, and what the loaders did so far.

    `partners` maps each demo council's code to its record, once the partners app's loader has
    run; a loader counts what it creates in ``created["<kind>"]`` and adds the accounts it
    made (or found) to `accounts`.
    """

    reset_passwords: bool = False
    partners: dict[str, Any] = field(default_factory=dict)
    created: Counter[str] = field(default_factory=Counter)
    accounts: list[DemoAccount] = field(default_factory=list)
    passwords_reset: int = 0


DemoLoader = Callable[[DemoRun], None]


def app_loaders() -> list[DemoLoader]:
    """Every installed app's ``demo.load_demo_data``, in the order of INSTALLED_APPS."""
    loaders: list[DemoLoader] = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "demo"):
            continue
        loader = getattr(import_module(f"{config.name}.demo"), "load_demo_data", None)
        if callable(loader):
            loaders.append(loader)
    return loaders


def loaders_through(app_label: str) -> list[DemoLoader]:
    """The demo loaders up to and including app `app_label`'s: the demo as far as that app.

    An app's story stands on the apps before it in INSTALLED_APPS (the councils and people
    first, the desk before the assets it links to, every app before finance and reporting,
    which read them), never on one after it, so the first loaders to an app load all it needs.
    """
    try:
        config = apps.get_app_config(app_label)
    except LookupError:
        raise ValueError(f"No app is labelled {app_label!r}.") from None
    loaders = app_loaders()
    for position, loader in enumerate(loaders):
        if loader.__module__ == f"{config.name}.demo":
            return loaders[: position + 1]
    raise ValueError(f"The app {app_label!r} has no demo story (no {config.name}.demo).")


def load_demo(*, reset_passwords: bool = False, through: str | None = None) -> DemoRun:
    """Load (or top up) the demo partnership; return what was created and the accounts.

    With `reset_passwords`, every demo account gets the demo password back (whether or not
    someone changed it). With `through` (an app label), only the demo as far as that app
    (`loaders_through`): what an app's own demo tests need, without the apps after it.
    """
    run = DemoRun(reset_passwords=reset_passwords)
    loaders = app_loaders() if through is None else loaders_through(through)
    with (
        acting_as(None, label=CHANGE_LOG_LABEL),
        system_scope("loading the demo partnership"),
        transaction.atomic(),
    ):
        for loader in loaders:
            loader(run)
        # Records loaded by an earlier run, before full-text search (or before a kind became
        # searchable), have no index entries: the demo's few are indexed again.
        reindex()
    return run
