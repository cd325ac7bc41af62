"""Benchmark: how long an import takes to refuse each crafted file, and to read a plain one.

    python benches/bench_import_limits.py [--repeat 5]

Writes the crafted files of core/testing/crafted.py (a row numbered 99,999,999,999, a cell at
XFD1048576, zip bombs, a 50 MB cell, 10,000 columns...) into a temporary folder, then times
for each, as the import page and the API meet an upload: the upload's check
(`rows_to_import`, which decides between importing at once and in the background) and the
import's first read of the rows (`count_rows`, which runs before any row is imported). The
slowest of `--repeat` runs is reported, and the process's peak resident memory. A plain
workbook and CSV file of 20,000 rooms are read too, for what reading costs a real file.
No database is needed. Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
os.environ.setdefault("CONCORD_ENV", "development")
os.environ.setdefault("CONCORD_DEBUG", "0")  # measured as production runs

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402

from core.importing import ImportFileError, count_rows, rows_to_import  # noqa: E402
from core.testing.crafted import CRAFTED, HEADER  # noqa: E402


def plain_files(folder: Path, rows: int) -> list[tuple[str, Path]]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    lines = [",".join(HEADER)]
    for i in range(rows):
        row = ["wcc", f"R{i}", f"Room {i}", "Office", f"{i} High Street", "SW1A 1AA", "", "yes"]
        sheet.append(row)
        lines.append(",".join(row))
    xlsx = folder / "plain.xlsx"
    workbook.save(xlsx)
    csv = folder / "plain.csv"
    csv.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return [(f"plain workbook, {rows:,} rows", xlsx), (f"plain CSV file, {rows:,} rows", csv)]


def timed(call, *args, **kwargs) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        outcome = f"{call(*args, **kwargs):,} rows"
    except ImportFileError as exc:
        outcome = "refused: " + exc.message.split(":")[0].split(".")[0]
    return time.perf_counter() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plain-rows", type=int, default=20_000)
    args = parser.parse_args()
    lines = [
        f"Command: `python benches/bench_import_limits.py --repeat {args.repeat}`. Run on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; the slowest of {args.repeat} runs.",
        "",
        "| file | size on disk | upload check s | first read s | outcome |",
        "|---|---:|---:|---:|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [
            (c.name, c.write(folder / f"{i}-{c.filename}")) for i, c in enumerate(CRAFTED)
        ] + plain_files(folder, args.plain_rows)
        for name, path in files:
            check = read = 0.0
            outcome = ""
            for _ in range(args.repeat):
                with open(path, "rb") as f:
                    seconds, _ = timed(rows_to_import, f, path.name, 2000)
                    check = max(check, seconds)
                with open(path, "rb") as f:
                    seconds, outcome = timed(count_rows, f, path.name)
                    read = max(read, seconds)
            size = path.stat().st_size
            shown = (
                f"{size / 1024 / 1024:.1f} MB" if size > 1024 * 1024 else f"{size / 1024:.1f} KB"
            )
            lines.append(f"| {name} | {shown} | {check:.3f} | {read:.3f} | {outcome} |")
            print(lines[-1], file=sys.stderr)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak resident memory of the whole run: {peak:.0f} MB."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
