"""The estate app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from core.apps import ConcordAppConfig


class EstateConfig(ConcordAppConfig):
    """Council sites, kinds of site and inter-authority agreements: the example domain app."""

    name = "estate"
    verbose_name = "Estate"
