"""Tables of the partners pages: councils, sites, site types, agreements, people."""

from __future__ import annotations

from core.tables import Column, Table
from partners.models import Agreement, Membership, Partner, Site, SiteType


class PartnerTable(Table):
    """Councils, a former partner tagged as such."""

    name = Column("Name", accessor=lambda partner: partner, link=True, sort_by="name")
    code = Column("Code", sortable=True)
    gss_code = Column("GSS code")
    nation = Column("Bank holidays")
    joined_on = Column("Joined", sortable=True)
    left_on = Column("Left")

    class Meta:
        model = Partner
        default_sort = ["name"]


class SiteTable(Table):
    """A council's buildings and offices."""

    name = Column("Name", link=True, sortable=True)
    code = Column("Code", sortable=True)
    partner = Column("Council", sort_by="partner__name")
    site_type = Column("Type")
    postcode = Column("Postcode")
    is_active = Column("In use")

    class Meta:
        model = Site
        default_sort = ["name"]


class SiteTypeTable(Table):
    """Kinds of building (a catalogue shared by every council)."""

    name = Column("Name", link=True, sortable=True)
    description = Column("Description")

    class Meta:
        model = SiteType
        default_sort = ["name"]


class AgreementTable(Table):
    """Inter-authority agreements."""

    title = Column("Title", link=True, sortable=True)
    reference = Column("Reference", sortable=True)
    starts_on = Column("Starts", sortable=True)
    ends_on = Column("Ends")

    class Meta:
        model = Agreement
        default_sort = ["title"]


class MembershipTable(Table):
    """People and the role each holds in a council."""

    person = Column("Person", accessor=lambda m: m.user.display_name, link=True)
    username = Column("Username", accessor="user__username", sort_by="user__username")
    partner = Column("Council", sort_by="partner__name")
    role = Column("Role", sortable=True)

    class Meta:
        model = Membership
        default_sort = ["partner__name", "user__username", "role"]
        select_related = ("user",)
