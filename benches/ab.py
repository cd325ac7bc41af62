"""Compare the speed of two revisions on a noisy machine: alternate them, round after round.

    python benches/ab.py --base HEAD~3 --url /sites/ --url /api/v1/sites/
    python benches/ab.py --base main --user bench02.lead --rounds 8

On a shared virtual machine the same code runs at speeds that differ by half from one minute
to the next, so two benchmark runs taken minutes apart cannot be compared. This runs the base
revision (checked out in a git worktree under var/bench/) and the working tree alternately,
a batch of requests each per round, in fresh processes, against the benchmark's database
(run `make bench` once first: it fills the database and makes the `bench.*` people), and
prints the median over rounds of each side's p50 and p95, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = ROOT / "var" / "bench" / "bench.sqlite3"


def child(root: str, url: str, username: str, requests: int) -> None:
    """In a fresh process: time `requests` GETs of `url` as `username`, print the samples."""
    sys.path.insert(0, root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    os.environ.setdefault("CONCORD_ENV", "development")  # a development tool, as make bench
    from django.test import Client

    import concord.wsgi  # noqa: F401 - loaded as the web server loads it
    from core.tenancy.models import User
    from core.tenancy.scoping import system_scope

    with system_scope("benchmark people"):
        user = User.objects.get(username=username)
    client = Client()
    client.force_login(user, backend="core.tenancy.auth.ConcordBackend")
    for _ in range(10):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    print(json.dumps(samples))


def worktree(rev: str) -> Path:
    """A checkout of `rev` under var/bench/, made (or moved to `rev`) as needed."""
    sha = subprocess.run(
        ["git", "rev-parse", rev], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    path = ROOT / "var" / "bench" / "ab-base"
    if not path.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-f", str(path), sha],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    else:
        subprocess.run(
            ["git", "checkout", "--detach", "-q", sha], cwd=path, check=True, capture_output=True
        )
    return path


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="revision to compare against")
    parser.add_argument("--url", action="append", help="page or API URL (repeatable)")
    parser.add_argument("--user", default="bench.manager")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=150, help="per round and side")
    parser.add_argument("--database", default=f"sqlite:///{BENCH_DB}")
    parser.add_argument(
        "--child", nargs=4, metavar=("ROOT", "URL", "USER", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        root, url, username, n = args.child
        child(root, url, username, int(n))
        return

    trees = {"base": worktree(args.base), "this": ROOT}
    env = {**os.environ, "DATABASE_URL": args.database, "CONCORD_DEBUG": "0"}
    for url in args.url or ["/sites/"]:
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        str(tree),
                        url,
                        args.user,
                        str(args.requests),
                    ],
                    cwd=tree,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                samples = json.loads(out.stdout.strip().splitlines()[-1])
                figures[name].append((percentile(samples, 0.5), percentile(samples, 0.95)))
        medians = {
            name: (
                statistics.median(p50 for p50, _ in rounds),
                statistics.median(p95 for _, p95 in rounds),
            )
            for name, rounds in figures.items()
        }
        (b50, b95), (t50, t95) = medians["base"], medians["this"]
        print(
            f"{url} as {args.user}: base {args.base} p50 {b50:.2f} p95 {b95:.2f} ms; "
            f"this tree p50 {t50:.2f} p95 {t95:.2f} ms; p50 x{t50 / b50:.2f}, p95 x{t95 / b95:.2f}"
        )
        for name, rounds in figures.items():
            print(f"  {name} p50 by round: {', '.join(f'{p50:.1f}' for p50, _ in rounds)}")


if __name__ == "__main__":
    main()
