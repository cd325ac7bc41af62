"""Pages for council sites, site types and inter-authority agreements.

Each model's pages are the generic ones (core.views.generic), declared here; an agreement's
owner shares are the generic form's and are saved by the generic page.
"""

from __future__ import annotations

from core.views.generic import ModelViews
from estate.filtersets import AgreementFilterSet, SiteFilterSet, SiteTypeFilterSet
from estate.forms import AgreementForm, SiteForm, SiteTypeForm
from estate.models import Agreement, Site, SiteType
from estate.tables import AgreementTable, SiteTable, SiteTypeTable


class SiteViews(ModelViews):
    """Council buildings and offices: a council's lead manages its own."""

    model = Site
    filterset_class = SiteFilterSet
    table_class = SiteTable
    form_class = SiteForm
    nav_label = "Sites"
    on_council_page = True
    add_on_council_page = True
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
    on_council_page = True
    nav_order = 40
