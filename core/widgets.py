"""Select boxes and inputs drawn in Python rather than through Django's widget templates.

Django draws each <option> through its own template include; a filter panel with a council
dropdown draws dozens of them on every list page, which was a large share of the page's time.
A plain <input> costs three nested templates (text.html, input.html, attrs.html).
`speed_up_widget` swaps such a widget's class for one that writes the same HTML directly
(core/tests/test_widgets.py checks it against the templates).
"""

from __future__ import annotations

from html import escape as _escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class FastSelectMixin:
    """Renders a single-choice select (with optgroups) without per-option templates."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget: Any = self
        final = widget.build_attrs(widget.attrs, attrs)
        final["name"] = name
        formatted = widget.format_value(value)
        # Select gives a list; NullBooleanSelect gives one string ("true", "unknown").
        if isinstance(formatted, str):
            formatted = [formatted]
        selected = {str(v) for v in formatted}
        parts: list[str] = [format_html("<select{}>", flatatt(final))]
        chosen = False
        for group, choices in _groups(widget.choices):
            if group:
                parts.append(f'<optgroup label="{esc(group)}">')
            for option_value, label in choices:
                text = "" if option_value is None else str(option_value)
                is_selected = text in selected and (widget.allow_multiple_selected or not chosen)
                chosen = chosen or is_selected
                mark = " selected" if is_selected else ""
                parts.append(f'<option value="{esc(text)}"{mark}>{esc(label)}</option>')
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def esc(value: Any) -> str:
    """``conditional_escape`` as plain text: safe text kept, anything else escaped. Django's own
    returns a SafeString per call, a visible cost over the hundreds of options of a page."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape(str(value))


def _groups(choices: Any) -> Any:
    """(group label or None, [(value, label)...]) for flat and grouped choices alike."""
    flat: list[tuple[Any, Any]] = []
    for option_value, label in choices:
        if isinstance(label, list | tuple):
            if flat:
                yield None, flat
                flat = []
            yield option_value, label
        else:
            flat.append((option_value, label))
    if flat:
        yield None, flat


class FastInputMixin:
    """Renders an <input> as django/forms/widgets/input.html and attrs.html would."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget: Any = self
        context = widget.get_context(name, value, attrs)["widget"]
        parts: list[str] = [
            format_html('<input type="{}" name="{}"', context["type"], context["name"])
        ]
        if context["value"] is not None:
            parts.append(format_html(' value="{}"', _as_text(context["value"])))
        for key, item in context["attrs"].items():
            if item is False:
                continue
            if item is True:
                parts.append(format_html(" {}", key))
            else:
                parts.append(format_html(' {}="{}"', key, _as_text(item)))
        parts.append(">")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _as_text(value: Any) -> Any:
    """``value|stringformat:'s'``: text, still safe if it was (the filter keeps safeness)."""
    return value if isinstance(value, SafeString) else str(value)


#: Django's widget templates that are exactly ``{% include "django/forms/widgets/input.html" %}``.
PLAIN_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        *("checkbox", "color", "date", "datetime", "email", "file", "hidden"),
        *("number", "password", "search", "tel", "text", "time", "url"),
    )
)

_FAST_CLASSES: dict[type, type] = {}


def speed_up_widget(widget: forms.Widget) -> None:
    """Make a single-choice Select or a plain Input render directly; others are left be."""
    cls = type(widget)
    if isinstance(widget, FastSelectMixin | FastInputMixin):
        return
    if isinstance(widget, forms.Select):
        if widget.allow_multiple_selected or isinstance(widget, forms.RadioSelect):
            return
        mixin: type = FastSelectMixin
    elif isinstance(widget, Input) and widget.template_name in PLAIN_INPUT_TEMPLATES:
        mixin = FastInputMixin
    else:
        return
    fast = _FAST_CLASSES.get(cls)
    if fast is None:
        fast = type(f"Fast{cls.__name__}", (mixin, cls), {})
        _FAST_CLASSES[cls] = fast
    widget.__class__ = fast
