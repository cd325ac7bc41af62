"""Django admin for the core: the scoped admin base class and a read-only change log.

The admin is a back office for superusers, but it still goes through the one visibility
mechanism: every queryset and every dropdown starts from ``visible_to(request.user)``. And it
keeps the pages' rule for writing: a partner dropdown offers only the councils in which the
person may add (or change) such records, never a former partner
(core.tenancy.access.writable_partners), and a save is refused if the record would belong to
one all the same.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey
from django.http import HttpRequest

from core.attachments import may_change_record
from core.models import Attachment, ChangeRecord
from core.tenancy.access import (
    ADD,
    CHANGE,
    DELETE,
    access_for,
    people_visible_to,
    writable_partners,
)
from core.tenancy.models import Partner, User


class ScopedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose lists, objects and dropdowns are scoped to the signed-in person.

    Former partners' records are read-only here as on every page. Don't add list filters on
    foreign keys: Django builds their choices from the unscoped default manager.
    """

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = self.model.objects.visible_to(request.user)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        kwargs.setdefault("queryset", scoped_choices_for(db_field.related_model, request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """The add or change form, its partner dropdowns narrowed to the writable partners.

        Done here rather than in `formfield_for_foreignkey`, which is not told whether the
        record is being added or changed. Each call makes a new form class with fields of its
        own, so narrowing them touches no other request's form.
        """
        form = super().get_form(request, obj, change=change, **kwargs)
        action = CHANGE if obj is not None else ADD
        for name in self._partner_fields():
            field = form.base_fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = writable_partners(request.user, action, self.model.area)
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Checked again at the save (inside the admin's transaction), whatever the form was.
        action = CHANGE if change else ADD
        chosen = {
            getattr(obj, f"{name}_id")
            for name in self._partner_fields()
            if getattr(obj, f"{name}_id", None) is not None
        }
        if chosen:
            allowed = writable_partners(request.user, action, self.model.area).filter(pk__in=chosen)
            if allowed.count() != len(chosen):
                raise PermissionDenied
        super().save_model(request, obj, form, change)

    def _partner_fields(self) -> list[str]:
        """Names of the model's foreign keys to a partner."""

        return [
            f.name
            for f in self.model._meta.concrete_fields
            if isinstance(f, ForeignKey) and f.related_model is Partner
        ]

    def _may(self, request: HttpRequest, action: str, obj: Any) -> bool:
        access = access_for(request.user)
        if obj is None:
            # Anywhere at all (the list page, the add page): as the pages ask it.
            return access.can(action, self.model.area)
        return access.can(action, obj.area, obj.owning_partner_ids())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and self._may(request, ADD, None)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may(request, CHANGE, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may(request, DELETE, obj)


def scoped_choices_for(model: Any, user: Any) -> Any:
    """The records of `model` that `user` may pick in a dropdown."""

    if hasattr(model._default_manager, "visible_to"):
        return model.objects.visible_to(user)
    if model is User:
        return people_visible_to(user)
    return model._default_manager.all()


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    """The change log, read-only: nothing in the application alters a change record."""

    list_display = ("at", "action", "content_type", "object_repr", "actor_label", "request_id")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_label", "request_id")
    date_hierarchy = None
    readonly_fields = [f.name for f in ChangeRecord._meta.fields]

    def get_queryset(self, request: HttpRequest) -> Any:
        return ChangeRecord.objects.visible_to(request.user).select_related("content_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(ScopedModelAdmin):
    """Files attached to records: seen as their records are; removed, never edited, here.

    Files are attached from the record's page or the API (`core.attachments.attach_file`
    checks and fingerprints them); the back office only looks and, where the person may change
    the record, removes one (its file goes from storage once the deletion is committed).
    """

    list_display = ("original_name", "title", "record_label", "size", "uploaded_by", "uploaded_at")
    search_fields = ("original_name", "title")
    readonly_fields = [f.name for f in Attachment._meta.fields]

    @admin.display(description="Record")
    def record_label(self, obj: Attachment) -> str:
        return f"{obj.content_type.name} {obj.object_id}"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("content_type", "uploaded_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not admin.ModelAdmin.has_delete_permission(self, request, obj):
            return False
        if obj is None:
            return True
        # As on the record's page: removing a file needs `change` on its record (never on a
        # former partner's).
        record = obj.record
        return record is not None and may_change_record(request.user, record)
