"""The shared cast every test uses: two councils and the people around them.

- ``wcc`` and ``rbkc``: two current partners; ``lbhf``: a partner that left on 2018-03-31.
- ``wcc_staff`` / ``rbkc_staff``: requesters; ``wcc_colleague``: another requester of wcc
  (who must not see wcc_staff's own records); ``wcc_lead`` / ``rbkc_lead``: IT leads;
  ``wcc_auditor``: read-only auditor of wcc; ``lbhf_lead``: lead of the former partner.
- ``agent``: shared-service desk agent; ``finance``: shared-service finance officer;
  ``manager``: shared-service manager.

Every password is ``PASSWORD``. The hash is worked out once (Argon2 is slow on purpose).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password

from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership, Partner, User
from core.tenancy.scoping import system_scope

PASSWORD = "concord-test-password"  # noqa: S105 - the test cast's shared password


@cache
def password_hash() -> str:
    """One Argon2 hash of PASSWORD, shared by the whole cast."""
    return make_password(PASSWORD)


@dataclass
class Cast:
    wcc: Partner
    rbkc: Partner
    lbhf: Partner
    wcc_staff: User
    wcc_colleague: User
    wcc_lead: User
    wcc_auditor: User
    rbkc_staff: User
    rbkc_lead: User
    lbhf_lead: User
    agent: User
    finance: User
    manager: User

    def partner_of(self, user: User) -> Partner | None:
        """The council a cast member belongs to (None for shared-service staff)."""
        prefix = user.username.split(".")[0]
        return {"wcc": self.wcc, "rbkc": self.rbkc, "lbhf": self.lbhf}.get(prefix)


def make_user(username: str, service_role: str = "", **extra: Any) -> User:
    """A user with the cast's password."""
    user = User(username=username, service_role=service_role, **extra)
    user.password = password_hash()
    user.save()
    return user


def make_cast() -> Cast:
    """Create the cast in the current test database."""
    with system_scope("building the test cast"):
        wcc = Partner.objects.create(
            code="wcc",
            name="City of Westminster",
            gss_code="E09000033",
            joined_on=datetime.date(2011, 4, 1),
        )
        rbkc = Partner.objects.create(
            code="rbkc",
            name="Royal Borough of Kensington and Chelsea",
            gss_code="E09000020",
            joined_on=datetime.date(2011, 4, 1),
        )
        lbhf = Partner.objects.create(
            code="lbhf",
            name="London Borough of Hammersmith and Fulham",
            gss_code="E09000013",
            joined_on=datetime.date(2011, 4, 1),
            left_on=datetime.date(2018, 3, 31),
        )
        people: dict[str, User] = {}
        for partner in (wcc, rbkc, lbhf):
            roles = {"staff": CouncilRole.REQUESTER, "lead": CouncilRole.LEAD}
            if partner is wcc:
                roles["auditor"] = CouncilRole.AUDITOR
                roles["colleague"] = CouncilRole.REQUESTER
            if partner is lbhf:
                roles = {"lead": CouncilRole.LEAD}
            for suffix, role in roles.items():
                user = make_user(f"{partner.code}.{suffix}")
                Membership.objects.create(user=user, partner=partner, role=role)
                people[f"{partner.code}_{suffix}"] = user
        return Cast(
            wcc=wcc,
            rbkc=rbkc,
            lbhf=lbhf,
            wcc_staff=people["wcc_staff"],
            wcc_colleague=people["wcc_colleague"],
            wcc_lead=people["wcc_lead"],
            wcc_auditor=people["wcc_auditor"],
            rbkc_staff=people["rbkc_staff"],
            rbkc_lead=people["rbkc_lead"],
            lbhf_lead=people["lbhf_lead"],
            agent=make_user("agent", ServiceRole.AGENT),
            finance=make_user("finance", ServiceRole.FINANCE),
            manager=make_user("manager", ServiceRole.MANAGER),
        )
