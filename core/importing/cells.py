"""A cell of an import's file that cannot be imported, whatever the format: `UnusableCell`.

It stands in the row where the value would be, so that the row and column it is in are
reported like any other bad value (a formula with no saved value, an error such as #N/A, a
cell longer than a spreadsheet cell can hold).
"""

from __future__ import annotations

from typing import Any

from core.importing import limits


class UnusableCell:
    """A cell whose value cannot be imported: what is wrong with it, in plain words."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"UnusableCell({self.message!r})"


def within_length(value: Any) -> Any:
    """The cell, or an UnusableCell when it is text longer than a spreadsheet cell holds."""
    if isinstance(value, str) and len(value) > limits.MAX_CELL_CHARS:
        return UnusableCell(limits.cell_too_long(len(value)))
    return value
