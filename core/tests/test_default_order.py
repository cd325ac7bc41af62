"""A list's default order is declared once, as its model's Meta.ordering: the page's table and
the API list follow it, and declaring it again elsewhere is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.api.viewsets import ScopedModelViewSet
from core.pagination import default_ordering
from core.tables import Column, Table
from core.tenancy.models import Membership, Partner


def test_tables_take_the_models_ordering():
    class People(Table):
        role = Column("Role")

        class Meta:
            model = Membership

    assert People.default_sort == ["partner__name", "user__username", "role"]
    assert default_ordering(Partner) == ["name"]


def test_a_table_declaring_its_own_default_order_is_refused():
    with pytest.raises(ImproperlyConfigured, match=r"Meta\.ordering"):

        class Councils(Table):
            name = Column("Name")

            class Meta:
                model = Partner
                default_sort = ["code"]


def test_a_viewset_declaring_its_own_default_order_is_refused():
    with pytest.raises(ImproperlyConfigured, match=r"Meta\.ordering"):

        class CouncilsAPI(ScopedModelViewSet):
            model = Partner
            ordering = ("code",)
