"""The text rule checked a column at a time over a chunk of an import's rows.

Every text field of a Concord record carries the text rule (core.tenancy.validators.TextRule:
no control characters, no hidden formatting characters), which ``full_clean`` runs on each
value, a character at a time in Python. An import's serial numbers, asset tags and names are
different on every row, so the rule ran on each of them: a tenth of a 5,000-row import's time
(docs/performance.md, "Assets").

`TextColumns` checks a chunk's cells of each such column at once: one regular expression,
matching exactly the characters the rule refuses, over the column's cells joined together. A
column whose cells hold none of them needs the rule on none of its values in that chunk (a cell
becomes its value by trimming, removing an export's formula guard, or, for a number or a date
in a workbook, its text: nothing the rule refuses is added), and the import checks those
values with the field's other checks only (`check_field`). A column where the expression finds
something is checked value by value as before, by ``full_clean``, so the row and column named
and the message are the rule's own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import models

from core.importing.cells import UnusableCell
from core.importing.values import ImportColumn
from core.tenancy.validators import (
    BIDI_CONTROLS,
    DIRECTION_MARKS,
    LINE_SEPARATORS,
    TextRule,
)


def _char_class(chars: frozenset[str]) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in sorted(chars))


# Unicode's control characters (category Cc) are U+0000..U+001F and U+007F..U+009F, and its
# surrogates (Cs) U+D800..U+DFFF, fixed by the standard (free text keeps FREE_TEXT_CONTROLS,
# tab, line feed and carriage return); core/tests/test_import_texts.py checks
# every code point against the rule itself.
_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f"
_SURROGATES = "\\ud800-\\udfff"
_FREE_TEXT_CONTROLS = "".join(
    f"\\x{low:02x}-\\x{high:02x}"
    for low, high in ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F))
)

#: What the rule refuses in one-line text (names, codes, references).
ONE_LINE = re.compile(
    f"[{_CONTROLS}{_SURROGATES}{_char_class(BIDI_CONTROLS)}"
    f"{_char_class(DIRECTION_MARKS)}{_char_class(LINE_SEPARATORS)}]"
)
#: What the rule refuses in free text, which may keep line breaks and tabs.
FREE_TEXT = re.compile(f"[{_FREE_TEXT_CONTROLS}{_SURROGATES}{_char_class(BIDI_CONTROLS)}]")


def refused_in(text: str, *, multiline: bool) -> bool:
    """Whether `text` holds a character the text rule refuses (`multiline`: free text)."""
    return (FREE_TEXT if multiline else ONE_LINE).search(text) is not None


class TextColumns:
    """The text columns of one import whose values the text rule checks, and, for the chunk of
    rows being checked, those whose cells the rule was found to pass all at once."""

    def __init__(self, columns: Sequence[ImportColumn]) -> None:
        #: {field name: (column, the rule, the field's other validators)}
        self.columns: dict[str, tuple[ImportColumn, TextRule, list[Any]]] = {}
        for column in columns:
            field = column.model_field
            if column.related is not None or column.choice_labels:
                continue  # a value not made from the cell's own characters
            if not isinstance(field, models.CharField | models.TextField):
                continue
            rules = [v for v in field.validators if isinstance(v, TextRule)]
            if len(rules) != 1:
                continue
            others = [v for v in field.validators if not isinstance(v, TextRule)]
            self.columns[field.name] = (column, rules[0], others)
        #: The fields whose values in the current chunk the rule passes.
        self.passed: frozenset[str] = frozenset()

    def check_chunk(self, chunk: Sequence[tuple[int, list[Any]]]) -> None:
        """Check each column's cells in `chunk` at once (one search over them joined)."""
        passed = set()
        for name, (column, rule, _) in self.columns.items():
            position = column.position
            cells = [cells[position] if position < len(cells) else None for _, cells in chunk]
            if any(isinstance(cell, UnusableCell) for cell in cells):
                continue  # reported by the conversion; the rest checked row by row
            text = "".join(cell for cell in cells if isinstance(cell, str))
            if not refused_in(text, multiline=rule.multiline):
                passed.add(name)
        self.passed = frozenset(passed)

    def check_field(self, instance: Any, name: str) -> None:
        """The checks ``full_clean`` makes of field `name`'s value but the text rule, already
        passed by the value's column (`passed`); the value as ``full_clean`` leaves it.
        ValidationError if any check refuses it (the caller then checks the field with
        ``full_clean``, for its own messages)."""
        column, _, others = self.columns[name]
        field = column.model_field
        value = getattr(instance, field.attname)
        if isinstance(value, str) and value != value.strip():
            value = value.strip()  # as ConcordModel.clean_fields trims
            setattr(instance, field.attname, value)
        if field.blank and value in field.empty_values:
            return
        value = field.to_python(value)
        field.validate(value, instance)
        if value not in field.empty_values:
            for validator in others:
                validator(value)
        setattr(instance, field.attname, value)
