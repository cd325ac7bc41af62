from django.apps import AppConfig


class EstateConfig(AppConfig):
    """Council sites, kinds of site and inter-authority agreements: the example domain app."""

    name = "estate"
    verbose_name = "Estate"
