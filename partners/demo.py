"""The demo partnership that `concord demo` loads: three London councils and their people.

Westminster (``wcc``) and Kensington and Chelsea (``rbkc``) are current partners;
Hammersmith and Fulham (``lbhf``) left on 2018-03-31 when the tri-borough arrangement ended,
so its records stay, read-only, and its people cannot sign in.

Loading is idempotent: every record is looked up by its natural key (partner code, site code
within its council, site type name, agreement reference, username) and created only when
missing, so running the demo twice duplicates nothing and writes no second set of change
records. Later capabilities extend the demo with a ``demo.py`` of their own app holding
``load_demo_data(partners, result)`` (see `app_loaders`); `load_demo` finds and calls it after
the partners, sites and people exist. Keep the account names: people rely on them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from core.context import acting_as
from core.scoping import system_scope
from core.services import set_owner_shares
from partners.choices import CouncilRole, Nation, ServiceRole
from partners.models import Agreement, Membership, Partner, Site, SiteType, User

#: Every demo account signs in with this password (printed by `concord demo`; never use it
#: outside a demo).
DEMO_PASSWORD = "concord-demo"  # noqa: S105 - the published password of the demo accounts

CHANGE_LOG_LABEL = "command:demo"


@dataclass(frozen=True)
class PartnerSpec:
    """A demo council."""

    code: str
    name: str
    gss_code: str
    joined_on: datetime.date
    left_on: datetime.date | None = None
    nation: str = Nation.ENGLAND
    short_name: str = ""


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


@dataclass(frozen=True)
class PersonSpec:
    """A demo account: shared-service staff (service role) or a council person (roles)."""

    username: str
    first_name: str
    last_name: str
    description: str
    service_role: str = ""
    superuser: bool = False
    partner: str = ""
    council_role: str = ""


PARTNERS = (
    PartnerSpec(
        "wcc",
        "City of Westminster",
        "E09000033",
        datetime.date(2011, 4, 1),
        short_name="Westminster",
    ),
    PartnerSpec(
        "rbkc",
        "Royal Borough of Kensington and Chelsea",
        "E09000020",
        datetime.date(2011, 4, 1),
        short_name="Kensington and Chelsea",
    ),
    PartnerSpec(
        "lbhf",
        "London Borough of Hammersmith and Fulham",
        "E09000013",
        datetime.date(2011, 4, 1),
        left_on=datetime.date(2018, 3, 31),
        short_name="Hammersmith and Fulham",
    ),
)

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

SERVICE_PEOPLE = (
    PersonSpec("admin", "Alex", "Morgan", "System administrator (superuser)", superuser=True),
    PersonSpec(
        "manager",
        "Priya",
        "Shah",
        "Shared-service manager",
        service_role=ServiceRole.MANAGER,
    ),
    PersonSpec(
        "agent",
        "Tom",
        "Okafor",
        "Shared-service desk agent",
        service_role=ServiceRole.AGENT,
    ),
)

# Each council has a requester (X.staff), its IT lead (X.lead) and a read-only auditor.
COUNCIL_ROLES = (
    ("staff", CouncilRole.REQUESTER, "requester"),
    ("lead", CouncilRole.LEAD, "IT lead"),
    ("auditor", CouncilRole.AUDITOR, "read-only auditor"),
)
COUNCIL_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "wcc": (("Sarah", "Hughes"), ("David", "Clarke"), ("Fiona", "Reid")),
    "rbkc": (("James", "Patel"), ("Helen", "Wright"), ("Mark", "Evans")),
    "lbhf": (("Emma", "Wilson"), ("Owen", "Davies"), ("Grace", "Thompson")),
}


def council_people() -> list[PersonSpec]:
    """The council accounts: X.staff, X.lead and X.auditor for each demo partner X."""
    people = []
    for spec in PARTNERS:
        for (suffix, role, title), (first, last) in zip(
            COUNCIL_ROLES, COUNCIL_NAMES[spec.code], strict=True
        ):
            description = f"{spec.short_name or spec.name} {title}"
            if spec.left_on is not None:
                description += f" (left {spec.left_on:%Y-%m-%d}: cannot sign in)"
            people.append(
                PersonSpec(
                    f"{spec.code}.{suffix}",
                    first,
                    last,
                    description,
                    partner=spec.code,
                    council_role=role,
                )
            )
    return people


@dataclass(frozen=True)
class DemoAccount:
    """One line of the accounts table `concord demo` prints."""

    username: str
    description: str
    password: str


@dataclass
class DemoResult:
    """What a run of the demo loader did: records created by kind, and the accounts."""

    created: Counter[str] = field(default_factory=Counter)
    accounts: list[DemoAccount] = field(default_factory=list)
    passwords_reset: int = 0


def _email(username: str) -> str:
    # `.example` is reserved (RFC 2606): demo mail can never reach a real council.
    return f"{username}@concord-demo.example"


def _load_partners(result: DemoResult) -> dict[str, Partner]:
    partners: dict[str, Partner] = {}
    for spec in PARTNERS:
        partner, created = Partner.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "gss_code": spec.gss_code,
                "nation": spec.nation,
                "joined_on": spec.joined_on,
                "left_on": spec.left_on,
            },
        )
        result.created["partners"] += created
        partners[spec.code] = partner
    return partners


def _load_sites(result: DemoResult, partners: dict[str, Partner]) -> None:
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


def _load_agreements(result: DemoResult, partners: dict[str, Partner]) -> None:
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


def _load_people(result: DemoResult, partners: dict[str, Partner], reset_passwords: bool) -> None:
    password_hash = ""  # worked out at most once: Argon2 is slow on purpose
    for spec in (*SERVICE_PEOPLE, *council_people()):
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=_email(spec.username),
                service_role=spec.service_role,
                is_superuser=spec.superuser,
                is_staff=spec.superuser,
                password=password_hash,
            )
            user.save()
            result.created["accounts"] += 1
        elif reset_passwords:
            # Set, not checked: checking each account's password would cost one Argon2 run
            # apiece, setting them all costs one.
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            user.password = password_hash
            user.save(update_fields=["password"])
            result.passwords_reset += 1
        if spec.partner:
            _, created = Membership.objects.get_or_create(
                user=user, partner=partners[spec.partner], role=spec.council_role
            )
            result.created["memberships"] += created
        result.accounts.append(DemoAccount(spec.username, spec.description, DEMO_PASSWORD))


DemoLoader = Callable[[dict[str, Partner], DemoResult], None]


def app_loaders() -> list[DemoLoader]:
    """Other apps' demo data: ``<app>/demo.py`` defining ``load_demo_data(partners, result)``.

    Called in the order of INSTALLED_APPS, inside the demo's transaction, system scope and
    change-log label; `partners` maps codes to the demo councils, and a loader counts what it
    creates in ``result.created["<kind>"]``. Like this module, a loader must look records up by
    natural key so that a second run creates nothing.
    """
    loaders: list[DemoLoader] = []
    for config in apps.get_app_configs():
        if config.name == "partners" or not module_has_submodule(config.module, "demo"):
            continue
        loader = getattr(import_module(f"{config.name}.demo"), "load_demo_data", None)
        if callable(loader):
            loaders.append(loader)
    return loaders


def load_demo(*, reset_passwords: bool = False) -> DemoResult:
    """Load (or top up) the demo partnership; return what was created and the accounts.

    Runs as the service itself (``system_scope``) with every change recorded under
    ``command:demo``. With `reset_passwords`, every demo account gets ``concord-demo`` back
    (whether or not someone changed it).
    """
    result = DemoResult()
    with (
        acting_as(None, label=CHANGE_LOG_LABEL),
        system_scope("loading the demo partnership"),
        transaction.atomic(),
    ):
        partners = _load_partners(result)
        _load_sites(result, partners)
        _load_agreements(result, partners)
        _load_people(result, partners, reset_passwords)
        for loader in app_loaders():
            loader(partners, result)
    return result
