"""Pages of the sample app (a test-only app): rooms, room types and pacts.

Each model's pages are the generic ones (core.views.generic), declared as the estate declares
its own; a pact's owner shares are the generic form's and are saved by the generic page.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from core.navigation import Need
from core.tenancy.access import CHANGE, access_for
from core.testing.sample.filtersets import (
    ErrandFilterSet,
    NoticeFilterSet,
    PactFilterSet,
    RoomFilterSet,
    RoomTypeFilterSet,
)
from core.testing.sample.forms import ErrandForm, NoticeForm, PactForm, RoomForm, RoomTypeForm
from core.testing.sample.models import Errand, Notice, Pact, Room, RoomType
from core.testing.sample.tables import (
    ErrandTable,
    NoticeTable,
    PactTable,
    RoomTable,
    RoomTypeTable,
)
from core.views.generic import ModelViews


class RoomViews(ModelViews):
    """Rooms: a council's lead manages its own."""

    model = Room
    filterset_class = RoomFilterSet
    table_class = RoomTable
    form_class = RoomForm
    nav_label = "Rooms"
    on_council_page = True
    add_on_council_page = True
    nav_order = 20


class RoomTypeViews(ModelViews):
    """Kinds of room: a catalogue every council reads and service staff edit."""

    model = RoomType
    filterset_class = RoomTypeFilterSet
    table_class = RoomTypeTable
    form_class = RoomTypeForm
    nav_label = "Room types"
    nav_order = 30


class PactViews(ModelViews):
    """Pacts, owned by the councils that made them."""

    model = Pact
    filterset_class = PactFilterSet
    table_class = PactTable
    form_class = PactForm
    nav_label = "Pacts"
    on_council_page = True
    nav_order = 40


class ErrandViews(ModelViews):
    """Errands: each requester's own, every one for the council's lead."""

    model = Errand
    filterset_class = ErrandFilterSet
    table_class = ErrandTable
    form_class = ErrandForm
    nav_label = "Errands"
    nav_order = 50


def home_needs(user: Any) -> list[Need]:
    """The sample's need on the home page, to test the hook: rooms not in use, for the people
    who may change rooms, counted among the rooms they can see."""
    if not access_for(user).can(CHANGE, Room.area):
        return []
    count = Room.objects.visible_to(user).filter(is_active=False).count()
    return [Need("Rooms not in use", count, f"{reverse(Room.url_name('list'))}?is_active=false")]


class NoticeViews(ModelViews):
    """Notices: for every council or chosen ones, put up by the shared service."""

    model = Notice
    filterset_class = NoticeFilterSet
    table_class = NoticeTable
    form_class = NoticeForm
    nav_label = "Notices"
    nav_order = 60
