"""`concord serve`: the development web server, or with --production, gunicorn.

Development (the default): Django's runserver with the address to open, reloading on changes.

Production (``--production``): gunicorn runs the WSGI application with the project's server
settings (core/gunicorn_conf.py: threaded workers for the machine's cores, access log on
standard output, timeouts). Before it starts, the command

- refuses unless Concord is in production mode (a development setting under a production
  server would serve debug pages and the built-in key);
- runs the system checks with the deployment ones, so a protection switched off is reported at
  every start (core/checks.py) and an error stops it;
- refuses a database that is behind the code (``concord migrate`` first): every request would
  fail otherwise;
- collects the static files (``collectstatic``), so the files WhiteNoise serves and their
  manifest always match the code being started, after an upgrade too; with
  ``--no-collectstatic`` (files collected when the release was built) it refuses to start
  without the manifest, since every page would fail without it.

Background jobs: in development the command starts a job worker (`concord worker`) as a
subprocess beside the server and stops it with the server (``--no-worker`` leaves it out), so
that the demo's exports and imports run, and a ticker (`concord tick --every 300`) that queues the
apps' periodic jobs every five minutes, so that SLA warnings and closing resolved tickets happen
in the demo too; with the autoreloader they run beside the reloaded server process, so they
restart with the code. In production the web server runs no jobs:
`concord worker` runs beside it, as its own service (docs/deployment.md), so that it is
restarted, scaled and logged on its own.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from argparse import ArgumentTypeError
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from gunicorn.app.base import BaseApplication
from gunicorn.config import Config

from core import gunicorn_conf
from core.prompt_server import PromptWSGIServer
from core.workers import jobs_need_a_worker

#: Seconds between two ticks of the periodic jobs beside the development server.
TICK_SECONDS = 300
#: Seconds a worker is given to finish its job and stop when the development server stops.
WORKER_STOP_SECONDS = 10

DEFAULT_ADDR = "127.0.0.1"
DEFAULT_PORT = "8000"

# The forms runserver accepts: "8000", "host:8000", "1.2.3.4:8000", "[::1]:8000".
_ADDRPORT = re.compile(r"^(?:(?P<addr>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):)?(?P<port>[0-9]+)$")


def url_for(addrport: str) -> str:
    """The URL a person opens for `addrport` (an address bound to all interfaces reads local)."""
    match = _ADDRPORT.match(addrport)
    if match is None:
        raise CommandError(
            f"“{addrport}” is not an address and port: use e.g. 8000 or 127.0.0.1:8000."
        )
    addr = match["addr"] or DEFAULT_ADDR
    if addr in ("0", "0.0.0.0", "[::]"):  # noqa: S104 - recognising it, not binding to it
        addr = DEFAULT_ADDR
    return f"http://{addr}:{match['port']}/"


def positive(value: str) -> int:
    """An argument that must be a whole number of at least one."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ArgumentTypeError(f"“{value}” is not a whole number of at least 1.")
    return number


def gunicorn_options(
    bind: list[str] | None = None, workers: int | None = None, threads: int | None = None
) -> dict[str, Any]:
    """Concord's gunicorn settings (core/gunicorn_conf.py, shared with anyone running gunicorn
    themselves), with the command's overrides: what `concord serve --production` runs with."""
    known = Config().settings
    options = {name: value for name, value in vars(gunicorn_conf).items() if name in known}
    if bind:
        options["bind"] = bind
    if workers is not None:
        options["workers"] = workers
    if threads is not None:
        options["threads"] = threads
    return options


def unapplied_migrations() -> list[str]:
    """The migrations the database has not had yet, as ``app.name``."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def manifest_missing() -> bool:
    """Whether the static files' manifest (written by collectstatic) is absent."""
    manifest: str | None = getattr(staticfiles_storage, "manifest_name", None)
    return manifest is not None and not staticfiles_storage.exists(manifest)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """Linux: the worker gets SIGTERM if the server process dies without stopping it (a
    SIGKILL), instead of running on unseen."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: S110 - not Linux: the worker is stopped by the server only
        pass


def worker_command() -> list[str]:
    """`concord worker` in a new Python process, with this one's settings (inherited from the
    environment); no reloader of its own, since the server's restarts it."""
    return [sys.executable, "-m", "concord.cli", "worker", "--no-reload", "--no-startup-delay"]


