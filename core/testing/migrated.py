"""A database file migrated once a test run, for the tests that run Concord in a subprocess on
a SQLite file of their own (`concord serve`, in development and in production).

`migrate` on an empty database takes half a minute to a minute of one core: Django replays
every migration's changes to its picture of the models. Each such test used to run it; now the
first test of the run that asks for `migrated_sqlite` runs it (in a subprocess, under
concord.settings, as those tests' servers run) and every test copies the file. The test
workers of one run (pytest-xdist) share it through the run's temporary folder, one at a time
(a lock), so that two workers never migrate at once.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def fresh_env() -> dict[str, str]:
    """This process's environment without its Concord, Django, pytest and database settings:
    what every Concord subprocess of the tests starts from, before it says its own."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONCORD_", "DJANGO_", "PYTEST")) and k != "DATABASE_URL"
    }


def development_env(folder: Path) -> dict[str, str]:
    """The environment of a Concord subprocess in development mode, on the SQLite file
    ``concord.sqlite3`` in `folder` (its var folder), none of this process's settings kept."""
    env = fresh_env()
    env.update(
        CONCORD_ENV="development",
        CONCORD_VAR_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'concord.sqlite3'}",
    )
    return env


def run_python(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """This interpreter run with `args` in the checkout, in `env`, its output captured."""
    return subprocess.run(  # noqa: S603 - this interpreter, in this checkout
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _migrate(folder: Path) -> None:
    env = development_env(folder)
    done = subprocess.run(  # noqa: S603 - this checkout's manage.py
        [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--no-input", "-v0"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _copy(source: Path, target: Path) -> None:
    """SQLite's own copy of a whole database, whatever its write-ahead log still holds."""
    reading, writing = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        reading.close()
        writing.close()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: Any) -> Callable[[Path], Path]:
    """A function that writes a migrated copy of the run's database file to a path."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, which every worker's folder is in
    original = root / "migrated-concord.sqlite3"

    def copy_to(path: Path) -> Path:
        with (root / "migrated-concord.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not original.exists():
                work = root / "migrated-concord-work"
                work.mkdir(exist_ok=True)
                _migrate(work)
                _copy(work / "concord.sqlite3", original)
        _copy(original, path)
        return path

    return copy_to
