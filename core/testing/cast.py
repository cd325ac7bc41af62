"""The shared cast every test uses: two councils and the people around them.

- ``wcc`` and ``rbkc``: two current partners; ``lbhf``: a partner that left on 2018-03-31.
- ``wcc_staff`` / ``rbkc_staff``: requesters; ``wcc_colleague``: another requester of wcc
  (who must not see wcc_staff's own records); ``wcc_lead`` / ``rbkc_lead``: IT leads;
  ``wcc_auditor``: read-only auditor of wcc; ``lbhf_lead``: lead of the former partner.
- ``agent``: shared-service desk agent; ``finance``: shared-service finance officer;
  ``manager``: shared-service manager.

Every password is ``PASSWORD``. The hash is worked out once (Argon2 is slow on purpose).

Nearly every test asks for the cast, and making it through the models (each save with its
change records) is 77 queries, about 50 to 70 ms: five minutes of a CI run. So each test
process makes it through the models once per database, keeps the rows that made (the councils,
the accounts, the memberships and their change records, exactly as written), and gives each
later test the same rows again with one multi-row insert per table (`CastRows`). A test sees
the same records either way, change log included; the replay is refused (and the cast made
through the models again) whenever the database is not as the rows expect.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership, Partner, User
from core.tenancy.scoping import system_scope

PASSWORD = "concord-test-password"  # noqa: S105 - the test cast's shared password


@cache
def password_hash() -> str:
    """One Argon2 hash of PASSWORD, shared by the whole cast."""
    return make_password(PASSWORD)


_OWN_PASSWORD_HASH = password_hash


@dataclass
class Cast:
    wcc: Partner
    rbkc: Partner
    lbhf: Partner
    wcc_staff: User
    wcc_colleague: User
    wcc_lead: User
    wcc_auditor: User
    rbkc_staff: User
    rbkc_lead: User
    lbhf_lead: User
    agent: User
    finance: User
    manager: User

    def partner_of(self, user: User) -> Partner | None:
        """The council a cast member belongs to (None for shared-service staff)."""
        prefix = user.username.split(".")[0]
        return {"wcc": self.wcc, "rbkc": self.rbkc, "lbhf": self.lbhf}.get(prefix)


def make_user(username: str, service_role: str = "", **extra: Any) -> User:
    """A user with the cast's password."""
    user = User(username=username, service_role=service_role, **extra)
    user.password = password_hash()
    user.save()
    return user


def make_cast() -> Cast:
    """Create the cast in the current test database: the rows kept from the first time in
    this process and database when they still fit it, else through the models."""
    if password_hash is not _OWN_PASSWORD_HASH:
        # A test gave the cast passwords of its own (core/tests/test_security.py).
        return build_cast()
    key = (connection.vendor, connection.settings_dict["NAME"])
    kept = _KEPT.get(key)
    if kept is not None and kept.fits():
        return kept.replay()
    before = {table: _max_pk(table) for table in CAST_TABLES}
    with CaptureQueriesContext(connection) as queries:
        cast = build_cast()
    written = {_inserted_table(q["sql"]) for q in queries.captured_queries} - {None}
    if written <= set(CAST_TABLES):
        _KEPT[key] = CastRows.take(cast, before)
    return cast


def build_cast() -> Cast:
    """Create the cast through the models, as any record is made (change log and all)."""
    with system_scope("building the test cast"):
        wcc = Partner.objects.create(
            code="wcc",
            name="City of Westminster",
            gss_code="E09000033",
            joined_on=datetime.date(2011, 4, 1),
        )
        rbkc = Partner.objects.create(
            code="rbkc",
            name="Royal Borough of Kensington and Chelsea",
            gss_code="E09000020",
            joined_on=datetime.date(2011, 4, 1),
        )
        lbhf = Partner.objects.create(
            code="lbhf",
            name="London Borough of Hammersmith and Fulham",
            gss_code="E09000013",
            joined_on=datetime.date(2011, 4, 1),
            left_on=datetime.date(2018, 3, 31),
        )
        people: dict[str, User] = {}
        for partner in (wcc, rbkc, lbhf):
            roles = {"staff": CouncilRole.REQUESTER, "lead": CouncilRole.LEAD}
            if partner is wcc:
                roles["auditor"] = CouncilRole.AUDITOR
                roles["colleague"] = CouncilRole.REQUESTER
            if partner is lbhf:
                roles = {"lead": CouncilRole.LEAD}
            for suffix, role in roles.items():
                user = make_user(f"{partner.code}.{suffix}")
                Membership.objects.create(user=user, partner=partner, role=role)
                people[f"{partner.code}_{suffix}"] = user
        return Cast(
            wcc=wcc,
            rbkc=rbkc,
            lbhf=lbhf,
            wcc_staff=people["wcc_staff"],
            wcc_colleague=people["wcc_colleague"],
            wcc_lead=people["wcc_lead"],
            wcc_auditor=people["wcc_auditor"],
            rbkc_staff=people["rbkc_staff"],
            rbkc_lead=people["rbkc_lead"],
            lbhf_lead=people["lbhf_lead"],
            agent=make_user("agent", ServiceRole.AGENT),
            finance=make_user("finance", ServiceRole.FINANCE),
            manager=make_user("manager", ServiceRole.MANAGER),
        )


