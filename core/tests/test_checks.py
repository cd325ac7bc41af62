"""The system checks of core.checks: a model's area, an app's configuration."""

from __future__ import annotations

from typing import ClassVar

from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps

from core.checks import area_errors, check_apps, check_areas
from core.tenancy.records import PartnerOwnedModel


def test_the_project_passes_its_own_checks():
    assert check_areas() == []
    assert check_apps() == []
    call_command("check", verbosity=0)  # raises SystemCheckError on any error


@isolate_apps("estate")
def test_a_record_with_no_area_or_an_unknown_one_fails_naming_itself():
    class Unplaced(PartnerOwnedModel):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "estate"

    class Misplaced(PartnerOwnedModel):
        name = models.CharField(max_length=10)
        area: ClassVar[str] = "estates"

        class Meta:
            app_label = "estate"

    class Placed(PartnerOwnedModel):
        name = models.CharField(max_length=10)
        area: ClassVar[str] = "estate"

        class Meta:
            app_label = "estate"

    errors = area_errors([Unplaced, Misplaced, Placed])
    assert [(e.id, e.obj) for e in errors] == [
        ("concord.E001", Unplaced),
        ("concord.E002", Misplaced),
    ]
    assert "names no area" in errors[0].msg and "estate" in str(errors[0].hint)
    assert "'estates'" in errors[1].msg


def test_an_app_with_records_but_no_collected_tests_is_named():
    from pathlib import Path

    from django.conf import settings

    from core.testing.suite import apps_without_tests

    root = Path(settings.BASE_DIR)
    assert apps_without_tests([root / "estate/tests/test_x.py", root / "partners/tests/t.py"]) == []
    assert apps_without_tests([root / "partners/tests/test_pages.py"]) == ["estate"]
    # partners holds no records of its own (the kernel's are core's): it is never required.
    assert apps_without_tests([]) == ["estate"]
