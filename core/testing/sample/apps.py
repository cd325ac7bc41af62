"""The test-only sample app's configuration (installed by concord/test_settings.py only)."""

from pathlib import Path
from typing import Any

from core.apps import ConcordAppConfig


class SampleConfig(ConcordAppConfig):
    """Rooms, room types and pacts: the three shapes of record, for core's own tests.

    A test-only app, not a domain app: its models and pages exist so that core's machinery
    is tested without any domain app (see the package's docstring).
    """

    name = "core.testing.sample"
    label = "sample"
    verbose_name = "Sample records (tests only)"
    #: Its tests are core's (core/tests/test_sample_families.py and the machinery's tests),
    #: not a tests package of its own (core.testing.suite.apps_without_tests).
    tests_path = Path(__file__).resolve().parents[2] / "tests"

    def home_needs(self, user: Any) -> list[Any]:
        """Rooms not in use (core.testing.sample.views.home_needs)."""
        from core.testing.sample.views import home_needs

        return home_needs(user)
