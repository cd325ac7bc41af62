"""Load test: the production server under 50 concurrent API users for 2 minutes, on loopback.

    python benches/load.py                      # PostgreSQL database concord_load, 1,000,000 sites
    python benches/load.py --rows 100000 --users 20 --minutes 1   # smaller, quicker

What it does, in order:

1. fills a PostgreSQL database (``concord_load`` on the server of CONCORD_BENCH_POSTGRES,
   default ``postgres://postgres@127.0.0.1:5432/``) with the benchmark's data
   (benches/bench_lists.py: a million sites across 30 councils), and gives the benchmark's
   people (a shared-service manager, four councils' leads) API tokens;
2. starts the production server, `concord serve --production` (gunicorn, its default workers
   and threads for the machine), in production mode on 127.0.0.1;
3. runs locust headless (benches/locustfile.py): `--users` users arriving 10 a second, each
   listing, searching, reading and updating sites (with If-Match), for `--minutes`;
4. stops the server and checks that nothing was lost: every update the server answered 200 is
   in the database (the sites' versions went up by exactly the number of updates answered);
5. writes the figures (requests, errors, p50/p95/p99 per kind of request) between the load
   markers of docs/performance.md, and fails if there was any error or lost update.

A development tool: not run by CI (it takes minutes and loads the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
START = "<!-- load:start -->"
END = "<!-- load:end -->"
#: The people the simulated users sign in as (username, service role, council of a lead).
PEOPLE = [
    ("bench.manager", "manager", ""),
    ("bench01.lead", "", "bench01"),
    ("bench02.lead", "", "bench02"),
    ("bench03.lead", "", "bench03"),
    ("bench04.lead", "", "bench04"),
]
SITES_PER_PERSON = 2000

PREPARE = """
import json, sys
sys.path.insert(0, "benches")
import bench_lists
from django.core.management import call_command
from django.db.models import Sum
from rest_framework.authtoken.models import Token
from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from estate.models import Site

