"""`concord import MODEL FILE [--dry-run] [--as USERNAME]`: the generic import, from the shell.

The same checks and the same whole-or-nothing import as the import page, on behalf of a person
(``--as``; by default the first active superuser), so that visibility and permissions apply
exactly as they would for that person. A progress bar goes to stderr; every problem is printed
with its row and column, and the command then exits with status 1 having imported nothing.
"""

from __future__ import annotations

import os
from typing import Any, cast

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models
from tqdm import tqdm

from core.importing import import_records, importable
from core.tenancy.records import record_names


def find_model(name: str) -> type[models.Model]:
    """A model from ``app_label.ModelName`` or a short name: ``sites``, ``site-types``, ``site``
    (its name in code or in the pages, singular or plural: ``partners`` or ``councils``)."""
    if "." in name:
        try:
            model = apps.get_model(name)
        except (LookupError, ValueError):
            raise CommandError(f"There is no model called {name}.") from None
        return model
    wanted = name.strip().lower().replace("-", " ").replace("_", " ")
    matches = []
    for model in apps.get_models():
        names = {
            str(model._meta.model_name),
            f"{model._meta.model_name}s",
            str(model._meta.verbose_name).lower(),
            str(model._meta.verbose_name_plural).lower(),
            *(name.lower() for name in record_names(model)),
        }
        if wanted in names or wanted.replace(" ", "") in names:
            matches.append(model)
    importable_matches = [m for m in matches if importable(m)] or matches
    if len(importable_matches) == 1:
        return importable_matches[0]
    if not importable_matches:
        raise CommandError(f"There is no model called {name}. Use app_label.ModelName.")
    labels = ", ".join(sorted(m._meta.label for m in importable_matches))
    raise CommandError(f"{name} could mean {labels}: use one of those.")


class Command(BaseCommand):
    help = "Import records from a CSV or XLSX file (checked first; all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model", help="What to import: app_label.ModelName or e.g. sites")
        parser.add_argument("file", help="The CSV (.csv) or Excel (.xlsx) file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and change nothing"
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="The person the import is for (default: the first active superuser)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        model = find_model(options["model"])
        if not importable(model):
            raise CommandError(f"{model._meta.verbose_name_plural} cannot be imported.")
        user = self._user(options.get("username"))
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"There is no file at {path}.")
        dry_run = bool(options["dry_run"])
        bar: tqdm[Any] | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(
                    total=total,
                    unit="row",
                    desc="Checking" if dry_run else "Importing",
                    file=cast(Any, self.stderr._out),
                    mininterval=0.5,
                )
            bar.n = done
            bar.refresh()

        try:
            with open(path, "rb") as f:
                result = import_records(
                    model, f, os.path.basename(path), user, dry_run=dry_run, progress=progress
                )
        finally:
            if bar is not None:
                bar.close()
        plural = model._meta.verbose_name_plural
        if result.encoding_name:
            self.stdout.write(f"Read {os.path.basename(path)} as {result.encoding_name} text.")
        if not result.ok:
            for error in result.errors:
                self.stdout.write(str(error))
            if result.more_errors:
                self.stdout.write(f"... and {result.more_errors} more problems.")
            raise CommandError(f"{result.error_count} problem(s) in {path}: nothing was imported.")
        if dry_run:
            self.stdout.write(
                f"{result.total_rows} rows ready: {result.created} {plural} would be added, "
                f"{result.updated} updated. Nothing was changed (dry run)."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {result.total_rows} rows: {result.created} {plural} added, "
                    f"{result.updated} updated, as {user.get_username()}."
                )
            )

    def _user(self, username: str | None) -> Any:
        user_model = get_user_model()
        if username:
            user = user_model._default_manager.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"There is no active person with username {username}.")
            return user
        user = (
            user_model._default_manager.filter(is_superuser=True, is_active=True)
            .order_by("pk")
            .first()
        )
        if user is None:
            raise CommandError("Say who the import is for with --as USERNAME.")
        return user
