"""Generic import of records from a CSV or XLSX file, for any model that declares import fields.

The parts, each changing for its own reasons:

- `core.importing.limits`: the limits every file is held to (rows, row and column numbers, a
  cell's length, a workbook unzipped), each checked before the work grows with it.
- `core.importing.files`: which files an import takes at all (kind, size, a workbook's zip);
  `ImportFileError`.
- `core.importing.reading`: a file's bytes as rows of cells (CSV encodings and quotes), the
  header first; `core.importing.workbook` reads a workbook's first sheet a cell at a time
  (formulas' saved values); `core.importing.cells` is a cell that cannot be imported.
- `core.importing.sizing`: how many rows a file holds, without reading a large one row by row,
  to decide whether to import it at once or in the background.
- `core.importing.columns`: the columns a model takes, what people call them, matching a header.
- `core.importing.values`: what a cell becomes (natural keys among the records one can see;
  a per-council catalogue's within the row's council).
- `core.importing.states`: a column that is not a plain field but a state the record moves
  through by its app's rule (an asset's lifecycle state), registered by the app.
- `core.importing.owners` and `core.importing.audience`: the councils of a co-owned record
  (``owner_shares``) and of a record for chosen councils (``councils``), read from one cell.
- `core.importing.records`: rows to records: permissions, uniqueness, validation, and the
  all-or-nothing transaction (`import_records`).
- `core.importing.result`: what an import found or did (`ImportResult`, `RowError`).
- `core.importing.batch`, `core.importing.inserts`, `core.importing.texts`,
  `core.importing.making` and `core.importing.collecting`: how it goes fast (rows written in
  bulk with statements built once, the text rule checked a column at a time, new records made
  without ``Model.__init__``, the garbage collector's passes made rare).

The names other modules use are importable from here.
"""

from core.importing.columns import column_label, column_required
from core.importing.files import ImportFileError, check_file
from core.importing.reading import ENCODING_NAMES, count_rows
from core.importing.records import import_records, importable
from core.importing.result import ImportResult, RowError
from core.importing.sizing import estimate_rows, rows_to_import

__all__ = [
    "ENCODING_NAMES",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "check_file",
    "column_label",
    "column_required",
    "count_rows",
    "estimate_rows",
    "import_records",
    "importable",
    "rows_to_import",
]
