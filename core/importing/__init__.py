"""Generic import of records from a CSV or XLSX file, for any model that declares import fields."""

from core.importing.records import (
    ENCODING_NAMES,
    ImportFileError,
    ImportResult,
    RowError,
    check_file,
    column_label,
    column_required,
    count_rows,
    estimate_rows,
    import_records,
    importable,
    rows_to_import,
)

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
