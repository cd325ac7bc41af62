"""The core's app configuration, and the base every Concord app's configuration builds on."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig, apps
from django.db.models.signals import class_prepared
from django.utils.module_loading import module_has_submodule

from core.indexes import drop_covered_field_indexes

if TYPE_CHECKING:
    from core.navigation import NavEntry, Need
    from core.signin import SignInChoice


# Connected as the app configurations load, before any model class is made (core.indexes).
class_prepared.connect(
    drop_covered_field_indexes, dispatch_uid="concord.drop_covered_field_indexes"
)


class CoreConfig(AppConfig):
    """Machinery shared by every app: change log, generic pages and API, import, export, jobs."""

    name = "core"
    verbose_name = "Concord core"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from core import (  # noqa: F401  (signal handlers, checks, lookups)
            attachments,
            changelog,
            checks,
            lookups,
            search,
        )

        # Every app's pages, declared in its views module, say where their URLs are named
        # (core.tenancy.records.serve_pages): loaded now, before any URL is asked for.
        autodiscover_modules("views")


class ConcordAppConfig(AppConfig):
    """The configuration of a Concord domain app (partners, estate, servicedesk...).

    Subclassing it is what makes an app one: its pages (``<app>/urls.py``) and API routes
    (``routes`` in ``<app>/api/urls.py``) are mounted by the project's URL configuration in the
    order of INSTALLED_APPS, and the system checks (core.checks) hold it to the app shape
    (docs/adding-an-app.md).

    Its place in the service navigation comes from its models' views (``nav_label`` and
    ``nav_group`` of core.views.generic.ModelViews) and from `nav_entries`, its other pages;
    `home_needs` says what needs a person on the home page (core.navigation).
    """

    #: The app's pages in the navigation that are not a model's list (core.navigation.NavEntry).
    nav_entries: Sequence[NavEntry] = ()

    def home_needs(self, user: Any) -> list[Need]:
        """What of this app needs `user` now, for the home page: counted links, each count
        made through ``visible_to(user)`` (core.navigation.Need). None by default."""
        return []

    def sign_in_choices(self, request: Any) -> list[SignInChoice]:
        """The ways to sign in this app offers on the sign-in page besides a password (a
        council's identity provider: core.signin.SignInChoice). None by default."""
        return []

    def after_password(self, request: Any, user: Any) -> str | None:
        """Where to send `user`, whose password was right, before they are signed in (a
        second factor the app asks for: core.signin.pending_sign_in), or None to let them in."""
        return None

    # Not an app's configuration itself: Django must not take it for the one in an app's
    # apps.py, where it is imported beside the app's own. Each subclass is the default again.
    default = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True


def concord_apps() -> list[ConcordAppConfig]:
    """The installed Concord apps, in the order of INSTALLED_APPS."""
    return [config for config in apps.get_app_configs() if isinstance(config, ConcordAppConfig)]


def app_module(config: AppConfig, name: str) -> ModuleType | None:
    """The app's submodule `name` (``"urls"``, ``"api.urls"``), or None when it has none."""
    module = config.module
    parts = name.split(".")
    for depth, part in enumerate(parts):
        if module is None or not module_has_submodule(module, part):
            return None
        module = import_module(f"{config.name}.{'.'.join(parts[: depth + 1])}")
    return module
