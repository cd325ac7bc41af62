from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Machinery shared by every app: scoping, change log, generic pages and API."""

    name = "core"
    verbose_name = "Concord core"

    def ready(self) -> None:
        from core import changelog  # noqa: F401  (connects the change-log signal handlers)
