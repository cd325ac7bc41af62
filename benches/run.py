"""Run every benchmark on SQLite, and on PostgreSQL when one is reachable; write the table.

    make bench                       # SQLite under var/bench/, and PostgreSQL if reachable
    python benches/run.py --rows 100000 --export-rows 20000   # a quicker, smaller run

Each benchmark runs in its own process (so peak memory is its own) and prints JSON; this script
collects the figures and rewrites the results section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


def postgres_url() -> str | None:
    """A PostgreSQL database for the benchmark, created if the server is reachable."""
    base = os.environ.get("CONCORD_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/")
    try:
        import psycopg

        with psycopg.connect(base + "postgres", autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = 'concord_bench'"
            ).fetchone()
            if not exists:
                conn.execute("CREATE DATABASE concord_bench")
    except Exception as exc:
        print(f"PostgreSQL not reachable, skipping it: {exc}", file=sys.stderr)
        return None
    return base + "concord_bench"


def run_one(database_url: str, args: argparse.Namespace) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "CONCORD_DEBUG": "0"}
    cmd = [
        sys.executable,
        str(ROOT / "benches" / "bench_lists.py"),
        "--rows",
        str(args.rows),
        "--partners",
        str(args.partners),
        "--export-rows",
        str(args.export_rows),
        "--repeat",
        str(args.repeat),
    ]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, cwd=ROOT)
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(results: list[dict], args: argparse.Namespace) -> str:
    lines = [
        f"Command: `python benches/run.py --rows {args.rows} --partners {args.partners} "
        f"--export-rows {args.export_rows} --repeat {args.repeat}`"
        " (`make bench` runs the defaults)",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. "
        "The cases take turns, 20 requests each, round after round. CPU check: milliseconds for a "
        "fixed loop of plain Python before and after each database's rounds (lower is a faster "
        "machine at that moment; see the text below the table).",
        "",
        "| database | measurement | Concord p50 ms | Concord p95 ms | raw SQL p95 ms | "
        "target p95 ms | met | CPU check ms |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for result in results:
        for m in result["lists"]:
            target = min(50.0, 3 * m["raw_p95_ms"] + 10)
            met = "yes" if m["p95_ms"] <= target else "**no**"
            lines.append(
                f"| {result['database']} | {m['name']} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | "
                f"{m['raw_p95_ms']:.2f} | {target:.1f} | {met} | {m.get('cpu_check_ms', 0):.1f} |"
            )
    lines += [
        "",
        "| database | partner export | rows | seconds | raw SQL seconds | peak RSS MB | "
        "RSS before export MB | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for result in results:
        e = result["export"]
        met = "yes" if e["peak_rss_mb"] < 200 else "**no**"
        lines.append(
            f"| {result['database']} | zip (JSON Lines + CSV + change log) | {e['rows']} | "
            f"{e['seconds']:.1f} | {e['raw_seconds']:.1f} | {e['peak_rss_mb']:.0f} | "
            f"{e['baseline_rss_mb']:.0f} | < 200 MB | {met} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=30)
    parser.add_argument("--export-rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, don't touch the docs")
    args = parser.parse_args()

    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    targets = [("SQLite", f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}")]
    pg = None if args.sqlite_only else postgres_url()
    if pg:
        targets.append(("PostgreSQL", pg))
    results = []
    for name, url in targets:
        print(f"== {name}", file=sys.stderr)
        result = run_one(url, args)
        result["database"] = name
        results.append(result)
    text = table(results, args)
    print(text)
    if not args.no_write:
        doc = DOC.read_text()
        if START in doc and END in doc:
            head, rest = doc.split(START, 1)
            _, tail = rest.split(END, 1)
            DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}")
        else:
            DOC.write_text(f"{doc.rstrip()}\n\n{START}\n{text}\n{END}\n")


if __name__ == "__main__":
    main()
