"""The generic test families themselves: what they collect, that wrong declarations fail, and
that every Concord model is declared by one."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from core.tenancy.models import Membership
from core.testing.cast import Cast
from core.testing.families import (
    ModelFamily,
    concrete_concord_models,
    declared_families,
    formula_field,
    import_project_tests,
    models_without_family,
)
from core.testing.sample.models import Room, RoomType


class _Rooms(ModelFamily):
    """Not collected (no Test prefix): a family used to look at the machinery."""

    model = Room
    numbers = itertools.count(1)  # unique across instances: several families share a test

    def make(self, cast: Cast, partner: Any) -> Room:
        n = next(self.numbers)
        return Room.objects.create(partner=partner, code=f"M{n}", name=f"Machinery {n}")


class _Catalogue(ModelFamily):
    model = RoomType
    permitted = "manager"
    denied = ("wcc_lead",)
    outsider = None


def test_inapplicable_tests_are_not_collected() -> None:
    # A catalogue has no outsider; RoomType has no council filter to name another council in.
    assert vars(_Catalogue)["test_page_detail_outsider_404"] is None
    assert vars(_Catalogue)["test_api_outsider_404_everywhere"] is None
    assert vars(_Catalogue)["test_page_update_cannot_move_out_of_reach"] is None
    assert callable(_Rooms.test_page_detail_outsider_404)
    assert callable(_Rooms.test_page_update_cannot_move_out_of_reach)

    # A family with no pages of a kind gets none of their tests.
    class _NoImport(_Rooms):
        pages = frozenset({"list", "detail"})
        api_actions = frozenset({"list", "retrieve"})

    assert vars(_NoImport)["test_page_import_check_then_confirm"] is None
    assert vars(_NoImport)["test_api_create_permitted"] is None
    assert callable(_NoImport.test_page_list_search)


def test_known_gaps_mark_only_their_own_family() -> None:
    class _Gappy(_Rooms):
        known_gaps = {"test_page_list_search": "a gap in flight"}

    marks = getattr(_Gappy.test_page_list_search, "pytestmark", [])
    assert [(m.name, m.kwargs["strict"]) for m in marks] == [("xfail", True)]
    assert not getattr(_Rooms.test_page_list_search, "pytestmark", [])
    assert not getattr(ModelFamily.test_page_list_search, "pytestmark", [])


@pytest.mark.django_db
def test_wrong_declarations_fail(cast: Cast) -> None:
    class _WrongPermitted(_Rooms):
        permitted = "wcc_staff"  # a requester may not change rooms

    class _WrongOutsider(_Rooms):
        outsider = "agent"  # shared-service staff see every council

    class _WrongDenied(_Rooms):
        denied = ("rbkc_lead",)  # cannot even see wcc's room

    for family in (_WrongPermitted, _WrongOutsider, _WrongDenied):
        with pytest.raises(AssertionError):
            family().test_declarations_match_grants(cast)
    _Rooms().test_declarations_match_grants(cast)


def test_api_export_tests_follow_the_declarations() -> None:
    # Every family gets the API export's tests; one with no export in its API gets none.
    for name in ("test_api_export_csv", "test_api_export_guards_formulas"):
        assert callable(getattr(_Rooms, name)), name
    assert vars(_Catalogue)["test_api_export_outsider"] is None
    assert callable(_Catalogue.test_api_export_without_permission_403)

    class _NoExport(_Rooms):
        api_actions = frozenset({"list", "retrieve"})

    assert vars(_NoExport)["test_api_export_csv"] is None
    assert vars(_NoExport)["test_api_export_anonymous_401"] is None


def test_formula_field_prefers_free_text() -> None:
    assert formula_field(Room) == "code"
    assert formula_field(RoomType) == "name"
    assert formula_field(Membership) == "role"  # only a text field with choices: still text


# Every model has a family ---------------------------------------------------------------------

#: Concord models deliberately declared by no family, each with the reason. Keep it short: a
#: model here has none of the generic tests, so the reason must say what tests it instead.
ALLOWED_WITHOUT_FAMILY: dict[str, str] = {
    # Attachments have no pages, import or export of their own: they are tested on every
    # attachable model's family (its attachment tests) and in core/tests/test_attachments.py.
    "core.attachment": "tested through each record's family and test_attachments.py",
}


def test_every_concord_model_has_a_family() -> None:
    """A new scoped model without a `ModelFamily` declaration fails here: declare one in its
    app's tests (docs/adding-a-model.md, section 9), or add it above with the reason."""
    modules = import_project_tests()
    assert "partners.tests.test_generic" in modules  # the walk reaches the apps' tests
    assert "core.tests.test_sample_families" in modules  # and core's, for the sample app
    models = concrete_concord_models()
    missing = models_without_family(models, declared_families(), ALLOWED_WITHOUT_FAMILY)
    assert not missing, (
        f"no ModelFamily declares {', '.join(missing)}: add a Test... class subclassing "
        "core.testing.families.ModelFamily to the app's tests (docs/adding-a-model.md)"
    )
    # The allow-list names real models that still have no family, so that it cannot go stale.
    labels = {model._meta.label_lower for model in models}
    covered = {family.model._meta.label_lower for family in declared_families()}
    for label in ALLOWED_WITHOUT_FAMILY:
        assert label in labels, f"{label} is not a concrete Concord model: remove it"
        assert label not in covered, f"{label} has a family now: remove it from the list"


def test_a_model_without_a_family_is_reported() -> None:
    class TestOnlyRooms(ModelFamily):
        model = Room

    models: list[Any] = [Room, RoomType, Membership]
    families: list[Any] = [TestOnlyRooms]
    assert models_without_family(models, families, {}) == [
        "sample.roomtype",
        "tenancy.membership",
    ]
    allowed = {"sample.roomtype": "why", "tenancy.membership": "why"}
    assert models_without_family(models, families, allowed) == []


def test_only_collected_families_count() -> None:
    class TestDefinedInAFunction(ModelFamily):
        model = RoomType

    import_project_tests()
    declared = declared_families()
    assert TestDefinedInAFunction not in declared  # not collected by pytest
    assert _Rooms not in declared and _Catalogue not in declared  # not Test... classes
    from core.tests.test_sample_families import TestRoom

    assert TestRoom in declared
