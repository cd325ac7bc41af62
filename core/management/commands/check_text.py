"""`concord check_text`: list the stored text that breaks the text rule, changing nothing.

The rule (core.tenancy.validators) refuses control characters and the invisible characters
that disguise text wherever text comes in; values stored before it existed (or written past
it) are listed here, record by record, for a person to put right through the pages, the API or
an import. Nothing is changed: a silent rewrite would be a change no one made.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models

from core.tenancy.records import ConcordModel
from core.tenancy.scoping import system_scope
from core.tenancy.validators import describe_character, is_free_text, text_fields, unsafe_characters

#: Rows read from the database at a time.
CHUNK_SIZE = 2000


def checked_models() -> list[type[models.Model]]:
    """Every model whose text keeps to the rule: every Concord record, and the user model."""
    found: list[type[models.Model]] = [
        m
        for m in apps.get_models()
        if issubclass(m, ConcordModel) or getattr(m, "text_rules", False)
    ]
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    if user_model not in found:
        found.append(user_model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def breaches(model: type[models.Model]) -> Iterator[tuple[Any, str, int, str]]:
    """(id, field, position, character) of each value of `model` that breaks the rule: the
    first such character of each value."""
    fields = text_fields(model)
    if not fields:
        return
    manager: Any = model._default_manager
    rows = manager.all() if not hasattr(manager, "unscoped") else manager.unscoped("check_text")
    names = [f.attname for f in fields]
    free = [is_free_text(f) for f in fields]
    for row in rows.order_by("pk").values_list("pk", *names).iterator(chunk_size=CHUNK_SIZE):
        pk, values = row[0], row[1:]
        for name, multiline, value in zip(names, free, values, strict=True):
            if not value:
                continue
            found = next(unsafe_characters(value, multiline=multiline), None)
            if found is not None:
                yield pk, name, found[0], found[1]


class Command(BaseCommand):
    help = (
        "List every stored text value (of every council's records, people and councils) that "
        "holds a control character or a hidden formatting character, by record and field. "
        "Nothing is changed. Exits with status 1 when any is found."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "models",
            nargs="*",
            metavar="app_label.model",
            help="only these models (e.g. estate.site); by default every one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = checked_models()
        if options["models"]:
            by_label = {m._meta.label_lower: m for m in chosen}
            unknown = [name for name in options["models"] if name.lower() not in by_label]
            if unknown:
                raise CommandError(
                    f"Unknown model {', '.join(unknown)}: use one of {', '.join(sorted(by_label))}."
                )
            chosen = [by_label[name.lower()] for name in options["models"]]
        values = 0
        records: set[tuple[str, Any]] = set()
        with system_scope("check_text: every stored value is read, none is changed"):
            for model in chosen:
                label = model._meta.label_lower
                for pk, field, position, char in breaches(model):
                    values += 1
                    records.add((label, pk))
                    self.stdout.write(
                        f"{label} {pk} {field}: {describe_character(char)} at character {position}"
                    )
        if not values:
            self.stdout.write(
                f"No stored text breaks the text rule ({_count(len(chosen), 'kind')} of record "
                "read)."
            )
            return
        raise CommandError(
            f"{_count(values, 'value')} in {_count(len(records), 'record')} break the text rule: "
            "edit each to remove the character (nothing was changed)."
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
