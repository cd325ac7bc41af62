"""API endpoints of the sample app (a test-only app), mounted by concord/api_urls.py in the
test run."""

from core.testing.sample.api.views import (
    ErrandViewSet,
    NoticeViewSet,
    PactViewSet,
    RoomTypeViewSet,
    RoomViewSet,
)

routes = [
    ("rooms", RoomViewSet, "room"),
    ("room-types", RoomTypeViewSet, "roomtype"),
    ("pacts", PactViewSet, "pact"),
    ("errands", ErrandViewSet, "errand"),
    ("notices", NoticeViewSet, "notice"),
]
