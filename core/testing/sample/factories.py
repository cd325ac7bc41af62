"""Sample records for tests, made as the system (the sample app is a test-only app)."""

from __future__ import annotations

from typing import Any

from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room


def make_rooms(cast: Any, per_partner: int = 3, room_type: Any = None) -> dict[str, list[Room]]:
    """`per_partner` rooms for each of wcc, rbkc and lbhf, made as the system."""
    made: dict[str, list[Room]] = {}
    with system_scope("test data"):
        for partner in (cast.wcc, cast.rbkc, cast.lbhf):
            made[partner.code] = [
                Room.objects.create(
                    partner=partner,
                    code=f"{partner.code.upper()}-{i:03d}",
                    name=f"{partner.name} room {i:03d}",
                    room_type=room_type,
                    postcode=f"SW1A {i}AA",
                )
                for i in range(per_partner)
            ]
    return made
