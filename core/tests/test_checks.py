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


@isolate_apps("core.testing.sample")
def test_a_record_with_no_area_or_an_unknown_one_fails_naming_itself():
    class Unplaced(PartnerOwnedModel):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "sample"

    class Misplaced(PartnerOwnedModel):
        name = models.CharField(max_length=10)
        area: ClassVar[str] = "estates"

        class Meta:
            app_label = "sample"

    class Placed(PartnerOwnedModel):
        name = models.CharField(max_length=10)
        area: ClassVar[str] = "estate"

        class Meta:
            app_label = "sample"

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

    from core.apps import concord_apps
    from core.checks import concord_models
    from core.testing.suite import apps_without_tests

    root = Path(settings.BASE_DIR)
    with_records = {model._meta.app_label for model in concord_models()}
    # Every Concord app holding records, in the order of INSTALLED_APPS (the sample app last).
    required = [app.label for app in concord_apps() if app.label in with_records]
    assert required[-1] == "sample"
    # partners holds no records of its own (the kernel's are core's): it is never required.
    assert "partners" not in required
    a_test_of_each = [Path(app.path) / "tests/test_x.py" for app in concord_apps()]
    # The sample app's tests are core's (its tests_path), not under its own folder.
    assert apps_without_tests(a_test_of_each) == ["sample"]
    assert apps_without_tests([*a_test_of_each, root / "core/tests/test_x.py"]) == []
    assert apps_without_tests([root / "partners/tests/test_pages.py"]) == required
    assert apps_without_tests([]) == required


def test_a_page_in_an_unknown_navigation_group_fails_naming_itself(monkeypatch):
    from core.checks import check_nav_groups
    from core.views.generic import DECLARED

    assert check_nav_groups() == []
    views = DECLARED[0]
    monkeypatch.setattr(views, "nav_group", "gadgets")
    errors = check_nav_groups()
    assert [e.id for e in errors] == ["concord.E004"]
    assert views.__qualname__ in errors[0].msg and "'gadgets'" in errors[0].msg
