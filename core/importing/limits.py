"""The limits an import's file is held to, whatever its format, and the words that refuse it.

Each limit is checked before the work grows with what it limits: the file's size before it is
read; a workbook's unzipped size and number of parts from its zip's directory before a part is
unzipped; a row's number, a cell's column and a cell's length as each is read, before a row
is built from them; the rows of data as they are counted (`core.importing.reading` counts a
file's rows before the import reads any of them). So a file made to be slow (a row numbered
99,999,999,999, a cell at XFD1048576, a sheet that unzips to gigabytes, a 50 MB cell, 10,000
columns) is refused within a second, in little memory (`core/tests/test_import_limits.py`;
figures in docs/performance.md).

Two limits are settings, as what a partnership imports may grow: `CONCORD_IMPORT_MAX_ROWS`
(rows of data) and `CONCORD_IMPORT_MAX_UNCOMPRESSED_BYTES` (a workbook unzipped); the file's
own size is `CONCORD_IMPORT_MAX_BYTES` (`core.importing.files`). The rest are a spreadsheet's
own limits, which no file a spreadsheet wrote goes past.

Not here: applying them (`core.importing.files` for the file and its zip,
`core.importing.reading` for CSV rows, `core.importing.workbook` for a workbook's sheet).
"""

from __future__ import annotations

from django.conf import settings

#: The most columns a file may use: A to IV, as many as the old .xls format had.
MAX_COLUMNS = 256
#: The last column a spreadsheet has (XFD, Excel's own limit): a cell beyond it, even an empty
#: one, means the file was not written by a spreadsheet.
MAX_SHEET_COLUMN = 16_384
#: The last row a spreadsheet has (Excel's own limit): no row is numbered beyond it.
MAX_ROW_NUMBER = 1_048_576
#: The most characters a cell may hold (Excel's own limit).
MAX_CELL_CHARS = 32_767
#: The most characters one CSV record may hold, over however many lines it runs.
MAX_RECORD_CHARS = 1_048_576
#: The most parts (zip members) a workbook may have; a workbook of data has a few dozen.
MAX_ZIP_PARTS = 1_000
#: The most a workbook's parts read whole (its list of sheets, shared texts, styles) may hold
#: together, unzipped. The sheet itself is read a row at a time, so only its total is limited.
MAX_WHOLE_PARTS_BYTES = 20 * 1024 * 1024
#: The most bytes of text between two tags of a workbook's XML: the longest cell a spreadsheet
#: holds, every character written as an entity (&#x1F600;). Longer text is refused as it is
#: read, before it is gathered into memory.
MAX_XML_TEXT_BYTES = MAX_CELL_CHARS * 10
#: The most XML elements one cell (or one shared text) may be made of: rich text runs and
#: their formatting. A cell of a million runs would be gathered whole before it could be read.
MAX_CELL_ELEMENTS = 10_000


def max_rows() -> int:
    """The most rows of data (after the header, not counting blank rows) a file may hold."""
    return int(settings.CONCORD_IMPORT_MAX_ROWS)


def max_uncompressed_bytes() -> int:
    """The most bytes a workbook's parts may hold together, unzipped."""
    return int(settings.CONCORD_IMPORT_MAX_UNCOMPRESSED_BYTES)


def column_letters(number: int) -> str:
    """A column's letters as a spreadsheet shows them: 1 is A, 27 is AA, 16,384 is XFD."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# What a person is told ------------------------------------------------------------------------


def too_many_rows(row: int) -> str:
    limit = max_rows()
    return (
        f"The file has more than {limit:,} rows of data (row {row:,} is one too many): an "
        f"import takes at most {limit:,}. Split it into smaller files."
    )


def row_number_too_big(row: int) -> str:
    return (
        f"The file has a row numbered {row:,}, past the last row a spreadsheet has "
        f"({MAX_ROW_NUMBER:,}, blank rows included). Delete the blank rows, or split the file; "
        "if a spreadsheet did not write it, open it in Excel and save it again."
    )


def too_many_columns(row: int, column: int) -> str:
    return (
        f"Row {row:,} has a value in column {column_letters(column)} (column {column:,}): an "
        f"import reads at most {MAX_COLUMNS} columns (A to {column_letters(MAX_COLUMNS)}). "
        "Delete what is beyond the columns of your data."
    )


def column_number_too_big(row: int, column: int) -> str:
    return (
        f"Row {row:,} has a cell in column {column:,}, past the last column a spreadsheet has "
        f"({column_letters(MAX_SHEET_COLUMN)}, column {MAX_SHEET_COLUMN:,}). Open the file in "
        "Excel and save it again, or save it as CSV UTF-8."
    )


def cell_too_long(length: int) -> str:
    return (
        f"This cell holds {length:,} characters: a cell may hold at most {MAX_CELL_CHARS:,}, "
        "as in a spreadsheet."
    )


def size_text(size: int) -> str:
    """A size in whole megabytes, rounded up ("201 MB"), or kilobytes below one."""
    if size < 1024 * 1024:
        return f"{-(-size // 1024):,} KB"
    return f"{-(-size // (1024 * 1024)):,} MB"
