"""The REST API: /api/v1/..., the OpenAPI schema and its offline Swagger UI.

Each Concord app lists its endpoints in ``<app>/api/urls.py`` as ``routes``: (path prefix,
viewset, basename) with the hyphenated plural as the prefix and the model name as the basename,
so that URL names read ``api:site-list``, ``api:site-detail``, ``api:site-export``. They are
registered here in the order of INSTALLED_APPS, after the core's own. An endpoint that is not
a model's (the service desk's working time) is a plain path in the app's ``urlpatterns``,
mounted under ``/api/v1/`` too. Any other address under /api/ is a JSON 404
(core.api.errors.no_such_endpoint), never Django's HTML one.
"""

from django.urls import URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from core.api.attachments import AttachmentViewSet
from core.api.auth import ObtainTokenView
from core.api.changes import ChangeRecordViewSet
from core.api.errors import no_such_endpoint
from core.api.exporting import export_urls
from core.api.importing import ImportJobView
from core.api.lockouts import LockoutViewSet
from core.api.search import SearchView
from core.apps import app_module, concord_apps

app_name = "api"

router = SimpleRouter()
app_paths = []
for app in concord_apps():
    module = app_module(app, "api.urls")
    for prefix, viewset, basename in getattr(module, "routes", ()):
        router.register(prefix, viewset, basename=basename)
    app_paths += list(getattr(module, "urlpatterns", ()))
router.register("changes", ChangeRecordViewSet, basename="change")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("sign-in-lockouts", LockoutViewSet, basename="lockout")


def grouped_by_prefix(router: SimpleRouter) -> list[URLResolver]:
    """The router's URLs (and each endpoint's export) mounted one prefix at a time:
    ``path("tickets/", include([...]))``. Django tries URL patterns in turn; one flat list of
    every endpoint's half-dozen regular expressions cost 2 to 4 ms of matching on each request,
    where a plain prefix is matched in microseconds and only its own few patterns are tried."""
    groups = []
    for prefix, viewset, basename in router.registry:
        one = SimpleRouter()
        one.register("", viewset, basename=basename)
        exports = [
            path("export/", pattern.callback, name=pattern.name)
            for pattern in export_urls(router)
            if pattern.name == f"{basename}-export"
        ]
        groups.append(path(f"{prefix}/", include([*exports, *one.urls])))
    return groups


urlpatterns = [
    path("v1/auth/token/", ObtainTokenView.as_view(), name="token"),
    path("v1/import-jobs/<uuid:token>/", ImportJobView.as_view(), name="import-job"),
    path("v1/search/", SearchView.as_view(), name="search"),
    # Each domain endpoint's CSV/XLSX export (sites/export/, api:site-export) beside its routes.
    path("v1/", include([*grouped_by_prefix(router), *app_paths])),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Last: any other /api/ address is the API's JSON 404, even with DEBUG on.
    re_path(r"^(?P<path>.*)$", no_such_endpoint, name="no-such-endpoint"),
]
