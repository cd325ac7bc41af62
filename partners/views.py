"""Pages for councils (partners) and their people.

Each model's pages are the generic ones (core.views.generic), declared here; the models are the
tenancy kernel's (core.tenancy.models). What differs: a council is added through
partners.services.add_partner, a person through add_person (an account and a council role at
once), and roles are changed with set_roles. A council's page also lists the records each app
shows there (`on_council_page` of the app's pages).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from core.tables import FORMER_TAG, display_value, partner_html
from core.tenancy.access import CHANGE, access_for
from core.tenancy.models import Membership, Partner
from core.views.generic import ModelViews, Related
from core.workdays import upcoming_bank_holidays
from partners.filtersets import MembershipFilterSet, PartnerFilterSet
from partners.forms import AddPersonForm, MembershipRolesForm, PartnerForm
from partners.services import add_partner
from partners.tables import MembershipTable, PartnerTable


class PartnerViews(ModelViews):
    """Councils. Only the shared-service manager adds or changes them."""

    model = Partner
    filterset_class = PartnerFilterSet
    table_class = PartnerTable
    form_class = PartnerForm
    path_prefix = "partners"
    nav_label = "Councils"
    nav_order = 10
    related = [Related("People", Membership, "partner", MembershipTable, list_param="partner")]

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        if creating:
            return add_partner(**form.cleaned_data)
        return form.save()

    @classmethod
    def council_next_steps(cls, partner: Any, request: HttpRequest) -> list[tuple[str, str]]:
        """Export the council's data: the council export page, with this council chosen."""
        from core.models import PartnerExport

        if PartnerExport.visibility_filter(request.user) is None:
            return []
        url = f"{reverse('core:partner_export')}?{urlencode({'council': partner.code})}"
        return [("Export this council\u2019s data", url)]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        status = format_html("{}", "In the partnership")
        if obj.is_former:
            status = mark_safe(FORMER_TAG)  # noqa: S308 - a constant
        rows = [("Status", status), *super().detail_rows(obj, request)]
        if not obj.is_former:
            # When the service desk's clocks stop for this council: its nation's bank holidays.
            upcoming = upcoming_bank_holidays(obj.nation)
            rows.append(
                (
                    "Next bank holidays",
                    format_html(
                        '<ul class="govuk-list">{}</ul>',
                        format_html_join(
                            "",
                            "<li>{}: {}</li>",
                            ((f"{day:%A} {day.day} {day:%B %Y}", name) for day, name in upcoming),
                        ),
                    )
                    if upcoming
                    else format_html("{}", "None in the next year"),
                )
            )
        return rows


class MembershipViews(ModelViews):
    """People: each council role a person holds. The shared-service manager adds people."""

    model = Membership
    filterset_class = MembershipFilterSet
    table_class = MembershipTable
    form_class = MembershipRolesForm
    create_form_class = AddPersonForm
    nav_label = "People"
    nav_order = 50
    add_on_council_page = True

    @classmethod
    def detail_queryset(cls, qs: Any) -> Any:
        return qs.select_related("user", "partner")

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        """For whoever may switch people off (the identity area's change: the shared-service
        manager), a link to switch this person off, unless they are off or it is oneself."""
        person = obj.user
        if (
            not person.is_active
            or person.pk == request.user.pk
            or not apps.is_installed("identity")
            or not access_for(request.user).can(CHANGE, "identity")
        ):
            return []
        return [("Switch this person off", reverse("identity:deactivate", args=[person.pk]))]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        user = obj.user
        roles = (
            Membership.objects.visible_to(request.user)
            .filter(user_id=user.pk, partner_id=obj.partner_id)
            .order_by("role")
        )
        return [
            ("Name", format_html("{}", user.get_full_name())),
            ("Username", format_html("{}", user.get_username())),
            ("Email address", format_html("{}", user.email)),
            ("Council", partner_html(obj.partner)),
            ("Role", display_value(obj.role, Membership._meta.get_field("role"), obj)),
            (
                "Roles in this council",
                format_html_join(", ", "{}", ((m.get_role_display(),) for m in roles)),
            ),
        ]

    @classmethod
    def success_message(cls, obj: Any, verb: str) -> str:
        if isinstance(obj, Membership):
            return f"{obj.user.display_name}, {obj.get_role_display()} of {obj.partner}: {verb}."
        return super().success_message(obj, verb)
