"""How a change reads on a page: a record's history, field by field, before and after.

The change log stores values as they were written (ids, choice codes, file names); this turns
them into what people read: labels, choices by name, related records by name where the reader
may see them (else a bare number), files attached and removed. Used by every record's history
page (core.views.generic.ModelHistoryView).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.changelog import shown_values
from core.models import Attachment
from core.pagination import KeysetPage
from core.tables import (
    display_value,
    field_label,
    partner_html,
)
from core.tenancy.access import people_visible_to
from core.tenancy.models import Partner

# Showing what changed -----------------------------------------------------------------------


@dataclass
class ChangeLine:
    """One field of one change: its label and the value before and after."""

    label: str
    before: SafeString
    after: SafeString


def describe_changes(page: KeysetPage, model: Any, user: Any) -> list[dict[str, Any]]:
    """The change records of a page with labelled before → after values of changed fields."""
    files = ContentType.objects.get_for_model(Attachment).pk
    own = [record for record in page.rows if record.content_type_id != files]
    resolver = _ValueResolver(model, user, own)
    entries = []
    for record in page.rows:
        if record.content_type_id == files:
            entries.append(_file_change(record))
            continue
        shown_before, shown_after, changed = shown_values(record)
        before, after = shown_before or {}, shown_after or {}
        # A new or deleted record lists its values (its id says nothing to a person).
        if record.action == "create":
            names = [k for k, v in after.items() if v not in (None, "") and k != "id"]
        elif record.action == "delete":
            names = [k for k, v in before.items() if v not in (None, "") and k != "id"]
        else:
            names = changed
        lines = [
            ChangeLine(
                resolver.label(name),
                resolver.show(name, before.get(name)) if record.action != "create" else _blank(),
                resolver.show(name, after.get(name)) if record.action != "delete" else _blank(),
            )
            for name in names
        ]
        entries.append({"record": record, "lines": lines})
    return entries


#: The fields of an attachment a record's history shows, and how.
_FILE_FIELDS = (("original_name", "File"), ("title", "Title"), ("description", "Description"))
_FILE_TITLES = {
    "create": "File attached",
    "delete": "File removed",
    "update": "File details changed",
}


def _file_change(record: Any) -> dict[str, Any]:
    """An attachment's change as its record's history shows it: the file by its original
    name, never where it is stored."""
    shown_before, shown_after, _changed = shown_values(record)
    before, after = shown_before or {}, shown_after or {}
    lines = []
    for name, label in _FILE_FIELDS:
        old, new = before.get(name), after.get(name)
        if record.action == "update" and old == new:
            continue
        if record.action != "update" and not (old or new):
            continue
        lines.append(
            ChangeLine(
                label,
                display_value(old) if record.action != "create" else _blank(),
                display_value(new) if record.action != "delete" else _blank(),
            )
        )
    size = (after if record.action != "delete" else before).get("size")
    if record.action != "update" and size:
        shown = display_value(filesizeformat(size))
        lines.append(
            ChangeLine(
                "Size",
                shown if record.action == "delete" else _blank(),
                shown if record.action == "create" else _blank(),
            )
        )
    return {"record": record, "lines": lines, "title": _FILE_TITLES.get(record.action)}


def _blank() -> SafeString:
    return format_html("{}", "")


class _ValueResolver:
    """Turns stored change-log values into readable ones: labels, choices, related names.

    Related records are looked up through their own scope, so a name the person may not see
    stays a bare number.
    """

    def __init__(self, model: Any, user: Any, records: list[Any]) -> None:

        self.model = model
        self.fields: dict[str, Any] = {}
        for f in model._meta.concrete_fields:
            self.fields[f.attname] = f
            self.fields[f.name] = f
        wanted: dict[Any, set[Any]] = {}
        for record in records:
            for values in (record.before or {}, record.after or {}):
                for key, value in values.items():
                    f = self.fields.get(key)
                    if f is not None and f.is_relation and value is not None:
                        wanted.setdefault(f.related_model, set()).add(value)
                    if key == "owner_shares" and isinstance(value, dict):
                        ids = {int(pid) for pid in value if str(pid).isdigit()}
                        wanted.setdefault(Partner, set()).update(ids)
                    if key == "councils" and isinstance(value, list):
                        ids = {int(pid) for pid in value if str(pid).isdigit()}
                        wanted.setdefault(Partner, set()).update(ids)
        self.names: dict[Any, dict[Any, Any]] = {}
        for related, ids in wanted.items():
            if hasattr(related._default_manager, "visible_to"):
                found = related.objects.visible_to(user).in_bulk(list(ids))
            elif related is get_user_model():
                # People: named as the reader may know them (a ticket's assignee, its
                # requester), else by their id alone, like any record out of reach.
                found = people_visible_to(user).in_bulk(list(ids))
            else:
                found = {}
            self.names[related] = found

    def label(self, name: str) -> str:
        if name == "owner_shares":
            return "Owner shares"
        if name == "councils":
            return "Councils"
        return field_label(self.model, name)

    def show(self, name: str, value: Any) -> SafeString:

        if value is None or value == "":
            return _blank()
        if name == "owner_shares" and isinstance(value, dict):
            partners = self.names.get(Partner, {})
            return format_html_join(
                ", ",
                "{}: {}%",
                (
                    (partner_html(partners[int(pid)]) if int(pid) in partners else f"#{pid}", pct)
                    for pid, pct in value.items()
                    if str(pid).isdigit()
                ),
            )
        if name == "councils" and isinstance(value, list):
            # The councils a record is for: those the reader can see, never another's name.
            partners = self.names.get(Partner, {})
            shown = [
                partners[int(pid)] for pid in value if str(pid).isdigit() and int(pid) in partners
            ]
            if not shown:
                return _blank()
            return format_html_join(", ", "{}", ((partner_html(p),) for p in shown))
        f = self.fields.get(name)
        if f is None:
            return format_html("{}", value)
        if f.is_relation:
            related = self.names.get(f.related_model, {}).get(value)
            return display_value(related) if related is not None else format_html("#{}", value)
        if f.choices:
            return format_html("{}", dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return format_html("{}", "Yes" if value else "No")
        return format_html("{}", value)
