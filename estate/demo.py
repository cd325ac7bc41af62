"""The estate of the demo partnership: its councils' sites, the kinds of site, the
inter-authority agreements, and a few files attached to them.

Called by `concord demo` (core.demo.load_demo) inside its transaction, system scope and
change-log label, after the councils and people exist. Every record is looked up by its natural
key (site type name, site code within its council, agreement reference, file name on its
record) and created only when missing, so a second run creates nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from core.attachments import attach_file
from core.demo import DemoRun
from core.models import Attachment
from core.services import set_owner_shares
from core.tenancy.models import Partner
from estate.models import Agreement, Site, SiteType


@dataclass(frozen=True)
class SiteSpec:
    """A demo council building."""

    code: str
    name: str
    site_type: str
    address: str
    postcode: str
    is_active: bool = True


@dataclass(frozen=True)
class AgreementSpec:
    """A demo inter-authority agreement and the councils' shares in it."""

    reference: str
    title: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    summary: str
    shares: dict[str, Decimal]


SITE_TYPES = (
    ("Office", "Council offices and town halls where staff work at desks."),
    ("Depot", "Operational depots: waste, highways, parks and fleet."),
    ("Library", "Public libraries, with public PCs and Wi-Fi."),
    ("Data centre", "Server rooms and co-located data centre space."),
    ("Customer service centre", "Where residents come in person for council services."),
    ("School", "Maintained schools that buy IT support from the shared service."),
)

SITES: dict[str, tuple[SiteSpec, ...]] = {
    "wcc": (
        SiteSpec(
            "WCH",
            "Westminster City Hall",
            "Office",
            "64 Victoria Street\nLondon",
            "SW1E 6QP",
        ),
        SiteSpec(
            "CH-MR",
            "Council House, Marylebone Road",
            "Customer service centre",
            "97-113 Marylebone Road\nLondon",
            "NW1 5PT",
        ),
        SiteSpec(
            "LIB-REF",
            "Westminster Reference Library",
            "Library",
            "35 St Martin's Street\nLondon",
            "WC2H 7HP",
        ),
        SiteSpec(
            "LIB-VIC",
            "Victoria Library",
            "Library",
            "160 Buckingham Palace Road\nLondon",
            "SW1W 9UD",
        ),
        SiteSpec(
            "DEP-GAT",
            "Gatliff Road Depot",
            "Depot",
            "Gatliff Road\nLondon",
            "SW1W 8QR",
        ),
        SiteSpec(
            "DC-1",
            "Docklands data centre (shared service primary)",
            "Data centre",
            "Coriander Avenue\nLondon",
            "E14 2AA",
        ),
        SiteSpec(
            "SCH-WCS",
            "Westminster City School",
            "School",
            "55 Palace Street\nLondon",
            "SW1E 5HJ",
        ),
    ),
    "rbkc": (
        SiteSpec(
            "KTH",
            "Kensington Town Hall",
            "Office",
            "Hornton Street\nLondon",
            "W8 7NX",
        ),
        SiteSpec(
            "LIB-KEN",
            "Kensington Central Library",
            "Library",
            "12 Phillimore Walk\nLondon",
            "W8 7RX",
        ),
        SiteSpec(
            "LIB-CHE",
            "Chelsea Library",
            "Library",
            "Chelsea Old Town Hall, King's Road\nLondon",
            "SW3 5EZ",
        ),
        SiteSpec(
            "LIB-NK",
            "North Kensington Library",
            "Library",
            "108 Ladbroke Grove\nLondon",
            "W11 1PZ",
        ),
        SiteSpec(
            "DEP-PEM",
            "Pembroke Road Depot",
            "Depot",
            "Pembroke Road\nLondon",
            "W8 6PY",
        ),
        SiteSpec(
            "DC-2",
            "Kensington data centre (shared service secondary)",
            "Data centre",
            "Hornton Street (basement)\nLondon",
            "W8 7NX",
        ),
    ),
    "lbhf": (
        SiteSpec(
            "HTH",
            "Hammersmith Town Hall",
            "Office",
            "King Street\nLondon",
            "W6 9JU",
        ),
        SiteSpec(
            "LIB-HAM",
            "Hammersmith Library",
            "Library",
            "Shepherd's Bush Road\nLondon",
            "W6 7AT",
        ),
        SiteSpec(
            "LIB-FUL",
            "Fulham Library",
            "Library",
            "598 Fulham Road\nLondon",
            "SW6 5NX",
        ),
        SiteSpec(
            "DEP-TOW",
            "Townmead Road Depot",
            "Depot",
            "Townmead Road\nLondon",
            "SW6 2ST",
            is_active=False,
        ),
    ),
}

