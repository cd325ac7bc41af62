"""Import columns that are not a plain field: a state a record moves through by its app's rules.

Some of a record's fields are not written by a form or an import at all: an asset's lifecycle
state moves only through its app's rule (assets.services.move), which refuses an illegal move
and records who made it and when. An import may still carry such a state (a Snipe-IT export's
"Status"): the model's app registers a `StateColumn` for it when it is ready (`register`), and
names the column in the model's ``import_fields``. The import (core.importing.records) then:

- reads the cell through the column (`StateColumn.read`): an unknown state is the row's error
  on that column, in plain words;
- for a new record, sets the state it starts in (`StateColumn.start`, which may refuse a state
  a record cannot start in);
- for a record the row updates (by id or by a match field), leaves an unchanged state alone,
  asks the app whether the move is allowed (`StateColumn.check`; a refusal is the row's error,
  in the dry run as in the real import), and once the record is written makes the move through
  the app's rule (`StateColumn.move`), recorded like any move, by the importing person;
- leaves the state as it is when the cell is empty, or the column is not in the file.

Every error is found before anything is written, so the import still lands whole or not at all.
Core never names an app: apps register their columns (as they do their file formats,
core.importing.formats).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StateColumn:
    """An import column holding the state a record moves through by its app's own rule."""

    #: The column's name in files (``lifecycle_state``) and what people call it.
    name: str
    label: str
    #: For the import page and the templates: what it means, what it takes, an example.
    help: str
    allowed: str
    example: str
    #: A cell's text -> the state; raises ValidationError (plain words) for an unknown one.
    read: Callable[[str], str]
    #: The state a record holds now.
    current: Callable[[Any], str]
    #: (a new record, the state) -> sets the state it starts in; raises ValidationError when a
    #: record cannot start there.
    start: Callable[[Any, str], None]
    #: (a record, the state) -> raises ValidationError when the record may not move there.
    check: Callable[[Any, str], None]
    #: (a record just written, the state, the importing person) -> makes the move through the
    #: app's rule, recorded as any move is.
    move: Callable[[Any, str, Any], None]


_COLUMNS: dict[str, dict[str, StateColumn]] = {}


def register(model: Any, column: StateColumn) -> None:
    """Let imports of `model` take `column` (which `model`'s ``import_fields`` names)."""
    _COLUMNS.setdefault(model._meta.label, {})[column.name] = column


def state_columns(model: Any) -> dict[str, StateColumn]:
    """The state columns registered for `model`, by name."""
    return _COLUMNS.get(model._meta.label, {})


def state_column(model: Any, name: str) -> StateColumn | None:
    """The state column `name` of `model`, or None when `name` is not one."""
    return state_columns(model).get(name)
