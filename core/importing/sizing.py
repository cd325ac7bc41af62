"""How big an import's file is, without reading every row: import it at once, or in the background.

Whether to import a file there and then or in the background is decided while the person
waits for the upload to answer, so it must not read every row: counting a workbook of 100,000
rows with a formula column took 15 seconds, and a 50 MB file would outlast a proxy's timeout.
So an upload is first sized up from its bytes (`estimate_rows`: a CSV file's line ends, a
workbook's recorded size), and only a file that is small by that measure is counted row by row
(which then costs little). `rows_to_import` gives the answer the page and the API decide on.

Not here: the largest file an import takes (`core.importing.files`), reading the rows
(`core.importing.reading`).
"""

from __future__ import annotations

import re
import zipfile
from typing import IO, Any

from core.importing.files import check_file, file_size
from core.importing.reading import count_rows
from core.importing.workbook import first_sheet_path, guarded

#: A file up to this size is always counted row by row: quick, and exact.
QUICK_COUNT_BYTES = 1024 * 1024
#: More XML than this per row of a sheet's recorded size means the record is wrong.
_MAX_ROW_XML_BYTES = 64 * 1024
#: How much of a sheet without a recorded size is read to see how long its rows are.
_SAMPLE_XML_BYTES = 1024 * 1024
_ROW_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
# Bytes read at a time when counting a CSV file's line ends.
_CHUNK_BYTES = 1024 * 1024


def rows_to_import(fileobj: IO[bytes], filename: str, inline_rows: int, model: Any = None) -> int:
    """How many rows of data the file holds, as far as deciding whether to import it at once
    (at most `inline_rows`) or in the background needs to know, without reading every row of
    a large file.

    A file of up to `QUICK_COUNT_BYTES`, or whose estimate is within `inline_rows`, is
    counted row by row as `count_rows` counts it (raising ImportFileError likewise), reading
    no more than `inline_rows` + 1 rows: the answer is exact when it is within `inline_rows`,
    so such a file is imported at once. Any other file is large: the answer
    is the estimate, more than `inline_rows`, and the import counts the rows as it goes.
    Raises ImportFileError for a file `check_file` refuses. A file only a format `model`
    takes reads (a JSON inventory: core.importing.formats) counts the rows it converts to.
    """
    if model is not None:
        from core.importing import formats

        claimed = formats.claimed_extension(model, filename)
        if claimed is not None:
            converted, name = formats.convert(claimed, fileobj, filename, None)
            fileobj.seek(0)
            return count_rows(converted, name)
    extension = check_file(fileobj, filename)
    estimate = estimate_rows(fileobj, extension)
    if estimate > inline_rows and file_size(fileobj) > QUICK_COUNT_BYTES:
        return estimate
    counted = count_rows(fileobj, filename, stop_after=inline_rows + 1)
    fileobj.seek(0)
    return counted if counted <= inline_rows else max(estimate, counted)


def estimate_rows(fileobj: IO[bytes], extension: str) -> int:
    """About how many rows of data (after the header) the file holds, worked out from its
    bytes without reading its cells: a CSV file's line ends, a workbook's recorded size.

    Rarely less than the rows there are: a cell of several lines, a blank row or a formatted
    empty row count too. For a workbook that records no size, or one that cannot be its own
    (a sheet of megabytes "of one row"), it is worked out from the size of the sheet.
    """
    try:
        lines = _csv_lines(fileobj) if extension == ".csv" else _xlsx_rows(fileobj)
    finally:
        fileobj.seek(0)
    return max(lines - 1, 0)


def _csv_lines(fileobj: IO[bytes]) -> int:
    """Lines of a CSV file, ended by LF, CRLF or a lone CR (Excel for Mac's "CSV (Macintosh)").
    Counting bytes is a hundred times quicker than reading the records."""
    fileobj.seek(0)
    lines = 0
    last = b""
    while chunk := fileobj.read(_CHUNK_BYTES):
        lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        if last == b"\r" and chunk[:1] == b"\n":
            lines -= 1  # a CRLF cut in two by the chunk boundary
        last = chunk[-1:]
    if last and last not in b"\r\n":
        lines += 1  # the last line has no line end
    return lines


def _xlsx_rows(fileobj: IO[bytes]) -> int:
    """Rows of a workbook's first worksheet (the one imported), counting the header, from the
    size the sheet records (``<dimension ref="A1:H100001">``), or else from the sheet's size.

    Only the workbook's list of sheets and the start of the sheet are read: openpyxl's
    ``load_workbook`` reads every text of the workbook first (seconds for a large one). A file
    that cannot be read this way counts as 0 rows: it is then read row by row, and refused with
    the reason.
    """
    # The first steps of openpyxl's own reading (load_workbook), without its shared texts.
    from openpyxl.reader.excel import ExcelReader

    fileobj.seek(0)
    try:
        reader = ExcelReader(fileobj, read_only=True, keep_links=False)
    except Exception:
        return 0
    try:
        reader.read_manifest()
        reader.read_workbook()
        target = first_sheet_path(reader)
        if target is None:
            return 0
        xml_bytes = reader.archive.getinfo(target).file_size
        recorded = _recorded_rows(reader.archive, target)
        if recorded is not None and xml_bytes <= (recorded + 1) * _MAX_ROW_XML_BYTES:
            return recorded
        return _rows_from_size(reader.archive, target, xml_bytes)
    except Exception:
        return 0
    finally:
        reader.archive.close()


def _recorded_rows(archive: zipfile.ZipFile, target: str) -> int | None:
    """The last row of the sheet's ``<dimension>``, which comes before its rows; None when
    the sheet has none (openpyxl's write-only mode, some exports leave it out)."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.functions import iterparse

    with archive.open(target) as xml:
        for _event, element in iterparse(guarded(xml), events=("start",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "dimension":
                try:
                    return int(range_boundaries(element.get("ref", ""))[3] or 0)
                except (ValueError, TypeError):
                    return None
            if tag == "sheetData":
                return None  # the rows begin: no dimension
    return None


def _rows_from_size(archive: zipfile.ZipFile, target: str, xml_bytes: int) -> int:
    """Rows of a sheet estimated from its size: the rows in its first megabyte, scaled up."""
    with archive.open(target) as xml:
        sample = xml.read(_SAMPLE_XML_BYTES)
    rows = len(_ROW_ELEMENT.findall(sample))
    if len(sample) >= xml_bytes or not sample:
        return rows  # the whole sheet
    return max(rows, 1) * xml_bytes // len(sample)
