"""API endpoints about one council as a whole: ``/api/v1/partners/<code>/<what>/``.

An app lists them in its ``api/urls.py`` ``urlpatterns`` with `council_path` (mounted under
``/api/v1/`` beside the router's routes by concord/api_urls.py), each view a `CouncilEndpoint`
naming the ``area`` and ``action`` it needs. The router's own ``partners/<id>/`` takes digits
only, so a council's code never reaches it. A council the reader may not see is a 404 in the
API's error shape, one they see but may not act on in that area a 403 (core.councils).

An endpoint that answers a file (a CSV, a streamed JSON document) returns a Django
``StreamingHttpResponse`` from its handler; only its errors pass through DRF's renderers, which
are forced to JSON whatever the request's ``Accept`` says (as core.api.exporting does).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.urls import URLPattern, path
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from core.councils import COUNCIL_KWARG, council_for
from core.tenancy.access import VIEW
from core.tenancy.models import Partner


def council_path(suffix: str, view: Any, name: str) -> URLPattern:
    """``partners/<code>/<suffix>`` (under /api/v1/), named `name` (``api:<name>``)."""
    return path(f"partners/<slug:{COUNCIL_KWARG}>/{suffix}", view, name=name)


class CouncilEndpoint(APIView):
    """An endpoint of one council's records, named by the code in its path."""

    #: The grant-table area and action the reader needs in that council.
    area: ClassVar[str] = ""
    action: ClassVar[str] = VIEW

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # What DRF renders here is an error: JSON, whatever the client accepts.
        return super().perform_content_negotiation(request, force=True)

    def get_council(self) -> Partner:
        """The council of the path, or the 404/403 (core.councils.council_for)."""
        assert self.area, f"{type(self).__name__} must name its area"
        return council_for(self.request.user, self.kwargs[COUNCIL_KWARG], self.action, self.area)
