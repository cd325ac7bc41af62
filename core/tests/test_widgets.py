"""Fast select boxes and inputs draw exactly the HTML Django's own templates draw."""

from __future__ import annotations

import copy

import pytest
from django import forms
from django.test import SimpleTestCase
from django.utils.safestring import mark_safe

from core.widgets import FastInputMixin, FastSelectMixin, speed_up_widget

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
    speed_up_widget(fast)
    assert isinstance(fast, FastSelectMixin)
    SimpleTestCase().assertHTMLEqual(
        fast.render("x", value, {"id": "id_x"}), widget.render("x", value, {"id": "id_x"})
    )


def test_multiple_and_radio_selects_are_left_alone():
    for widget in (forms.SelectMultiple(choices=CHOICES), forms.RadioSelect(choices=CHOICES)):
        speed_up_widget(widget)
        assert not isinstance(widget, FastSelectMixin)


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.TextInput(attrs={"class": "govuk-input", "spellcheck": "false"}), 'a & <b> "c"'),
        (forms.TextInput(), None),
        (forms.TextInput(attrs={"required": True, "disabled": False, "maxlength": 20}), ""),
        (forms.EmailInput(attrs={"autocomplete": "email"}), "pat@example.org"),
        (forms.NumberInput(attrs={"step": "0.01"}), 12.5),
        (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "2026-12-01"),
        (forms.HiddenInput(), 7),
        (forms.PasswordInput(render_value=False), "secret"),
        (forms.URLInput(), "https://a.example/?x=1&y=2"),
        (forms.CheckboxInput(), True),
        (forms.CheckboxInput(), False),
        (forms.TextInput(), mark_safe("<b>kept</b>")),
        (forms.TextInput(attrs={"data-x": mark_safe("&amp;")}), "v"),
    ],
)
def test_fast_input_matches_django_exactly(widget, value):
    fast = copy.deepcopy(widget)
    speed_up_widget(fast)
    assert isinstance(fast, FastInputMixin)
    attrs = {"id": "id_x", "aria-describedby": "x-hint x-error"}
    assert fast.render("x", value, attrs) == widget.render("x", value, attrs)


def test_inputs_with_their_own_templates_are_left_alone():
    for widget in (forms.ClearableFileInput(), forms.Textarea(), forms.SplitDateTimeWidget()):
        speed_up_widget(widget)
        assert not isinstance(widget, FastInputMixin | FastSelectMixin)
