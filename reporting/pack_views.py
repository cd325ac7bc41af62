"""Pages of reporting: the monthly packs: each council's and the joint board's PDF, kept to be
downloaded again.

- ``/reports/packs/``: the scopes whose packs the reader may read, each with its latest pack;
- ``/reports/packs/<council code or "partnership">/``: that scope's packs, newest first;
- ``/reports/packs/<id>/download/``: the stored PDF, exactly as it was made and sent.

Packs are read through the one visibility rule (`MonthlyPack.objects.visible_to`): another
council's pack, or the joint board's where the partnership does not share its totals with the
reader, is a 404. Packs are made by the job (reporting.pack_jobs), never from these pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from core.attachments import describe_size
from core.navigation import NavEntry, Need
from core.tenancy.access import VIEW, access_for
from reporting import dashboards
from reporting import figures as figures_module
from reporting.models.packs import MonthlyPack

AREA = "reporting"


def _readable(user: Any) -> None:
    if not access_for(user).can(VIEW, AREA):
        raise PermissionDenied


def _of_scope(user: Any, scope: Any) -> Any:
    rows = MonthlyPack.objects.visible_to(user)
    if scope is None:
        return rows.filter(partner__isnull=True)
    return rows.filter(partner=scope)


def _row(pack: MonthlyPack) -> dict[str, Any]:
    return {
        "pack": pack,
        "size": describe_size(pack.size),
        "url": reverse("reporting:pack_download", args=[pack.pk]),
    }


class PackIndexView(LoginRequiredMixin, View):
    """Each scope the reader may read, with its latest pack."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _readable(request.user)
        scopes = []
        for scope in figures_module.scopes_for(request.user):
            latest = _of_scope(request.user, scope).select_related("partner").first()
            scopes.append(
                {
                    "name": dashboards.scope_name(scope),
                    "key": dashboards.scope_key(scope),
                    "latest": _row(latest) if latest is not None else None,
                }
            )
        return TemplateResponse(request, "reporting/pack_index.html", {"scopes": scopes})


class PackListView(LoginRequiredMixin, View):
    """One scope's packs, newest first."""

    def get(self, request: HttpRequest, scope: str) -> HttpResponse:
        _readable(request.user)
        chosen = dashboards.scope_for(request.user, scope)
        packs = [_row(p) for p in _of_scope(request.user, chosen).select_related("partner")]
        context = {
            "name": dashboards.scope_name(chosen),
            "key": dashboards.scope_key(chosen),
            "packs": packs,
        }
        return TemplateResponse(request, "reporting/pack_list.html", context)


class PackDownloadView(LoginRequiredMixin, View):
    """The stored PDF of a pack the reader may read."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        _readable(request.user)
        pack = (
            MonthlyPack.objects.visible_to(request.user)
            .select_related("partner")
            .filter(pk=pk)
            .first()
        )
        if pack is None:
            raise Http404("No such pack")
        try:
            stored = pack.file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404("The pack's file is missing") from exc
        response = FileResponse(
            stored, as_attachment=True, filename=pack.filename, content_type="application/pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns: list[Any] = [
    path("reports/packs/", PackIndexView.as_view(), name="packs"),
    path("reports/packs/<int:pk>/download/", PackDownloadView.as_view(), name="pack_download"),
    path("reports/packs/<slug:scope>/", PackListView.as_view(), name="pack_list"),
]


def nav_entries() -> list[Any]:
    """The monthly packs, in the Reports group."""
    return [NavEntry("Monthly packs", "reporting:packs", "reporting", area=AREA, order=20)]


def last_month(today: datetime.date) -> datetime.date:
    """The first day of the month before `today`'s."""
    return dashboards.add_months(dashboards.first_of_month(today), -1)


def home_needs(user: Any) -> list[Any]:
    """Last month's packs the reader may read, once made: one query."""
    if not access_for(user).can(VIEW, AREA):
        return []
    period = last_month(timezone.localdate())
    ready = MonthlyPack.objects.visible_to(user).filter(period=period).count()
    if not ready:
        return []
    label = f"Monthly packs for {period:%B %Y} ready to read"
    return [Need(label, ready, reverse("reporting:packs"))]