# Keeping the cast's rows and writing them again ------------------------------------------

#: The tables making the cast writes to: the replay refuses a cast that wrote anything else.
CAST_TABLES = (
    "tenancy_partner",
    "tenancy_user",
    "tenancy_membership",
    "core_changerecord",
    "core_changerecordpartner",
)

#: Per (database vendor, database name): the cast's rows as first written in this process.
_KEPT: dict[tuple[str, str], CastRows] = {}


def _model_of(table: str) -> Any:
    return next(m for m in apps.get_models() if m._meta.db_table == table)


def _max_pk(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        top = cursor.fetchone()[0]
    return int(top or 0)


def _rows_after(table: str, columns: list[str], after: int) -> list[tuple[Any, ...]]:
    """The table's rows whose id is above `after`, as the database holds them."""
    quote = connection.ops.quote_name
    listed = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {listed} FROM {quote(table)} WHERE id > %s ORDER BY id",  # noqa: S608
            [after],
        )
        return [tuple(row) for row in cursor.fetchall()]


def _any_of(table: str, pks: list[Any]) -> bool:
    if not pks:
        return False
    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {connection.ops.quote_name(table)} WHERE id IN ({marks})",  # noqa: S608
            pks,
        )
        return cursor.fetchone() is not None


def _inserted_table(sql: str) -> str | None:
    if not sql.startswith("INSERT INTO "):
        return None
    return sql[len("INSERT INTO ") :].split(" ", 1)[0].strip('"`')


@dataclass
class CastRows:
    """The rows the cast wrote, table by table, and which of them each cast member is."""

    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
    cast: Cast
    content_types: list[tuple[int, str, str]]

    @classmethod
    def take(cls, cast: Cast, before: dict[str, int]) -> CastRows:
        rows = {}
        for table in CAST_TABLES:
            model = _model_of(table)
            columns = [f.column for f in model._meta.concrete_fields]
            rows[table] = (columns, _rows_after(table, columns, before[table]))
        from django.contrib.contenttypes.models import ContentType

        return cls(
            rows=rows,
            cast=copy.deepcopy(cast),
            content_types=list(ContentType.objects.values_list("pk", "app_label", "model")),
        )

    def fits(self) -> bool:
        """Whether the rows can be written again: none of them is there, and the ids of the
        content types they name are the same (a flush between tests makes them again)."""
        from django.contrib.contenttypes.models import ContentType

        if _any_of("tenancy_partner", self._pks("tenancy_partner")):
            return False
        if _any_of("tenancy_user", self._pks("tenancy_user")):
            return False
        now = list(ContentType.objects.values_list("pk", "app_label", "model"))
        return now == self.content_types

    def _pks(self, table: str) -> list[Any]:
        return [row[0] for row in self.rows[table][1]]

    def replay(self) -> Cast:
        """Write the rows again (one insert per table) and give the cast's model instances."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in CAST_TABLES:
                columns, values = self.rows[table]
                if not values:
                    continue
                marks = ", ".join(["%s"] * len(columns))
                # The cast's own tables and columns; the values are bound.
                into = f"{quote(table)} ({', '.join(quote(c) for c in columns)})"
                rows = ", ".join(f"({marks})" for _ in values)
                sql = f"INSERT INTO {into} VALUES {rows}"  # noqa: S608
                cursor.execute(sql, [v for row in values for v in _adapted(row)])
            if connection.vendor == "postgresql":
                # Ids written as they were: each id sequence is moved past them, never back.
                sequences = [
                    (f"pg_get_serial_sequence('{quote(t)}', 'id')", quote(t)) for t in CAST_TABLES
                ]
                moves = [
                    f"setval({seq}, GREATEST((SELECT MAX(id) FROM {t}), nextval({seq})))"  # noqa: S608
                    for seq, t in sequences
                ]
                cursor.execute("SELECT " + ", ".join(moves))
        # The members as the models made them the first time, a copy each test.
        return copy.deepcopy(self.cast)


def _adapted(row: tuple[Any, ...]) -> list[Any]:
    """Values as a cursor takes them (JSON as text)."""
    import json

    return [json.dumps(v) if isinstance(v, (dict, list)) else v for v in row]
