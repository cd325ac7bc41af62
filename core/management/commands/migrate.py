"""`migrate`, refusing plainly a database made by an earlier layout of the migrations
(core.layout) instead of failing half-way with Django's own error."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from core.layout import refuse_stale_database


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        refuse_stale_database(connections[options["database"]])
        super().handle(*args, **options)
