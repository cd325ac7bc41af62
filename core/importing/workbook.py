"""Reading an Excel workbook's first sheet a cell at a time, within the import's limits.

openpyxl's read-only worksheet builds each row whole and fills the gaps: a row numbered
99,999,999,999 makes it yield every empty row before it (days of work), a cell at column
16,384 makes every row 16,384 cells long, a row of a million cells is gathered whole before
the first is looked at, and opening a workbook reads every sheet without a recorded size to
the end. So the sheet's XML is read here, with openpyxl's own parser of one cell (shared texts,
dates, inline text, formulas) and nothing of its worksheet:

- only the parts needed are read: the list of sheets, the shared texts, the styles (for dates),
  and the first worksheet, as it streams out of the zip (`core.importing.files` has already
  refused a zip that unzips to too much);
- each row's number is checked as the row starts, each cell's column as the cell ends, and each
  cell (and shared text) may be made of only so many elements; every element is dropped once
  read, so memory stays flat however long the sheet or its rows;
- text between two tags is measured as the bytes arrive, so a cell of 50 MB is refused before
  it is gathered into memory;
- rows come out as they are in the file, numbered as the file numbers them, with no gaps
  filled in (a blank row is simply not there), and the reading stops where the sheet's data
  ends.

A formula's value is the result saved with it, as Excel shows it; a formula with no saved
value, and a cell showing an error, become an `UnusableCell` saying why.

Not here: which files an import takes (`core.importing.files`), the limits and their words
(`core.importing.limits`), CSV files and numbering the rows (`core.importing.reading`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import IO, Any, cast
from xml.etree.ElementTree import iterparse

from core.importing import limits
from core.importing.cells import UnusableCell, within_length
from core.importing.files import ImportFileError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW = f"{_MAIN}row"
_CELL = f"{_MAIN}c"
_FORMULA = f"{_MAIN}f"
_SHEET_DATA = f"{_MAIN}sheetData"
_SHARED_TEXT = f"{_MAIN}si"
_DOCTYPE = b"<!DOCTYPE"

_DAMAGED = (
    "This Excel workbook cannot be read: it may be damaged or protected with a password. "
    "Save it again from Excel as an Excel workbook (.xlsx)."
)
_DAMAGED_LATER = (
    "This Excel workbook cannot be read to the end: it may be damaged. Save it again from "
    "Excel as an Excel workbook (.xlsx)."
)


class _TextGuard:
    """A part of the zip as the XML parser reads it, refusing a run of text between two tags
    longer than `limits.MAX_XML_TEXT_BYTES` as soon as its bytes arrive, and a document type
    declaration (no spreadsheet writes one; its entities could make a little XML into a lot of
    text, which this measure would not see)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._run = 0  # bytes since the last "<"
        self._tail = b""  # the end of the last chunk, for a declaration cut in two

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if _DOCTYPE in self._tail + chunk[: len(_DOCTYPE)] or _DOCTYPE in chunk:
            raise ImportFileError(
                "This workbook's XML declares a document type, which no spreadsheet writes. "
                "Save it again from Excel as an Excel workbook (.xlsx)."
            )
        self._tail = chunk[-len(_DOCTYPE) :]
        last = chunk.rfind(b"<")
        if last < 0:
            self._run += len(chunk)
        else:
            first = chunk.find(b"<")
            longest = max(len(piece) for piece in chunk.split(b"<")) if len(chunk) > 4096 else 0
            if self._run + first > limits.MAX_XML_TEXT_BYTES or longest > (
                limits.MAX_XML_TEXT_BYTES
            ):
                self._run = limits.MAX_XML_TEXT_BYTES + 1
            else:
                self._run = len(chunk) - last - 1
        if self._run > limits.MAX_XML_TEXT_BYTES:
            raise ImportFileError(
                "This workbook has a cell longer than a spreadsheet cell can hold "
                f"({limits.MAX_CELL_CHARS:,} characters). Shorten it, or save the file as "
                "CSV UTF-8."
            )
        return chunk


def guarded(source: IO[bytes]) -> Any:
    """A part of a workbook's zip for an XML parser, with the guard against a document type
    and over-long text (`_TextGuard`); for readers of a sheet outside this module."""
    return _TextGuard(source)


def _too_much_in_one_cell() -> ImportFileError:
    return ImportFileError(
        f"This workbook has a cell made of more than {limits.MAX_CELL_ELEMENTS:,} pieces of "
        "formatted text. Save the data in a new workbook, or as CSV UTF-8."
    )


def first_sheet_path(reader: Any) -> str | None:
    """The zip path of the workbook's first worksheet (the one imported), or None; `reader` is
    an openpyxl ExcelReader whose workbook has been read."""
    return next(
        (
            rel.target
            for _sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ),
        None,
    )


def _shared_texts(reader: Any) -> list[Any]:
    """The workbook's shared texts, as openpyxl reads them, each element dropped once read."""
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHARED_STRINGS

    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return []
    texts: list[Any] = []
    stack: list[Any] = []
    pieces = 0
    with reader.archive.open(part.PartName[1:]) as source:
        # The guard refuses a document type (entities) and over-long text as they arrive.
        guarded = _TextGuard(source)
        for event, element in iterparse(guarded, events=("start", "end")):  # noqa: S314
            if event == "start":
                stack.append(element)
                pieces += 1
                if pieces > limits.MAX_CELL_ELEMENTS:
                    raise _too_much_in_one_cell()
                continue
            stack.pop()
            if element.tag == _SHARED_TEXT:
                text: Any = Text.from_tree(cast(Any, element))
                texts.append(text.content.replace("x005F_", ""))
                pieces = 0
                if stack:
                    stack[-1].remove(element)
    return texts