AGREEMENTS = (
    AgreementSpec(
        "IAA-2011-TRI-ICT",
        "Tri-borough ICT shared service agreement",
        datetime.date(2011, 4, 1),
        datetime.date(2018, 3, 31),
        "Westminster, Kensington and Chelsea, and Hammersmith and Fulham pool their IT "
        "service desk, infrastructure and contracts. Ended when Hammersmith and Fulham left.",
        {"wcc": Decimal("34"), "rbkc": Decimal("33"), "lbhf": Decimal("33")},
    ),
    AgreementSpec(
        "IAA-2018-BI-ICT",
        "Bi-borough ICT shared service agreement",
        datetime.date(2018, 4, 1),
        None,
        "Westminster and Kensington and Chelsea continue the shared IT service as a "
        "bi-borough arrangement, costs split equally.",
        {"wcc": Decimal("50"), "rbkc": Decimal("50")},
    ),
)

# (model label, natural key field, value, file name, title, content)
DEMO_FILES = (
    (
        "estate.Site",
        "code",
        "WCH",
        "Westminster City Hall - comms rooms.csv",
        "Comms rooms and cabinets",
        "floor,room,cabinets,ups\n"
        "B1,Main comms room,6,yes\n"
        "2,Floor 2 hub,1,no\n"
        "8,Floor 8 hub,1,no\n",
    ),
    (
        "estate.Agreement",
        "reference",
        "IAA-2018-BI-ICT",
        "Bi-borough ICT agreement - summary.txt",
        "Summary of the agreement",
        "Bi-borough ICT shared service agreement (from 1 April 2018)\n\n"
        "Parties: City of Westminster; Royal Borough of Kensington and Chelsea.\n"
        "Costs of the shared service are split equally. Either council may leave on twelve\n"
        "months' notice; an exit plan hands the leaving council its data in open formats.\n",
    ),
)


def _attach_files(result: Any) -> None:
    """Attach the demo files to their records (once)."""
    for label, key, value, name, title, content in DEMO_FILES:
        model = apps.get_model(label)
        record = model.objects.unscoped("demo files").filter(**{key: value}).first()
        if record is None:
            continue
        kind = ContentType.objects.get_for_model(model)
        already = Attachment.objects.unscoped("demo files").filter(
            content_type=kind, object_id=record.pk, original_name=name
        )
        if already.exists():
            continue
        upload = SimpleUploadedFile(name, content.encode(), content_type="text/plain")
        attach_file(record, upload, None, title=title)
        result.created["attached files"] += 1


def _load_sites(result: DemoRun, partners: dict[str, Partner]) -> None:
    site_types: dict[str, SiteType] = {}
    for name, description in SITE_TYPES:
        site_type, created = SiteType.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        result.created["site types"] += created
        site_types[name] = site_type
    for code, specs in SITES.items():
        for spec in specs:
            _, created = Site.objects.get_or_create(
                partner=partners[code],
                code=spec.code,
                defaults={
                    "name": spec.name,
                    "site_type": site_types[spec.site_type],
                    "address": spec.address,
                    "postcode": spec.postcode,
                    "is_active": spec.is_active,
                },
            )
            result.created["sites"] += created


def _load_agreements(result: DemoRun, partners: dict[str, Partner]) -> None:
    for spec in AGREEMENTS:
        agreement, created = Agreement.objects.get_or_create(
            reference=spec.reference,
            defaults={
                "title": spec.title,
                "starts_on": spec.starts_on,
                "ends_on": spec.ends_on,
                "summary": spec.summary,
            },
        )
        result.created["agreements"] += created
        if created or not agreement.owner_shares():
            # Shares someone has since changed are theirs; only a new agreement gets ours.
            set_owner_shares(agreement, {partners[c]: pct for c, pct in spec.shares.items()})


def load_demo_data(run: DemoRun) -> None:
    """The demo councils' sites and site types, their agreements, and the attached files."""
    _load_sites(run, run.partners)
    _load_agreements(run, run.partners)
    _attach_files(run)
