"""`concord backup` and `concord restore`: a database filled with the demo and some changes,
backed up, and restored into an empty database (on SQLite a second file, on PostgreSQL a second
database made and dropped here), gives back every row of every table, the change log and its
links to councils included, with the same ids."""

from __future__ import annotations

import datetime
import decimal
import gzip
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.db import connection, models
from rest_framework.authtoken.models import Token

from core.backup import REGENERATED
from core.context import acting_as
from core.demo import load_demo
from core.models import ChangeRecord, ChangeRecordPartner
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership, Partner, User
from core.tenancy.scoping import system_scope
from core.testing.migrated import fresh_env

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]

BASE_DIR = Path(__file__).resolve().parents[2]


def _plain(value: Any) -> Any:
    """A value as JSON can carry it without losing anything (microseconds included)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime.timedelta):
        return f"{value.days}d{value.seconds}s{value.microseconds}us"
    return value


def canonical() -> dict[str, list[list[Any]]]:
    """Every row of every table, in id order, with references to content types and
    permissions given by natural key (their ids are the database's own)."""
    cts = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    perms = {p.pk: f"{cts[p.content_type_id]}.{p.codename}" for p in Permission.objects.all()}
    natural = {ContentType: cts, Permission: perms}
    tables: dict[str, list[list[Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy or model in REGENERATED:
            continue
        fields = model._meta.concrete_fields
        rows = []
        for values in (
            models.QuerySet(model).order_by("pk").values_list(*[f.attname for f in fields])
        ):
            row = []
            for field, value in zip(fields, values, strict=True):
                target: Any = field.related_model
                if field.is_relation and target in natural and value is not None:
                    value = natural[target][value]
                row.append(_plain(value))
            rows.append(row)
        tables[model._meta.label_lower] = rows
    return json.loads(json.dumps(tables, sort_keys=True))


def fill() -> None:
    """The demo (of whichever apps are installed), then changes of every kind: a creation, an
    update, a deletion, an account, a session and an API token."""
    load_demo()
    with system_scope("test"), acting_as(None, label="test:backup"):
        partner = Partner.objects.create(code="bkp", name="Backup Borough")
        partner.name = "Backup Borough Council"
        partner.save()
        person = User.objects.create_user("backup.person", "person@example.gov.uk", "x" * 20)
        membership = Membership.objects.create(
            user=person, partner=partner, role=CouncilRole.AUDITOR
        )
        membership.delete()
        Membership.objects.create(user=person, partner=partner, role=CouncilRole.LEAD)
    Token.objects.create(user=person)
    session = SessionStore()
    session["note"] = "a signed-in person's session"
    session.create()


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a second, empty database of the vendor the tests run on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    assert connection.vendor == "postgresql"
    import psycopg
    import psycopg.conninfo

    settings = connection.settings_dict
    name = f"{settings['NAME']}_restored"[:63]
    server = psycopg.conninfo.make_conninfo(
        "",
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
    )
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    at = f"{user}{password}@" if user else ""
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    try:
        yield f"postgres://{at}{host}{port}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def concord(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A `concord` command (or, given "-c", Python) in a fresh process on another database."""
    env = fresh_env()  # DATABASE_URL is set below
    env.update(
        CONCORD_ENV="development",
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "concord.test_settings"),
        CONCORD_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=database_url,
    )
    command = list(args) if args[0] == "-c" else [str(BASE_DIR / "manage.py"), *args]
    result = subprocess.run(
        [sys.executable, *command],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


READ_BACK = (
    "import json, django; django.setup(); "
    "from core.tests.test_backup import canonical; print(json.dumps(canonical()))"
)


def test_a_backup_restored_into_an_empty_database_gives_back_every_row(tmp_path, empty_database):
    fill()
    before = canonical()
    changes = ChangeRecord.objects.unscoped("test")
    assert changes.filter(actor_label="test:backup", action="delete").exists()
    assert before["core.changerecord"] and before["core.changerecordpartner"]
    backup = tmp_path / "concord.jsonl.gz"
    call_command("backup", str(backup), stdout=open(os.devnull, "w"))  # noqa: SIM115
    concord(empty_database, tmp_path, "migrate", "--no-input", "-v0")

    # A file cut short is refused, and leaves nothing behind...
    lines = gzip.decompress(backup.read_bytes()).splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(b"".join(lines[:-1])))
    with pytest.raises(AssertionError, match="cut short"):
        concord(empty_database, tmp_path, "restore", str(cut))

    # ...so the whole one goes in, and everything comes back as it was.
    restored = concord(empty_database, tmp_path, "restore", str(backup))
    assert "Restored" in restored.stdout
    after = json.loads(concord(empty_database, tmp_path, "-c", READ_BACK).stdout)
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert after[table] == rows, f"{table} did not come back as it was"

    # New rows get new ids, after the restored ones.
    highest = max(changes.values_list("pk", flat=True))
    assert int(concord(empty_database, tmp_path, "-c", ADD_ONE).stdout) == highest + 1


ADD_ONE = (
    "import django; django.setup(); "
    "from core.tenancy.models import Partner; from core.tenancy.scoping import system_scope; "
    "from core.models import ChangeRecord\n"
    "with system_scope('t'):\n"
    "    Partner.objects.create(code='new', name='A new council')\n"
    "print(max(ChangeRecord.objects.unscoped('t').values_list('pk', flat=True)))"
)


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    fill()
    backup = tmp_path / "concord.jsonl.gz"
    call_command("backup", str(backup), stdout=open(os.devnull, "w"))  # noqa: SIM115
    links = ChangeRecordPartner.objects.count()
    with pytest.raises(CommandError, match="empty database only"):
        call_command("restore", str(backup))
    assert ChangeRecordPartner.objects.count() == links


def test_backup_will_not_replace_a_file_unless_forced(tmp_path):
    backup = tmp_path / "concord.jsonl.gz"
    backup.write_text("an earlier backup")
    with pytest.raises(CommandError, match="--force"):
        call_command("backup", str(backup))
    assert backup.read_text() == "an earlier backup"
    call_command("backup", str(backup), "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert json.loads(gzip.decompress(backup.read_bytes()).splitlines()[-1])["end"] is True


@pytest.mark.django_db(transaction=True)  # pg_dump reads what is committed
def test_pg_dump_and_pg_restore_give_back_every_row(tmp_path, empty_database):
    # The first choice on PostgreSQL (docs/deployment.md): the change log's triggers and all.
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore are PostgreSQL's; this run is on SQLite")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump or pg_restore is not installed (Debian: postgresql-client)")
    fill()
    before = canonical()
    dump = tmp_path / "concord.dump"
    settings = connection.settings_dict
    server = [
        *(["--host", settings["HOST"]] if settings["HOST"] else []),
        *(["--port", str(settings["PORT"])] if settings["PORT"] else []),
        *(["--username", settings["USER"]] if settings["USER"] else []),
    ]
    env = {**os.environ, **({"PGPASSWORD": settings["PASSWORD"]} if settings["PASSWORD"] else {})}
    target = empty_database.rsplit("/", 1)[1]
    for command in (
        ["pg_dump", *server, "--format=custom", f"--file={dump}", settings["NAME"]],
        ["pg_restore", *server, "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
    after = json.loads(concord(empty_database, tmp_path, "-c", READ_BACK).stdout)
    assert after == before
    refuse = (
        "import django; django.setup(); from django.db import connection\n"
        "try:\n"
        "    connection.cursor().execute('DELETE FROM core_changerecordpartner')\n"
        "except Exception as exc:\n"
        "    print('refused:', exc)"
    )
    assert "immutable" in concord(empty_database, tmp_path, "-c", refuse).stdout
