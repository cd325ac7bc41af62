from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """Councils, their people and roles, sites and inter-authority agreements."""

    name = "partners"
    verbose_name = "Partners"
