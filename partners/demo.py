"""The demo partnership's councils and people, the first of the demo loaders (core.demo).

Westminster (``wcc``) and Kensington and Chelsea (``rbkc``) are current partners;
Hammersmith and Fulham (``lbhf``) left on 2018-03-31 when the tri-borough arrangement ended,
so its records stay, read-only, and its people cannot sign in.

Every record is looked up by its natural key (partner code, username) and created only when
missing, so a second run creates nothing. Keep the account names: people rely on them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from core.demo import DEMO_PASSWORD, DemoAccount, DemoRun
from core.tenancy.choices import CouncilRole, Nation, ServiceRole
from core.tenancy.models import Membership, Partner, User


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
    PersonSpec(
        "finance",
        "Nadia",
        "Rahman",
        "Shared-service finance officer: every council's recharges and statements",
        service_role=ServiceRole.FINANCE,
    ),
)

# Each council has a requester (X.staff), its IT lead (X.lead), a read-only auditor and its
# finance officer (X.finance: the council's budgets, costs and its own recharge statements).
COUNCIL_ROLES = (
    ("staff", CouncilRole.REQUESTER, "requester"),
    ("lead", CouncilRole.LEAD, "IT lead"),
    ("auditor", CouncilRole.AUDITOR, "read-only auditor"),
    ("finance", CouncilRole.FINANCE, "finance officer"),
)
COUNCIL_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "wcc": (("Sarah", "Hughes"), ("David", "Clarke"), ("Fiona", "Reid"), ("Ravi", "Menon")),
    "rbkc": (("James", "Patel"), ("Helen", "Wright"), ("Mark", "Evans"), ("Laura", "Bennett")),
    "lbhf": (("Emma", "Wilson"), ("Owen", "Davies"), ("Grace", "Thompson"), ("Ian", "Fraser")),
}


def council_people() -> list[PersonSpec]:
    """The council accounts: X.staff, X.lead, X.auditor and X.finance for each demo partner
    X."""
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


def _email(username: str) -> str:
    # `.example` is reserved (RFC 2606): demo mail can never reach a real council.
    return f"{username}@concord-demo.example"


def _load_partners(result: DemoRun) -> dict[str, Partner]:
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


def _load_people(result: DemoRun, partners: dict[str, Partner]) -> None:
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
        elif result.reset_passwords:
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


def load_demo_data(run: DemoRun) -> None:
    """The demo councils (`run.partners`, for the loaders after this one) and their people."""
    run.partners.update(_load_partners(run))
    _load_people(run, run.partners)
