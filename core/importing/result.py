"""What an import found (a dry run) or did (a commit): `ImportResult` and its `RowError`s.

The counts, the problems with the spreadsheet row and column each is on, and how a CSV file's
text was read, in the shape the import page, the API, the ``import`` command and a background
job's stored result (`ImportResult.as_dict`, `ImportResult.from_dict`) all read.

Not here: finding the problems (`core.importing.records`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.importing.reading import ENCODING_NAMES

#: How many row errors an import keeps; past this it only counts them (a person fixes the file
#: from the first few thousand anyway, and a job's result must stay a sensible size).
MAX_ERRORS = 5000


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the spreadsheet row (header is 1; 0 for the whole file), the
    column it is in ("" when it is about the whole row) and what is wrong, in plain words."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import found (dry run) or did (commit)."""

    total_rows: int
    created: int
    updated: int
    errors: list[RowError]
    dry_run: bool
    #: Errors found beyond MAX_ERRORS: counted, not listed.
    more_errors: int = 0
    #: How a CSV file's text was read (UTF8 or WINDOWS_1252); "" for a workbook, or a file
    #: that could not be read as text.
    encoding: str = ""
    #: The other tool whose export was read (core.importing.formats), or "".
    source_format: str = ""

    @property
    def ok(self) -> bool:
        """True when no row had a problem."""
        return not self.errors

    @property
    def error_count(self) -> int:
        """Every error found, listed or not."""
        return len(self.errors) + self.more_errors

    @property
    def encoding_name(self) -> str:
        """The encoding as people know it ("Windows-1252"), or ""."""
        return ENCODING_NAMES.get(self.encoding, "")

    @property
    def bad_rows(self) -> int:
        """How many rows (among the listed errors) have something wrong."""
        return len({e.row for e in self.errors if e.row > 1})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for a job's stored result."""
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        """The inverse of `as_dict`."""
        return cls(
            total_rows=int(data.get("total_rows", 0)),
            created=int(data.get("created", 0)),
            updated=int(data.get("updated", 0)),
            errors=[RowError(**e) for e in data.get("errors", [])],
            dry_run=bool(data.get("dry_run", True)),
            more_errors=int(data.get("more_errors", 0)),
            encoding=str(data.get("encoding") or ""),
            source_format=str(data.get("source_format") or ""),
        )
