"""Database sessions (Django's), read with one plain query.

Every signed-in request reads its session row. Django reads it through the ORM
(``Session.objects.get(...)``), building and compiling the same query each time; this store
reads the same row with the SQL written once, and is otherwise Django's database store (it
writes, expires and deletes sessions exactly as Django does). With a shared cache (REDIS_URL)
the settings use Django's ``cached_db`` store instead, which rarely reads the table at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    """Django's database session store, with a leaner read of the session row."""

    def _get_session_from_db(self) -> Any:
        model = self.model
        meta = model._meta
        alias = router.db_for_read(model)
        connection = connections[alias]
        quote = connection.ops.quote_name
        # Names come quoted from the session model itself; values are parameters.
        sql = (
            f"SELECT {quote(meta.get_field('session_data').column)} "  # noqa: S608
            f"FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.get_field('session_key').column)} = %s "
            f"AND {quote(meta.get_field('expire_date').column)} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            # As Django's store does: an unknown or expired key is forgotten, and a new
            # session gets a new key.
            self._session_key = None
            return None
        return model(session_key=self.session_key or "", session_data=row[0])