class _Sheet:
    """The open workbook: its first sheet's path and what reading its cells needs."""

    def __init__(self, fileobj: IO[bytes]) -> None:
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet
        from openpyxl.worksheet._reader import WorkSheetParser

        fileobj.seek(0)
        self.reader = ExcelReader(fileobj, read_only=True, keep_links=False, data_only=True)
        try:
            self.reader.read_manifest()
            shared = _shared_texts(self.reader)
            self.reader.read_workbook()
            workbook: Any = self.reader.wb
            apply_stylesheet(self.reader.archive, workbook)
            self.path = first_sheet_path(self.reader)
            options = {
                "epoch": workbook.epoch,
                "date_formats": workbook._date_formats,
                "timedelta_formats": workbook._timedelta_formats,
            }
            # Parsers of one cell at a time: they read no source of their own.
            nothing: Any = None
            self.values = WorkSheetParser(nothing, shared, data_only=True, **options)
            self.formulas = WorkSheetParser(nothing, shared, data_only=False, **options)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.reader.archive.close()


def _formula_text(formula: Any) -> str:
    text = str(getattr(formula, "text", formula) or "")  # an array formula keeps it in .text
    return text if len(text) <= 60 else text[:57] + "..."


def _cell_value(sheet: _Sheet, element: Any) -> Any:
    """What to import for one cell: its value, or an UnusableCell saying why there is none."""
    parsed = sheet.values.parse_cell(element)
    value, data_type = parsed["value"], parsed["data_type"]
    formula = element.find(_FORMULA)
    if formula is not None and formula.get("t") == "shared" and formula.text:
        sheet.formulas.parse_formula(element)  # remembered for the cells that share it
    if data_type == "e":
        # #N/A, #REF!...: what the formula gave (or what was typed) is an error, not data.
        return UnusableCell(f"This cell shows the error {value}: correct it in the file first.")
    if value is not None or formula is None:
        return within_length(value)
    if data_type == "str":
        return ""  # Excel saved the formula's result, and it is empty text
    return UnusableCell(
        f"This cell is a formula ({_formula_text(sheet.formulas.parse_formula(element))}) "
        "with no saved value; type the value itself, or open and save the file in Excel first."
    )


def _row_number(element: Any, previous: int) -> int:
    text = element.get("r")
    if text is None:
        number = previous + 1
    else:
        try:
            number = int(text)
        except ValueError:
            raise ImportFileError(_DAMAGED_LATER) from None
    if number < 1:
        raise ImportFileError(_DAMAGED_LATER)
    if number > limits.MAX_ROW_NUMBER:
        raise ImportFileError(limits.row_number_too_big(number), row=number)
    return number


def _rows(sheet: _Sheet, source: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl.utils.cell import coordinate_to_tuple

    values = sheet.values
    stack: list[Any] = []
    number = 0
    cells: dict[int, Any] = {}
    cell_depth = 0  # where in `stack` the cell being read is (0: not in a cell)
    pieces = 0
    # The guard refuses a document type (entities) and over-long text as they arrive.
    guarded = _TextGuard(source)
    for event, element in iterparse(guarded, events=("start", "end")):  # noqa: S314
        if event == "start":
            stack.append(element)
            if cell_depth:
                pieces += 1
                if pieces > limits.MAX_CELL_ELEMENTS:
                    raise _too_much_in_one_cell()
            elif element.tag == _CELL:
                cell_depth, pieces = len(stack), 0
            elif element.tag == _ROW:
                number = _row_number(element, number)
                values.row_counter, values.col_counter = number, 0
                cells = {}
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        if element.tag == _CELL and len(stack) + 1 == cell_depth:
            cell_depth = 0
            if len(element):
                value = _cell_value(sheet, element)
            else:  # no value, formula or text in it (formatting only): just where it is
                value = None
                reference = element.get("r")
                values.col_counter = (
                    coordinate_to_tuple(reference)[1] if reference else values.col_counter + 1
                )
            column = values.col_counter
            if column <= limits.MAX_COLUMNS:
                if value is not None:
                    cells[column] = value
            elif column > limits.MAX_SHEET_COLUMN:
                raise ImportFileError(limits.column_number_too_big(number, column), row=number)
            elif value is not None and not (isinstance(value, str) and not value.strip()):
                raise ImportFileError(limits.too_many_columns(number, column), row=number)
        elif cell_depth:
            continue  # a part of the cell: read with it
        elif element.tag == _ROW:
            if cells:
                yield number, [cells.get(i) for i in range(1, max(cells) + 1)]
        elif element.tag == _SHEET_DATA:
            return  # nothing after the data is needed
        if parent is not None:
            parent.remove(element)  # read: dropped, so memory stays flat


def xlsx_records(fileobj: IO[bytes]) -> Generator[tuple[int, list[Any]]]:
    """The first worksheet's rows that have something in them, as (row number, cell values),
    in the order of the file; a row's cells run from column A to its last cell with a value.
    Raises ImportFileError for a workbook that cannot be read or goes past a limit."""
    try:
        sheet = _Sheet(fileobj)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a bad file; none is a 500
        raise ImportFileError(_DAMAGED) from exc
    try:
        if sheet.path is None:
            return
        with sheet.reader.archive.open(sheet.path) as source:
            yield from _rows(sheet, source)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(_DAMAGED_LATER) from exc
    finally:
        sheet.close()
