"""Every model's migrations are written, the test-only sample app's included.

The Makefile's ``makemigrations --check`` runs under the real settings (concord.settings),
which do not install core.testing.sample: only the test settings do (concord/test_settings.py).
This test runs the same check under the settings the suite runs with, so that the sample app's
migrations cannot drift from its models unseen.
"""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration() -> None:
    assert "core.testing.sample" in settings.INSTALLED_APPS  # the test settings, then
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(
            f"makemigrations --check found model changes without a migration (exit {exit_.code})"
            f":\n{out.getvalue()}\nRun `DJANGO_SETTINGS_MODULE=concord.test_settings concord "
            "makemigrations <app>` and read the migration."
        )
    assert "No changes detected" in out.getvalue()
