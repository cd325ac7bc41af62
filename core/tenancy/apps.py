"""The tenancy kernel's app configuration (label ``tenancy``: AUTH_USER_MODEL is tenancy.User)."""

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """The tenancy kernel: accounts, councils, memberships, ownership and the grant tables."""

    name = "core.tenancy"
    label = "tenancy"
    verbose_name = "Councils and people"
