"""Pages for councils (partners), their sites and people, site types and agreements.

Each model's pages are the generic ones (core.views.generic), declared here. What differs:
a council is added through partners.services.add_partner, a person through add_person (an
account and a council role at once), roles are changed with set_roles, and an agreement's
owner shares are saved through core.services.set_owner_shares.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.services import set_owner_shares
from core.tables import display_value, partner_html
from core.views.generic import ModelViews, Related
from partners.filtersets import (
    AgreementFilterSet,
    MembershipFilterSet,
    PartnerFilterSet,
    SiteFilterSet,
    SiteTypeFilterSet,
)
from partners.forms import (
    AddPersonForm,
    AgreementForm,
    MembershipRolesForm,
    PartnerForm,
    SiteForm,
    SiteTypeForm,
)
from partners.models import Agreement, Membership, Partner, Site, SiteType
from partners.services import add_partner
from partners.tables import AgreementTable, MembershipTable, PartnerTable, SiteTable, SiteTypeTable


class PartnerViews(ModelViews):
    """Councils. Only the shared-service manager adds or changes them."""

    model = Partner
    filterset_class = PartnerFilterSet
    table_class = PartnerTable
    form_class = PartnerForm
    verbose_name = "council"
    verbose_name_plural = "councils"
    nav_label = "Councils"
    nav_order = 10
    related = [
        Related("Sites", Site, "partner", SiteTable, list_param="partner"),
        Related("People", Membership, "partner", MembershipTable, list_param="partner"),
        Related(
            "Agreements",
            Agreement,
            lambda partner: Agreement.ownership_filter([partner.pk]),  # type: ignore[arg-type,return-value]
            AgreementTable,
        ),
    ]

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        if creating:
            return add_partner(**form.cleaned_data)
        return form.save()

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        from core.models import PartnerExport

        if PartnerExport.visibility_filter(request.user) is None:
            return []
        return [("Export this council\u2019s data", reverse("core:partner_export"))]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        status = (
            format_html('<strong class="govuk-tag govuk-tag--grey">{}</strong>', "Former partner")
            if obj.is_former
            else format_html("{}", "Current partner")
        )
        rows = [("Status", status), *super().detail_rows(obj, request)]
        if not obj.is_former:
            # When the service desk's clocks stop for this council: its nation's bank holidays.
            upcoming = obj.upcoming_bank_holidays()
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


class SiteViews(ModelViews):
    """Council buildings and offices: a council's lead manages its own."""

    model = Site
    filterset_class = SiteFilterSet
    table_class = SiteTable
    form_class = SiteForm
    nav_label = "Sites"
    nav_order = 20


class SiteTypeViews(ModelViews):
    """Kinds of building: a catalogue every council reads and service staff edit."""

    model = SiteType
    filterset_class = SiteTypeFilterSet
    table_class = SiteTypeTable
    form_class = SiteTypeForm
    nav_label = "Site types"
    nav_order = 30


class AgreementViews(ModelViews):
    """Inter-authority agreements, owned by the councils that signed them."""

    model = Agreement
    filterset_class = AgreementFilterSet
    table_class = AgreementTable
    form_class = AgreementForm
    nav_label = "Agreements"
    nav_order = 40

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        agreement = form.save()
        set_owner_shares(agreement, form.shares)
        return agreement


class MembershipViews(ModelViews):
    """People: each council role a person holds. The shared-service manager adds people."""

    model = Membership
    filterset_class = MembershipFilterSet
    table_class = MembershipTable
    form_class = MembershipRolesForm
    create_form_class = AddPersonForm
    verbose_name = "person"
    verbose_name_plural = "people"
    nav_label = "People"
    nav_order = 50

    @classmethod
    def detail_queryset(cls, qs: Any) -> Any:
        return qs.select_related("user", "partner")

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
