"""Tables of the identity pages."""

from __future__ import annotations

from core.tables import Column, Table
from identity.models import IdentityProvider


class IdentityProviderTable(Table):
    """Identity providers: whose, where, and whether they are in use."""

    name = Column("Name", link=True, sortable=True)
    slug = Column("Short name", sortable=True)
    partner = Column("Council")
    enabled = Column("In use")
    local_passwords = Column("Passwords allowed")

    class Meta:
        model = IdentityProvider
