"""partners.services: adding partners and people, changing roles."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.models import ChangeRecord
from core.tenancy.models import Membership, Partner
from core.tenancy.scoping import system_scope
from partners.services import add_partner, add_person, set_roles

pytestmark = pytest.mark.django_db


def test_add_partner_validates_and_records(cast):
    with system_scope("test"):
        p = add_partner(
            "camden", "London Borough of Camden", "E09000007", joined_on=datetime.date(2020, 4, 1)
        )
        assert p.pk and p.nation == "ENG"
        assert ChangeRecord.objects.unscoped("test").filter(object_id=p.pk).exists()
        with pytest.raises(ValidationError) as err:
            add_partner("wcc", "Another", "")
        assert "code" in err.value.message_dict
        with pytest.raises(ValidationError) as err:
            add_partner("x1", "Bad GSS", "X123")
        assert "gss_code" in err.value.message_dict


def test_add_person_and_set_roles(cast):
    with system_scope("test"):
        user = add_person(
            cast.wcc,
            "wcc.newbie",
            "New",
            "Person",
            "new@example.org",
            "requester",
            "a-Long-enough-pass-9",
        )
        assert user.check_password("a-Long-enough-pass-9")
        roles = set_roles(user, cast.wcc, ["lead", "auditor"])
        assert [m.role for m in roles] == ["lead", "auditor"]
        assert set(
            Membership.objects.owned_by(cast.wcc).filter(user=user).values_list("role", flat=True)
        ) == {"lead", "auditor"}
        set_roles(user, cast.wcc, [])
        assert not Membership.objects.owned_by(cast.wcc).filter(user=user).exists()
        # No password: cannot sign in until one is set.
        other = add_person(cast.rbkc, "rbkc.x", "", "", "", "lead")
        assert not other.has_usable_password()


def test_add_person_refusals(cast):
    with system_scope("test"):
        with pytest.raises(ValidationError):
            add_person(cast.wcc, "wcc.lead", "", "", "", "lead")  # username taken
        with pytest.raises(ValidationError):
            add_person(cast.wcc, "wcc.y", "", "", "", "emperor")
        with pytest.raises(ValidationError):
            add_person(cast.wcc, "wcc.z", "", "", "", "lead", "123")  # weak password
        with pytest.raises(ValidationError):
            add_person(cast.lbhf, "lbhf.new", "", "", "", "lead")  # former partner
        with pytest.raises(ValidationError):
            set_roles(cast.lbhf_lead, cast.lbhf, ["auditor"])
        assert not Partner.objects.unscoped("test").filter(code="x").exists()
