"""Select boxes drawn in Python rather than through a template per option.

Django draws each <option> through its own template include; a filter panel with a council
dropdown draws dozens of them on every list page, which was a large share of the page's time.
`speed_up_select` swaps a Select widget's class for one that writes the same HTML directly.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
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
        parts = [format_html("<select{}>", flatatt(final))]
        chosen = False
        for group, choices in _groups(widget.choices):
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            for option_value, label in choices:
                text = "" if option_value is None else str(option_value)
                is_selected = text in selected and (widget.allow_multiple_selected or not chosen)
                chosen = chosen or is_selected
                parts.append(
                    format_html(
                        '<option value="{}"{}>{}</option>',
                        text,
                        mark_safe(" selected") if is_selected else "",
                        conditional_escape(label),
                    )
                )
            if group:
                parts.append(mark_safe("</optgroup>"))
        parts.append(mark_safe("</select>"))
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


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


_FAST_CLASSES: dict[type, type] = {}


def speed_up_select(widget: forms.Widget) -> None:
    """Make a single-choice Select (or subclass) render directly; other widgets are left be."""
    cls = type(widget)
    if not isinstance(widget, forms.Select) or isinstance(widget, FastSelectMixin):
        return
    if widget.allow_multiple_selected or isinstance(widget, forms.RadioSelect):
        return
    fast = _FAST_CLASSES.get(cls)
    if fast is None:
        fast = type(f"Fast{cls.__name__}", (FastSelectMixin, cls), {})
        _FAST_CLASSES[cls] = fast
    widget.__class__ = fast
