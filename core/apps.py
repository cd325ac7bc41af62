from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Machinery shared by every app: scoping, change log, generic pages and API."""

    name = "core"
    verbose_name = "Concord core"

    def ready(self) -> None:
        from core import attachments, changelog  # noqa: F401  (connect their signal handlers)
