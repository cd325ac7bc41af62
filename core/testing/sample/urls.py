"""Pages of the sample app (a test-only app), mounted at the site root in the test run."""

from core.testing.sample.views import (
    ErrandViews,
    NoticeViews,
    PactViews,
    RoomTypeViews,
    RoomViews,
)

app_name = "sample"

urlpatterns = [
    *RoomViews.urls(),
    *RoomTypeViews.urls(),
    *PactViews.urls(),
    *ErrandViews.urls(),
    *NoticeViews.urls(),
]
