from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Machinery shared by every app: scoping, change log, generic pages and API."""

    name = "core"
    verbose_name = "Concord core"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from core import attachments, changelog  # noqa: F401  (connect their signal handlers)

        # Every app's pages, declared in its views module, say where their URLs are named
        # (core.tenancy.records.serve_pages): loaded now, before any URL is asked for.
        autodiscover_modules("views")
