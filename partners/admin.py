"""Django admin for councils, people and their roles, scoped like every page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from core.admin import ScopedModelAdmin
from core.tenancy.access import people_visible_to
from core.tenancy.models import Membership, Partner, User


@admin.register(Partner)
class PartnerAdmin(ScopedModelAdmin):
    list_display = ("name", "code", "gss_code", "nation", "joined_on", "left_on")
    search_fields = ("code", "name", "gss_code")


@admin.register(Membership)
class MembershipAdmin(ScopedModelAdmin):
    list_display = ("user", "partner", "role")
    list_select_related = ("user", "partner")
    search_fields = ("user__username", "user__first_name", "user__last_name")


@admin.register(User)
class ConcordUserAdmin(UserAdmin):
    """Accounts: service staff see everyone, anyone else only their councils' people."""

    fieldsets = (*UserAdmin.fieldsets, ("Shared service", {"fields": ("service_role",)}))  # type: ignore[misc]
    list_display = ("username", "first_name", "last_name", "email", "service_role", "is_active")

    def get_queryset(self, request: HttpRequest) -> Any:
        return people_visible_to(request.user)
