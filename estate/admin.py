"""Django admin for sites, site types and agreements, scoped like every page."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ScopedModelAdmin
from estate.models import Agreement, Site, SiteType


@admin.register(Site)
class SiteAdmin(ScopedModelAdmin):
    list_display = ("name", "code", "partner", "site_type", "postcode", "is_active")
    list_select_related = ("partner", "site_type")
    search_fields = ("code", "name", "postcode")


@admin.register(SiteType)
class SiteTypeAdmin(ScopedModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Agreement)
class AgreementAdmin(ScopedModelAdmin):
    list_display = ("reference", "title", "starts_on", "ends_on")
    search_fields = ("reference", "title")
