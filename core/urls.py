"""Pages of the core: home, partner filter, change log, search, sign-in lock-outs, partner
exports, attachments; and the health checks (/healthz, /readyz), open to anyone."""

from django.urls import path

from core.views import attachments, changes, data, health, home, partner_filter, search, signin

app_name = "core"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("partner-filter/", partner_filter.partner_filter, name="partner_filter"),
    path("changes/", changes.ChangeListView.as_view(), name="change_list"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("sign-in-lockouts/", signin.LockoutListView.as_view(), name="lockout_list"),
    path(
        "sign-in-lockouts/<int:pk>/lift/",
        signin.LockoutLiftView.as_view(),
        name="lockout_lift",
    ),
    path("partner-exports/", data.PartnerExportView.as_view(), name="partner_export"),
    path(
        "partner-exports/<uuid:token>/download/",
        data.PartnerExportDownloadView.as_view(),
        name="partner_export_download",
    ),
    path(
        "attachments/new/<str:app_label>/<str:model_name>/<int:pk>/",
        attachments.AttachmentUploadView.as_view(),
        name="attachment_upload",
    ),
    path(
        "attachments/<int:pk>/download/",
        attachments.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
    path(
        "attachments/<int:pk>/delete/",
        attachments.AttachmentDeleteView.as_view(),
        name="attachment_delete",
    ),
]
