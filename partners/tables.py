"""Tables of the partners pages: councils and their people."""

from __future__ import annotations

from core.tables import Column, Table
from core.tenancy.models import Membership, Partner


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


class MembershipTable(Table):
    """People and the role each holds in a council."""

    person = Column("Person", accessor=lambda m: m.user.display_name, link=True)
    username = Column("Username", accessor="user__username", sort_by="user__username")
    partner = Column(sort_by="partner__name")
    role = Column("Role", sortable=True)

    class Meta:
        model = Membership
        select_related = ("user",)
