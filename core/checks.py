"""System checks that hold every model and app to the house rules, at start-up.

Django runs them before every command and the first request (``concord check`` runs them
alone), so a model declared wrongly fails at once, naming itself, rather than later in a
permission check that quietly grants nothing:

- every concrete Concord record names an `area` of the grant table (core.tenancy.access),
  except core's own attachments, which are seen and changed as their record is;
- a Concord app's configuration subclasses core.apps.ConcordAppConfig, so that its pages and
  API are mounted and its tests are required (conftest.py);
- every page in the navigation names one of its groups (core.navigation.GROUPS);
- no model declares an index that another of its indexes or unique constraints starts with
  (core.indexes, which leaves out such an index of a single field itself);
- in production, a protection of HTTPS that has been switched off (HSTS, the redirect to
  HTTPS) is reported, as a warning, every time Concord starts: not only by ``check --deploy``,
  which nobody runs again once the server is up.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as SystemWarning

from core.apps import ConcordAppConfig
from core.indexes import covered_indexes
from core.tenancy.access import AREAS
from core.tenancy.records import ConcordModel

MACHINERY = ("core", "tenancy")


def concord_models() -> list[type[ConcordModel]]:
    """Every concrete Concord record model, in the app registry's order."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, ConcordModel) and not model._meta.abstract and not model._meta.proxy
    ]


@register(Tags.models)
def check_areas(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Every Concord record names one of the grant table's areas."""
    models = [
        model
        for model in concord_models()
        if app_configs is None or model._meta.app_config in app_configs
    ]
    return area_errors(models)


def area_errors(models: list[type[ConcordModel]]) -> list[Error]:
    """The errors of `models` that name no area, or an area the grant table does not have."""
    errors = []
    for model in models:
        if model._meta.app_label == "core":
            continue  # an attachment has its record's area (core.models.Attachment)
        area = getattr(model, "area", None)
        if area is None:
            errors.append(
                Error(
                    f"{model._meta.label} names no area of the grant table.",
                    hint=(
                        f'Give it area: ClassVar[str] = "<area>", one of {", ".join(AREAS)} '
                        "(core/tenancy/access.py; a new area needs a row in the grant tables "
                        "and in docs/tenancy.md)."
                    ),
                    obj=model,
                    id="concord.E001",
                )
            )
        elif area not in AREAS:
            errors.append(
                Error(
                    f"{model._meta.label}'s area {area!r} is not an area of the grant table.",
                    hint=(
                        f"Use one of {', '.join(AREAS)}, or add the area to core/tenancy/access.py."
                    ),
                    obj=model,
                    id="concord.E002",
                )
            )
    return errors


@register(Tags.models)
def check_apps(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """An app holding Concord records is a Concord app (core.apps.ConcordAppConfig)."""
    errors = []
    seen = set()
    for model in concord_models():
        config = model._meta.app_config
        if config is None or config.label in MACHINERY or config.label in seen:
            continue
        seen.add(config.label)
        if not isinstance(config, ConcordAppConfig):
            errors.append(
                Error(
                    f"The app {config.label} holds Concord records but its configuration is a "
                    "plain AppConfig.",
                    hint=(
                        f"Make {type(config).__name__} subclass core.apps.ConcordAppConfig "
                        "(docs/adding-an-app.md)."
                    ),
                    obj=config,
                    id="concord.E003",
                )
            )
    return errors


@register(Tags.urls)
def check_nav_groups(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Every page in the navigation names one of its groups (core.navigation.GROUPS)."""
    from core.apps import concord_apps
    from core.navigation import GROUP_KEYS
    from core.views.generic import DECLARED

    declared = [
        (f"{views.__module__}.{views.__qualname__}", views.nav_group)
        for views in DECLARED
        if views.nav_group is not None
    ]
    declared += [
        (f"{type(config).__name__}.nav_entries ({entry.label})", entry.group)
        for config in concord_apps()
        for entry in config.nav_entries
    ]
    return [
        Error(
            f"{where} names the navigation group {group!r}, which the navigation does not have.",
            hint=f"Use one of {', '.join(sorted(GROUP_KEYS))} (core/navigation.py).",
            id="concord.E004",
        )
        for where, group in declared
        if group not in GROUP_KEYS
    ]


@register(Tags.security)
def check_https_protections(app_configs: Any = None, **kwargs: Any) -> list[SystemWarning]:
    """In production, HSTS and the redirect to HTTPS are on, or the start-up says they are off.

    Registered as an ordinary check (not ``deploy=True``), so it runs with every command and
    server start as well as ``check --deploy``. Django's deploy warnings saying the same
    (security.W004, W008) are silenced in that case by the settings, so it is said once.
    """
    if not getattr(settings, "PRODUCTION", False):
        return []
    warnings = []
    if settings.SECURE_HSTS_SECONDS <= 0:
        warnings.append(
            SystemWarning(
                "HSTS is switched off (CONCORD_HSTS_SECONDS=0): browsers are not told to reach "
                "Concord only over HTTPS, so a person's first plain-HTTP request (a typed "
                "address, an old bookmark) can be intercepted on a hostile network and their "
                "sign-in or session taken.",
                hint=(
                    "Unset CONCORD_HSTS_SECONDS (one year), or set it to a number of seconds; "
                    "switch it off only while moving the service between host names."
                ),
                id="concord.W001",
            )
        )
    if not settings.SECURE_SSL_REDIRECT:
        warnings.append(
            SystemWarning(
                "The redirect to HTTPS is switched off (CONCORD_SSL_REDIRECT=false): a request "
                "that reaches Concord over plain HTTP is answered over plain HTTP, where "
                "anyone on the network path can read and change it.",
                hint=(
                    "Unset CONCORD_SSL_REDIRECT; leave it off only when the proxy in front "
                    "redirects every plain-HTTP request to HTTPS itself (docs/deployment.md)."
                ),
                id="concord.W002",
            )
        )
    return warnings


@register(Tags.models)
def check_indexes(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """No Concord model declares an index that another of its indexes or unique constraints
    starts with (core.indexes: a field's own such index is not made at all)."""
    from core.indexes import concord_model

    errors = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or not concord_model(model):
            continue
        if app_configs is not None and meta.app_config not in app_configs:
            continue
        for declared, covered_by in covered_indexes(model):
            errors.append(
                Error(
                    f"{meta.label}: the {declared} is redundant: the {covered_by} starts with "
                    "the same columns, so it serves every query this one serves.",
                    hint=(
                        "Take it out of the model's Meta.indexes: every write of the table "
                        "pays for each index the table keeps (core/indexes.py)."
                    ),
                    obj=model,
                    id="concord.E005",
                )
            )
    return errors
