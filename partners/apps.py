"""The partners app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from core.apps import ConcordAppConfig


class PartnersConfig(ConcordAppConfig):
    """Joining and leaving: the pages, API, services and commands for councils and their people.

    The councils, people and roles themselves are the tenancy kernel's (core.tenancy).
    """

    name = "partners"
    verbose_name = "Councils and people"
