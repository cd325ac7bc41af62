"""Business rules for partners and their people: adding a council, its people, their roles.

The application's pages and the `concord partner add` command both call these, so a partner or
person added either way is validated and recorded in the change log the same way. The caller
decides who may do it (pages check the grant table; commands run as the service) and who the
change log names (the request's user, or ``core.context.acting_as`` in a command).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from core.tenancy.choices import CouncilRole, Nation
from core.tenancy.models import Membership, Partner, User


def _refuse_if_left(partner: Partner) -> None:
    """A former partner's records are read-only, its people included."""
    if partner.has_left():
        raise ValidationError(
            f"{partner.name} has left the partnership; its people can no longer be changed."
        )


def _check_roles(roles: Iterable[str]) -> list[str]:
    valid = set(CouncilRole.values)
    chosen = []
    for role in roles:
        if role not in valid:
            raise ValidationError({"role": f"“{role}” is not a council role."})
        if role not in chosen:
            chosen.append(role)
    return chosen


@transaction.atomic
def add_partner(
    code: str,
    name: str,
    gss_code: str = "",
    nation: str = Nation.ENGLAND,
    joined_on: datetime.date | None = None,
    left_on: datetime.date | None = None,
) -> Partner:
    """Add a council to the partnership, validated as the partner form validates it.

    Raises ValidationError (naming the field) for a bad or duplicate code, name or GSS code.
    """
    partner = Partner(code=code, name=name, gss_code=gss_code or "", nation=nation, left_on=left_on)
    if joined_on is not None:
        partner.joined_on = joined_on
    partner.full_clean()
    partner.save()
    return partner


@transaction.atomic
def add_person(
    partner: Partner,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    password: str | None = None,
    *,
    check_password: bool = True,
) -> User:
    """Create a council person who holds `role` in `partner`, and return them.

    With no `password` the account cannot sign in until one is set (by a manager, or
    ``concord changepassword``). A given password must pass the project's password rules
    unless `check_password` is False (demo data). Raises ValidationError for a taken username,
    a bad email, an unknown role or a partner that has left.
    """
    _refuse_if_left(partner)
    (role,) = _check_roles([role])
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.full_clean(exclude=["password"])
    if password:
        if check_password:
            password_validation.validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    Membership(user=user, partner=partner, role=role).save()
    return user


@transaction.atomic
def give_role(partner: Partner, user: Any, role: str) -> Membership:
    """Give someone who already has an account `role` in `partner` (another council, or
    another role in the same one). Raises ValidationError if they hold it already, for an
    unknown role or a partner that has left."""
    _refuse_if_left(partner)
    (role,) = _check_roles([role])
    held = Membership.objects.owned_by(partner).filter(user_id=user.pk, role=role)
    if held.exists():
        label = CouncilRole(role).label
        raise ValidationError(
            {"role": f"{user.display_name} already holds the role “{label}” in {partner.name}."}
        )
    membership = Membership(user=user, partner=partner, role=role)
    membership.save()
    return membership


@transaction.atomic
def set_roles(user: Any, partner: Partner, roles: Iterable[str]) -> list[Membership]:
    """Make `user`'s roles in `partner` exactly `roles` (an empty list removes them all).

    Roles held in other councils are left alone. Each role added or removed is its own
    change-log entry. Returns the person's memberships in `partner` afterwards.
    """
    _refuse_if_left(partner)
    wanted = _check_roles(roles)
    # Scoped to the partner being changed: whoever calls this acts on that council only.
    current = list(Membership.objects.owned_by(partner).filter(user_id=user.pk))
    kept = []
    for membership in current:
        if membership.role in wanted:
            kept.append(membership)
        else:
            membership.delete()
    held = {m.role for m in kept}
    for role in wanted:
        if role not in held:
            membership = Membership(user=user, partner=partner, role=role)
            membership.save()
            kept.append(membership)
    # The person's cached access no longer matches their roles.
    user.__dict__.pop("_concord_access", None)
    return sorted(kept, key=lambda m: wanted.index(m.role))
