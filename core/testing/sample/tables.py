"""Tables of the sample app's pages (a test-only app): rooms, room types, pacts."""

from __future__ import annotations

from core.tables import Column, Table
from core.testing.sample.models import Errand, Notice, Pact, Room, RoomType


class RoomTable(Table):
    """A council's rooms."""

    name = Column("Name", link=True, sortable=True)
    code = Column("Code", sortable=True)
    partner = Column(sort_by="partner__name")
    room_type = Column("Type")
    postcode = Column("Postcode")
    is_active = Column("In use")

    class Meta:
        model = Room


class RoomTypeTable(Table):
    """Kinds of room (a catalogue shared by every council)."""

    name = Column("Name", link=True, sortable=True)
    description = Column("Description")

    class Meta:
        model = RoomType


class PactTable(Table):
    """Pacts between councils."""

    title = Column("Title", link=True, sortable=True)
    reference = Column("Reference", sortable=True)
    starts_on = Column("Starts", sortable=True)
    ends_on = Column("Ends")

    class Meta:
        model = Pact


class ErrandTable(Table):
    """Errands: what was asked, by whom."""

    title = Column("Title", link=True, sortable=True)
    partner = Column(sort_by="partner__name")
    requester = Column("Asked by")

    class Meta:
        model = Errand


class NoticeTable(Table):
    """Notices for councils."""

    title = Column("Title", link=True, sortable=True)
    for_all_councils = Column("For every council")

    class Meta:
        model = Notice