rows, partners, export_rows, people, per_person = json.loads(sys.argv[1])
call_command("migrate", verbosity=0)
made, _ = bench_lists.fill(rows, partners, export_rows)
plan = {"people": [], "sites": {}}
taken = set()
with system_scope("load test people"):
    for username, role, code in people:
        partner = Partner.objects.get(code=code) if code else None
        user = bench_lists.person(username, role, partner)
        token = Token.objects.get_or_create(user=user)[0].key
        plan["people"].append({"username": username, "token": token})
        sites = Site.objects.filter(partner__code__startswith="bench")
        if partner is not None:
            sites = sites.filter(partner=partner)
        # Spread over the table, and never a site another person updates.
        ids = list(sites.order_by("pk").values_list("pk", flat=True))
        step = max(1, len(ids) // (2 * per_person))
        mine = [pk for pk in ids[len(plan["sites"])::step] if pk not in taken][:per_person]
        taken.update(mine)
        plan["sites"][username] = mine
    bench = Site.objects.filter(partner__code__startswith="bench")
    plan["versions"] = bench.aggregate(v=Sum("version"))["v"]
print(json.dumps(plan))
"""

VERSIONS = """
import json
from core.tenancy.scoping import system_scope
from django.db.models import Sum
from estate.models import Site
with system_scope("load test check"):
    print(json.dumps(Site.objects.filter(partner__code__startswith="bench").aggregate(v=Sum("version"))["v"]))
"""


def postgres_url(name: str) -> str:
    base = os.environ.get("CONCORD_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/")
    import psycopg

    with psycopg.connect(base + "postgres", autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return base + name


def django_python(env: dict[str, str], code: str, *args: str) -> str:
    script = "import django; django.setup()\n" + code
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        sys.exit(done.stdout + done.stderr)
    sys.stderr.write(done.stderr)
    return done.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"The server stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    sys.exit(f"The server did not start:\n{log.read_text()}")


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def percentile(response_times: dict[str, int], q: float) -> int:
    """The q-th percentile (0..1) of locust's response times, kept as {ms: count}."""
    ordered = sorted((float(ms), count) for ms, count in response_times.items())
    total = sum(count for _, count in ordered)
    if not total:
        return 0
    wanted, seen = q * total, 0
    for ms, count in ordered:
        seen += count
        if seen >= wanted:
            return round(ms)
    return round(ordered[-1][0])


def read_stats(path: Path) -> list[dict[str, Any]]:
    """Each kind of request's figures, and all of them together, from locust's final JSON."""
    entries = json.loads(path.read_text())
    rows = []
    together: dict[str, int] = {}
    for entry in sorted(entries, key=lambda e: (e["name"], e["method"])):
        times = entry["response_times"]
        for ms, count in times.items():
            together[ms] = together.get(ms, 0) + count
        seconds = max(entry["last_request_timestamp"] - entry["start_time"], 1e-9)
        rows.append(row(f"{entry['method']} {entry['name']}", entry, times, seconds))
    total = {
        "num_requests": sum(e["num_requests"] for e in entries),
        "num_failures": sum(e["num_failures"] for e in entries),
    }
    span = max(e["last_request_timestamp"] for e in entries) - min(e["start_time"] for e in entries)
    rows.append(row("**all**", total, together, max(span, 1e-9)))
    return rows


def row(name: str, entry: dict[str, Any], times: dict[str, int], seconds: float) -> dict[str, Any]:
    return {
        "name": name,
        "requests": entry["num_requests"],
        "errors": entry["num_failures"],
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
        "per_second": entry["num_requests"] / seconds,
    }


def table(rows: list[dict[str, Any]], args: argparse.Namespace, facts: dict[str, str]) -> str:
    lines = [
        f"Command: `python benches/load.py --rows {args.rows} --users {args.users} "
        f"--minutes {args.minutes:g}`",
        "",
        f"Run on {facts['when']} UTC, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL, {facts['server']}. Machine load average "
        f"(1 / 5 / 15 min) before: {facts['load_before']}; after: {facts['load_after']} (the "
        "machine is shared: other work ran beside the test).",
        "",
        "| request | requests | errors | p50 ms | p95 ms | p99 ms | per second |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['requests']} | {r['errors']} | {r['p50']} | {r['p95']} | "
            f"{r['p99']} | {r['per_second']:.1f} |"
        )
    lines += [
        "",
        f"Updates answered 200: {facts['updates']}; versions gained in the database: "
        f"{facts['gained']} ({'none lost' if facts['updates'] == facts['gained'] else 'LOST'}).",
    ]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    doc = DOC.read_text()
    if START not in doc:
        doc += f"\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=30)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--database", default="concord_load")
    parser.add_argument("--no-doc", action="store_true", help="Print the table only.")
    args = parser.parse_args()

    database_url = postgres_url(args.database)
    work = Path(tempfile.mkdtemp(prefix="concord-load-"))
    base_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CONCORD_", "DJANGO_", "PYTEST"))
    }
    prepare_env = {
        **base_env,
        "CONCORD_ENV": "development",
        "DJANGO_SETTINGS_MODULE": "concord.settings",
        "DATABASE_URL": database_url,
        "CONCORD_VAR_DIR": str(work),
    }
    print(f"preparing {args.rows} sites in {args.database}...", file=sys.stderr)
    people = json.dumps(
        [args.rows, args.partners, min(200_000, args.rows // 5), PEOPLE, SITES_PER_PERSON]
    )
    plan = json.loads(django_python(prepare_env, PREPARE, people))
    plan["users_per_person"] = max(1, -(-args.users // len(PEOPLE)))
    plan_file = work / "plan.json"
    plan_file.write_text(json.dumps(plan))
    versions_before = plan.pop("versions")

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server_env = {
        **base_env,  # no CONCORD_ENV: production
        "CONCORD_SECRET_KEY": secrets.token_urlsafe(60),
        "CONCORD_ALLOWED_HOSTS": "127.0.0.1",
        "CONCORD_PROXY_HTTPS_HEADER": "X-Forwarded-Proto",
        "DATABASE_URL": database_url,
        "CONCORD_VAR_DIR": str(work),
    }
    log = work / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "concord.cli", "serve", "--production", "--bind",
             f"127.0.0.1:{port}"],
            cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_up(url, server, log)
        started = next(
            (line for line in log.read_text().splitlines() if "Concord (production)" in line), ""
        )
        facts = {
            "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
            "server": started.split(": ", 1)[-1].split(". ")[0] or "gunicorn",
            "load_before": load_average(),
        }
        print(f"server up at {url} ({facts['server']}); load {facts['load_before']}")
        stats = work / "stats.json"  # locust adds ".json" to the name it is given
        locust_command = [
            str(Path(sys.executable).parent / "locust"),
            *("-f", str(ROOT / "benches" / "locustfile.py"), "--headless"),
            *("--users", str(args.users), "--spawn-rate", "10"),
            *("--run-time", f"{int(args.minutes * 60)}s", "--host", url),
            *("--json-file", str(stats.with_suffix("")), "--only-summary", "--stop-timeout", "10"),
            *("--exit-code-on-error", "0"),
        ]
        locust = subprocess.run(
            locust_command,
            cwd=ROOT,
            env={**base_env, "CONCORD_LOAD_PLAN": str(plan_file)},
            check=False,
        )
        facts["load_after"] = load_average()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
    if locust.returncode:
        sys.exit(f"locust failed ({locust.returncode})")
    rows = read_stats(stats)
    versions_after = json.loads(django_python(prepare_env, VERSIONS))
    updates = sum(
        r["requests"] - r["errors"] for r in rows if r["name"] == "PATCH update site (If-Match)"
    )
    facts["updates"] = str(updates)
    facts["gained"] = str(versions_after - versions_before)
    answered_5xx = re.compile(r'HTTP/[0-9.]+" 5[0-9][0-9] ')
    server_errors = sum(bool(answered_5xx.search(line)) for line in log.read_text().splitlines())
    text = table(rows, args, facts)
    print(text)
    print(f"server log: {log} ({server_errors} lines with a 5xx)")
    if not args.no_doc:
        write_doc(text)
    errors = rows[-1]["errors"]
    if errors or facts["updates"] != facts["gained"]:
        sys.exit(f"{errors} errors; updates {facts['updates']}, versions gained {facts['gained']}")


if __name__ == "__main__":
    main()
