"""Values with a known shape (core.tenancy.validators): each refused with a message showing a
good one, and written the way it is stored (a postcode's capitals and space)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.tenancy.validators import (
    EmailAddressField,
    GssCodeField,
    PostcodeField,
    UprnField,
    normal_postcode,
)

GOOD_POSTCODES = ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB"]
BAD_POSTCODES = ["SW1A", "12345", "ZZ1 1ZZ", "SW1A 1AAA", "Q1 1AA", "SW1A 1CA", "SW1A-1AA", "1AA"]


@pytest.mark.parametrize("typed", [*GOOD_POSTCODES, "sw1a1aa", " ec1a  1bb "])
def test_a_good_postcode_in_any_case_and_spacing_is_stored_the_royal_mails_way(typed):
    field = PostcodeField()
    stored = field.clean(typed, None)
    assert stored == normal_postcode(typed) and stored in GOOD_POSTCODES


@pytest.mark.parametrize("typed", BAD_POSTCODES)
def test_a_bad_postcode_is_refused_showing_a_good_one(typed):
    with pytest.raises(ValidationError) as caught:
        PostcodeField().clean(typed, None)
    assert caught.value.messages == ["Enter a real UK postcode, like SW1A 1AA"]


def test_gss_codes():
    field = GssCodeField()
    assert field.clean("e09000033", None) == "E09000033"
    for bad in ("E0900003", "X09000033", "E090000333", "E09 000033"):
        with pytest.raises(ValidationError) as caught:
            field.clean(bad, None)
        assert "like E09000033" in caught.value.messages[0], bad


def test_uprns():
    field = UprnField()
    assert field.clean("100023336956", None) == "100023336956"
    for bad in ("1000233369561", "10002333695a", "-1", "1.5"):
        with pytest.raises(ValidationError) as caught:
            field.clean(bad, None)
        assert caught.value.messages == [
            "Enter a UPRN of up to 12 digits and nothing else, like 100023336956"
        ], bad


def test_email_addresses_on_the_model_and_the_form():
    field = EmailAddressField(blank=True)
    assert field.clean("ann@example.gov.uk", None) == "ann@example.gov.uk"
    message = "Enter an email address in the correct format, like name@example.gov.uk"
    for bad in ("ann", "ann@", "@example.org", "ann example@x.org"):
        with pytest.raises(ValidationError) as caught:
            field.clean(bad, None)
        assert message in caught.value.messages, bad
        form_field = field.formfield()
        with pytest.raises(ValidationError) as caught:
            form_field.clean(bad)
        assert caught.value.messages == [message], bad