def ticker_command() -> list[str]:
    """`concord tick --every` in a new Python process: the periodic jobs queued on a timetable
    while the development server runs (production has a timer: docs/deployment.md)."""
    return [sys.executable, "-m", "concord.cli", "tick", "--every", str(TICK_SECONDS)]


@contextmanager
def worker_beside(stdout: Any) -> Iterator[subprocess.Popen[bytes] | None]:
    """A job worker subprocess for as long as the block runs (none when jobs run inside the
    request): stopped as Ctrl-C stops a worker, given `WORKER_STOP_SECONDS` to finish its job,
    then killed (the next worker marks a job it was cut off in failed: core.workers)."""
    if not jobs_need_a_worker():
        yield None
        return
    linux = sys.platform.startswith("linux")
    worker = subprocess.Popen(worker_command(), preexec_fn=_die_with_parent if linux else None)  # noqa: S603
    stdout.write(f"Background jobs: a job worker runs beside the server (pid {worker.pid}).")
    ticker = subprocess.Popen(ticker_command(), preexec_fn=_die_with_parent if linux else None)  # noqa: S603
    stdout.write(
        f"Periodic jobs (SLA watch, closing resolved tickets...) are queued every "
        f"{TICK_SECONDS // 60} minutes (pid {ticker.pid})."
    )
    try:
        yield worker
    finally:
        for process in (ticker, worker):
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started beside the server, as Ctrl-C stops it, or kill it."""
    if process.poll() is None:
        try:  # Ctrl-C reached it too (one process group): let it stop by itself
            process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Command(BaseCommand):
    """Run Django's development server, or gunicorn in production (``--production``)."""

    help = (
        "Run the development web server (default 127.0.0.1:8000), or with --production the "
        "production server (gunicorn; --bind, --workers, --threads). The development server "
        "starts a job worker beside it (--no-worker leaves it out); the production server "
        "needs `concord worker` running beside it."
    )
    # runserver checks the project itself, and --production checks it before gunicorn starts;
    # checking here too would do it twice.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            help="Development: port, or address:port, to listen on (default 127.0.0.1:8000).",
        )
        parser.add_argument("--ipv6", "-6", action="store_true", help="Listen on IPv6.")
        parser.add_argument(
            "--nothreading", action="store_true", help="Serve one request at a time."
        )
        parser.add_argument(
            "--noreload", action="store_true", help="Do not restart when the code changes."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Development: start no job worker beside the server (run `concord worker` "
            "yourself, or jobs wait).",
        )
        production = parser.add_argument_group("production (gunicorn)")
        production.add_argument(
            "--production",
            action="store_true",
            help="Run the production server, gunicorn (needs CONCORD_ENV=production, the default).",
        )
        production.add_argument(
            "--bind",
            action="append",
            metavar="HOST:PORT",
            help="Where to listen (default 127.0.0.1:8000; also unix:/run/concord/web.sock). "
            "May be given more than once.",
        )
        production.add_argument(
            "--workers",
            type=positive,
            metavar="N",
            help="Worker processes (default 2 per core and one more, at most 8).",
        )
        production.add_argument(
            "--threads", type=positive, metavar="N", help="Threads per worker (default 2)."
        )
        production.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Do not collect the static files first (they were collected when the release "
            "was built); refuse to start if they were not.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["production"]:
            self.serve_production(options)
        else:
            self.serve_development(options)

    def serve_development(self, options: dict[str, Any]) -> None:
        production_only = [
            f"--{name.replace('_', '-')}"
            for name in ("bind", "workers", "threads", "no_collectstatic")
            if options[name]
        ]
        if production_only:
            raise CommandError(
                f"{', '.join(production_only)} apply to the production server only "
                "(concord serve --production)."
            )
        addrport: str = options["addrport"] or f"{DEFAULT_ADDR}:{DEFAULT_PORT}"
        url = url_for(addrport)
        # With the autoreloader the command runs again in a child process (RUN_MAIN=true);
        # say where to go once, from the parent.
        if os.environ.get("RUN_MAIN") != "true":
            self.stdout.write(self.style.SUCCESS(f"Concord is at {url}  (Ctrl-C stops it)"))
            self.stdout.write("Demo accounts: run `concord demo` to load them and list them.")
        # With the autoreloader, the server runs in the child process (RUN_MAIN=true), which is
        # replaced on every change of the code: the worker lives and restarts beside it.
        serving_here = options["noreload"] or os.environ.get("RUN_MAIN") == "true"
        if options["no_worker"] or not serving_here:
            self.runserver(addrport, options)
            return
        # SIGTERM stops the server as Ctrl-C does, so that the worker is stopped with it.
        signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
        with worker_beside(self.stdout):
            self.runserver(addrport, options)

    def runserver(self, addrport: str, options: dict[str, Any]) -> None:
        # runserver as the installed apps define it (WhiteNoise's, which leaves static files to
        # the middleware), serving through the prompt server (no Nagle wait per request).
        command: Any = load_command_class(get_commands()["runserver"], "runserver")
        command.server_cls = PromptWSGIServer
        call_command(
            command,
            addrport,
            use_ipv6=options["ipv6"],
            use_threading=not options["nothreading"],
            use_reloader=not options["noreload"],
            skip_checks=False,
        )

    def serve_production(self, options: dict[str, Any]) -> None:
        if not settings.PRODUCTION:
            raise CommandError(
                "concord serve --production runs Concord in production mode, but CONCORD_ENV is "
                "development here. Unset it (production is the default) and set "
                "CONCORD_SECRET_KEY and CONCORD_ALLOWED_HOSTS, or leave out --production for the "
                "development server."
            )
        if options["addrport"]:
            raise CommandError(
                f"The production server listens where --bind says: --bind {options['addrport']}"
            )
        if options["ipv6"] or options["nothreading"] or options["noreload"] or options["no_worker"]:
            raise CommandError(
                "--ipv6, --nothreading, --noreload and --no-worker apply to the development "
                "server only (the production server runs no jobs: run `concord worker` beside it)."
            )
        self.check(include_deployment_checks=True)
        try:
            behind = unapplied_migrations()
        except Exception as exc:
            raise CommandError(f"Concord cannot reach its database: {exc}") from exc
        if behind:
            shown = ", ".join(behind[:5]) + (" ..." if len(behind) > 5 else "")
            raise CommandError(
                f"The database is behind this version of Concord ({len(behind)} migrations "
                f"not applied: {shown}). Run `concord migrate` first."
            )
        if options["no_collectstatic"]:
            if manifest_missing():
                raise CommandError(
                    f"The static files have not been collected into {settings.STATIC_ROOT} "
                    "(no manifest), and every page would fail without them. Run `concord "
                    "collectstatic --no-input`, or leave out --no-collectstatic."
                )
        else:
            call_command("collectstatic", interactive=False, verbosity=0)
            self.stdout.write(f"Static files collected into {settings.STATIC_ROOT}.")
        # The checks opened a database connection; forked workers must not share it.
        connections.close_all()

        gunicorn = gunicorn_options(options["bind"], options["workers"], options["threads"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Concord (production) on {', '.join(gunicorn['bind'])}: {gunicorn['workers']} "
                f"workers of {gunicorn['threads']} threads. SIGTERM or Ctrl-C stops it."
            )
        )
        self.stdout.write(
            "Background jobs (large imports, partner exports) need `concord worker` running "
            "beside this server (docs/deployment.md)."
        )
        self.stdout.flush()
        ProductionServer(gunicorn).run()


class ProductionServer(BaseApplication):
    """Gunicorn, configured from a dictionary rather than its command line, running the
    project's WSGI application (settings.WSGI_APPLICATION)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        return get_internal_wsgi_application()
