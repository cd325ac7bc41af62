"""Template tags of the GOV.UK pages: fields, error summaries, partners, navigation."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core.forms import error_group, field_groups, widget_kind
from core.routes import asset_url, route_url_or_fail
from core.tables import FORMER_WORDS, display_value, partner_html
from core.widgets import esc

register = template.Library()

_BASE_CLASSES = {
    "input": "govuk-input",
    "select": "govuk-select",
    "textarea": "govuk-textarea",
    "file": "govuk-file-upload",
}
_ERROR_CLASSES = {
    "input": "govuk-input--error",
    "select": "govuk-select--error",
    "textarea": "govuk-textarea--error",
    "file": "govuk-file-upload--error",
}


@register.simple_tag
def route(name: str) -> str:
    """``{% url name %}`` for a route with no arguments, reversed once (core.routes)."""
    return route_url_or_fail(name)


@register.simple_tag
def asset(path: str) -> str:
    """``{% static path %}``, worked out once per process (core.routes)."""
    return asset_url(path)


@register.filter
def partner_tag(partner: Any) -> SafeString:
    """A partner's name, with a "Left the partnership" tag once it has left."""
    return partner_html(partner)


@register.simple_tag
def partner_filter_options_html(options: Any, selected: Any) -> SafeString:
    """The header's council options: "All councils", then each council, former ones marked.

    Drawn here rather than in a template loop: the header is on every page, and shared-service
    staff see every council in it.
    """
    chosen = getattr(selected, "pk", None)
    parts = [f'<option value=""{" selected" if chosen is None else ""}>All councils</option>']
    for option in options:
        mark = " selected" if option.pk == chosen else ""
        former = f" ({FORMER_WORDS})" if option.is_former else ""
        parts.append(
            f'<option value="{esc(option.code)}"{mark}>{esc(option.name)}{former}</option>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by esc()


@register.filter
def show(value: Any) -> SafeString:
    """A value as pages show it (Yes/No, dates in full, partners tagged)."""
    return display_value(value)


@register.simple_tag
def govuk_field(
    field: Any, classes: str = "", mark_optional: bool = True, in_error: Any = False
) -> SafeString:
    """One form field in the GOV.UK pattern: label, hint, inline error, input.

    `classes` adds width classes to the input (e.g. ``govuk-input--width-10``); filter forms
    pass ``mark_optional=False`` (every filter is optional). `in_error` styles the input as in
    error when the error is its fieldset's (the fieldset shows the message), as GOV.UK's date
    input does for a date that is wrong as a whole.

    A field with one input (text, select, textarea...), most of every form and all but one of
    a list's filters, is drawn here in Python, as generic/_field.html would draw it: the
    template cost a list page about a millisecond. Grouped inputs use the template.
    """
    context = _field_context(field, classes, mark_optional, bool(in_error))
    if context["kind"] in ("checkboxes", "radios", "checkbox", "hidden"):
        return mark_safe(_field_template().render(context))  # noqa: S308 - a template's output
    return _single_field_html(context)


def _field_template() -> Any:
    from django.template.loader import get_template

    return get_template("generic/_field.html")


def _field_errors_html(context: dict[str, Any]) -> str:
    errors = context["field"].errors
    if not errors:
        return ""
    return format_html(
        '<p id="{}" class="govuk-error-message">{}</p>',
        context["error_id"],
        mark_safe(  # noqa: S308 - every part is escaped by format_html
            "<br>".join(
                format_html('<span class="govuk-visually-hidden">Error:</span> {}', e)
                for e in errors
            )
        ),
    )


def _single_field_html(context: dict[str, Any]) -> SafeString:
    """The last branch of generic/_field.html, character for character."""
    field = context["field"]
    help_text = field.help_text
    return format_html(
        '\n<div class="govuk-form-group{}">\n'
        '  <label class="govuk-label govuk-label--s" for="{}">{}{}</label>\n'
        "  {}\n  {}\n  {}\n</div>\n\n",
        " govuk-form-group--error" if field.errors else "",
        context["field_id"],
        field.label,
        " (optional)" if context["optional"] else "",
        format_html('<div id="{}" class="govuk-hint">{}</div>', context["hint_id"], help_text)
        if help_text
        else "",
        _field_errors_html(context),
        context["widget_html"],
    )


def _field_context(
    field: Any, classes: str, mark_optional: bool, in_error: bool = False
) -> dict[str, Any]:
    widget = field.field.widget
    kind = widget_kind(widget)
    field_id = field.id_for_label or f"id_{field.html_name}"
    hint_id = f"{field_id}-hint" if field.help_text else ""
    error_id = f"{field_id}-error" if field.errors else ""
    described = " ".join(x for x in (hint_id, error_id) if x)
    context: dict[str, Any] = {
        "field": field,
        "kind": kind,
        "field_id": field_id,
        "hint_id": hint_id,
        "error_id": error_id,
        "described_by": described,
        "optional": mark_optional and not field.field.required and kind in ("input", "textarea"),
    }
    if kind in _ERROR_CLASSES:
        css = " ".join(
            c
            for c in (
                widget.attrs.get("class", "") or _BASE_CLASSES[kind],
                classes,
                _ERROR_CLASSES[kind] if field.errors or in_error else "",
            )
            if c
        )
        attrs = {"class": css}
        if described:
            attrs["aria-describedby"] = described
        if kind == "input" and getattr(widget, "input_type", "") == "date" and not classes:
            attrs["class"] += " govuk-input--width-10"
        context["widget_html"] = field.as_widget(attrs=attrs)
    elif kind == "checkbox":
        attrs = {"class": "govuk-checkboxes__input"}
        if described:
            attrs["aria-describedby"] = described
        context["widget_html"] = field.as_widget(attrs=attrs)
    elif kind in ("checkboxes", "radios"):
        context["options"] = list(field.subwidgets)
    elif kind == "hidden":
        context["widget_html"] = field.as_widget()
    return context


@register.inclusion_tag("generic/_error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    """The GOV.UK error summary: every error of the forms, each linking to its field.

    An error of a group of fields (core.forms.group_error) links to the group's first field and
    is listed where that field comes in the form; the form's own errors come first, unlinked.
    """
    errors: list[tuple[str, str]] = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        groups = {name: fields for name, fields in field_groups(form).items() if fields}
        first_of_group = {fields[0]: name for name, fields in groups.items()}
        grouped: dict[str, list[str]] = {}
        for error in form.non_field_errors().as_data():
            group = error_group(error)
            for message in error.messages:
                if group in groups:
                    grouped.setdefault(group, []).append(str(message))
                else:
                    errors.append(("", str(message)))
        for field in form:
            if field.is_hidden:
                continue
            anchor = field.id_for_label or f"id_{field.html_name}"
            if widget_kind(field.field.widget) in ("checkboxes", "radios"):
                anchor = f"{anchor}_0" if not anchor.endswith("_0") else anchor
            for message in grouped.pop(first_of_group.get(field.name, ""), []):
                errors.append((f"#{anchor}", message))
            for message in field.errors:
                errors.append((f"#{anchor}", str(message)))
        # A group whose first field the form no longer has: still said, unlinked.
        errors.extend(("", message) for messages in grouped.values() for message in messages)
        for field in (f for f in form if f.is_hidden):
            for message in field.errors:
                errors.append(("", f"{field.label}: {message}"))
    return {"errors": errors}


@register.simple_tag(takes_context=True)
def concord_navigation(context: Any) -> list[Any]:
    """The service navigation's groups the person may use (core.navigation)."""
    from core.navigation import navigation

    request = context.get("request")
    if request is None:
        return []
    return navigation(getattr(request, "user", None), request.path)
