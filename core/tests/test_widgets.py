"""Fast select boxes draw exactly the HTML Django's own templates draw."""

from __future__ import annotations

import copy

import pytest
from django import forms
from django.test import SimpleTestCase

from core.widgets import FastSelectMixin, speed_up_select

CHOICES = [("", "Any"), ("a", "Apple & <pear>"), (2, "Two")]
GROUPED = [("", "Any"), ("Fruit", [("a", "Apple"), ("b", "Banana")]), ("c", "Carrot")]


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES, attrs={"class": "govuk-select", "id": "id_x"}), "a"),
        (forms.Select(choices=CHOICES), 2),
        (forms.Select(choices=CHOICES), None),
        (forms.Select(choices=GROUPED, attrs={"aria-describedby": "x-hint"}), "b"),
        (forms.NullBooleanSelect(), True),
        (forms.NullBooleanSelect(), None),
    ],
)
def test_fast_select_matches_django(widget, value):
    fast = copy.deepcopy(widget)
    speed_up_select(fast)
    assert isinstance(fast, FastSelectMixin)
    SimpleTestCase().assertHTMLEqual(
        fast.render("x", value, {"id": "id_x"}), widget.render("x", value, {"id": "id_x"})
    )


def test_multiple_and_radio_selects_are_left_alone():
    for widget in (forms.SelectMultiple(choices=CHOICES), forms.RadioSelect(choices=CHOICES)):
        speed_up_select(widget)
        assert not isinstance(widget, FastSelectMixin)
