"""Sample records for the estate's tests, made as the system."""

from __future__ import annotations

from typing import Any

from core.tenancy.scoping import system_scope
from estate.models import Site


def make_sites(cast: Any, per_partner: int = 3, site_type: Any = None) -> dict[str, list[Site]]:
    """`per_partner` sites for each of wcc, rbkc and lbhf, made as the system."""
    made: dict[str, list[Site]] = {}
    with system_scope("test data"):
        for partner in (cast.wcc, cast.rbkc, cast.lbhf):
            made[partner.code] = [
                Site.objects.create(
                    partner=partner,
                    code=f"{partner.code.upper()}-{i:03d}",
                    name=f"{partner.name} site {i:03d}",
                    site_type=site_type,
                    postcode=f"SW1A {i}AA",
                )
                for i in range(per_partner)
            ]
    return made
