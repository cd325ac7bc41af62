"""Importing records: the rows of a CSV or XLSX file become records, whole or not at all.

`import_records` reads the file a row at a time, validates every row as a form would (each
column converted and checked, then the model's own ``full_clean``), and either reports what it
found (dry run) or writes every row in one transaction: the import lands whole or not at all.
What a person sees is plain: a list of `RowError(row, column, message)` with the row numbers of
their spreadsheet (the header is row 1).

A record for chosen councils (an `AudienceModel`) takes a ``councils`` column
(core.importing.audience): the councils it is for, each one where the person may import, or
``all`` from someone who may import for every council; its councils are saved through
`core.services.set_audience`, so the change log records them under the importer.

A state a record moves through by its app's rule (an asset's lifecycle state) is a state
column (core.importing.states): a new record starts in it, an updated one's move is checked by
the rule with the row and made by it once the record is written, as the importer.

Visibility is never bypassed. Related records are looked up among those the importing person
can see (`core.importing.values`). An ``id`` column updates records the person may change: the
person must be allowed to change and import the record's owners as they are (a former
partner's records are read-only) and the owners it would have after the row. A row that repeats
an earlier row's id or unique value is refused, as is one the model's validation refuses.

Not here: reading the file (`core.importing.reading`), matching its header
(`core.importing.columns`), what each cell becomes (`core.importing.values`), the result's shape
(`core.importing.result`), deciding whether to import at once or in the background
(`core.importing.sizing`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any, TypeGuard, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, models, transaction

from core.context import acting_as
from core.importing import formats
from core.importing.audience import AUDIENCE_COLUMN, AudienceReader, takes_audience
from core.importing.batch import Pending, bulk_writable, undo_in_memory, write_in_bulk
from core.importing.collecting import fewer_collections
from core.importing.columns import (
    column_label,
    default_owner,
    match_header,
    model_field,
    owner_column,
    owner_needed,
    thing_name,
)
from core.importing.files import ImportFileError, check_file
from core.importing.making import record_maker
from core.importing.owners import SHARES_COLUMN, SharesReader, takes_shares
from core.importing.reading import (
    TextEncoding,
    UnusableCell,
    count_rows,
    csv_encoding,
    is_blank,
    read_rows,
)
from core.importing.result import MAX_ERRORS, ImportResult, RowError
from core.importing.states import StateColumn, state_columns
from core.importing.texts import TextColumns
from core.importing.values import ImportColumn, ValueReader, plain_cell
from core.services import kept_audience, set_audience, set_owner_shares
from core.tenancy.access import ADD, CHANGE, IMPORT, VIEW, access_for
from core.tenancy.conditions import Compiled, compiled
from core.tenancy.records import ConcordModel, OwnerShare

#: Calls of a progress callback: (rows done, rows in the file).
ProgressCallback = Callable[[int, int], None]

#: Rows between two calls of the progress callback.
PROGRESS_EVERY = 100

#: Rows read, checked and written together: the records the rows name are read with one query
#: a chunk, and the rows are written in bulk a chunk at a time (core.importing.batch).
CHUNK = 1000


class _Importer:
    """One run over one file for one person. Not reused."""

    #: Whether a row whose every field is checked or left out skips ``full_clean`` for the
    #: model's ``clean`` (off: the slow path, for the tests comparing the two).
    whole_clean_shortcut = True

    def __init__(
        self,
        model: type[ConcordModel],
        user: Any,
        *,
        dry_run: bool,
        progress: ProgressCallback | None,
    ) -> None:
        self.model = model
        self.user = user
        self.access = access_for(user)
        self.dry_run = dry_run
        self.progress = progress
        self.import_fields = list(getattr(model, "import_fields", ()))
        self.errors: list[RowError] = []
        self.more_errors = 0
        self.created = 0
        self.updated = 0
        self.failed = False
        self.columns: list[ImportColumn] = []
        self.id_position: int | None = None
        self.encoding: TextEncoding | None = None
        self.values = ValueReader(user)
        self._seen: dict[tuple[int, tuple[Any, ...]], int] = {}
        # What the rows checked but not saved would have written, for the models' own rules
        # across rows (_check_unsaved).
        self._pending: dict[Any, Any] = {}
        self._unique_sets = self._unique_field_sets()
        self._unique_attnames = [
            tuple(model_field(model, name).attname for name in names) for names in self._unique_sets
        ]
        # A council's own person need not name their council: it is the one they may use.
        self.owner = owner_column(model)
        self.default_owner = default_owner(model, user)
        self.owner_found = False
        # A co-owned record's owners (core.importing.owners): a column of their own.
        self.shares = SharesReader(user) if takes_shares(model) else None
        self.shares_position: int | None = None
        # The councils a record for chosen councils is for (core.importing.audience).
        self.audience = AudienceReader(user) if takes_audience(model) else None
        self.audience_position: int | None = None
        # The text columns whose text rule is checked a chunk at a time (core.importing.texts),
        # once the header is read.
        self.texts = TextColumns([])
        # Columns holding a state the record moves through by its app's rule
        # (core.importing.states), and where each is in the file.
        self.states = state_columns(model)
        self.state_positions: dict[str, int] = {}
        # The field naming a partner-owned record's one council (a row's council, in which a
        # per-council catalogue's natural key is looked up: core.importing.values).
        self._council_attname = (
            model_field(model, model.ownership_field).attname
            if getattr(model, "ownership", "") == "partner" and model.ownership_field
            else None
        )
        # Fields a row without an id is matched on, to update the record it names.
        # An entry may be several fields together (a device, a product and its version).
        self.match_fields: list[tuple[str, ...]] = [
            names
            for names in map(match_set, getattr(model, "import_match_fields", ()))
            if all(name in self.import_fields for name in names)
        ]
        # Read once, not once a row (a row's lookups would make an import slow down as the
        # table grows): each match field's values among the records the person may change, and
        # each unique-for-reader field's among those they see, ignoring capitals.
        self._changeable: dict[tuple[str, ...], dict[Any, list[int]]] = {}
        self._seen_values: dict[str, dict[str, set[int]]] = {}
        # The records a chunk's rows name (by id or by a match field), read once a chunk
        # (None: not one the person may change), each handed to one row; a co-owned record's
        # shares as they are ({record id: {partner id: percentage}}).
        self._loaded: dict[int, Any] = {}
        self._handed: set[int] = set()
        # Each row's match keys, worked out once a chunk ({(row, fields): key}).
        self._keys: dict[tuple[int, tuple[str, ...]], Any] = {}
        # The cells converted to work the match keys out ({(row, column): value}), for the
        # row's own reading to take rather than convert again (a serial number, an asset tag).
        self._cell_values: dict[tuple[int, str], Any] = {}
        # Field values the model's field checks passed, by field: a value met again (a kind,
        # a date, a supplier) is not checked again (`_clean`).
        self._clean_values: dict[str, set[Any]] = {}
        self._memo_fields = _memo_fields(model)
        memo_names = {name for name, _ in self._memo_fields}
        self._blank_fields = [
            (f.name, f.attname, f.empty_values)
            for f in model._meta.fields
            if f.blank and f.name not in memo_names
        ]
        self._all_fields = frozenset(f.name for f in model._meta.fields if not f.generated)
        self._cleans_plainly = (
            model.full_clean is models.Model.full_clean
            and model.clean_fields is ConcordModel.clean_fields
        )
        # Whether the model's uniqueness check has anything to check, by the fields left out.
        self._unique_work: dict[frozenset[str], bool] = {}
        self._not_editable = frozenset(f.name for f in model._meta.fields if not f.editable)
        self._owners: dict[int, dict[int, Decimal]] = {}
        self._shared = getattr(model, "ownership", "partner") == "shared"
        # Rows checked and waiting to be written in bulk, when the model allows it.
        self.bulk = not dry_run and bulk_writable(model)
        self._writes: list[Pending] = []
        # A new record for a row that adds one, made as `model()` makes it
        # (core.importing.making).
        self._new_record: Callable[[], ConcordModel] = record_maker(model)
        # The model's check constraints compiled (core.tenancy.conditions), when they are all it
        # has and its validation is the foundation's: worked out with the first row.
        self._checks: list[Compiled] | None = None
        self._checks_known = False
        # The rightmost column the rows are read from, and the columns by name, once the
        # header is read.
        self._width = 0
        self._by_name: dict[str, ImportColumn] = {}

    # errors --------------------------------------------------------------------------------

    def error(self, row: int, column: str, message: str) -> None:
        self.failed = True
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, message))
        else:
            self.more_errors += 1

    # header --------------------------------------------------------------------------------

    def read_header(self, cells: list[Any], row: int = 1) -> bool:
        """Match the header to the import fields; report unknown, repeated, missing columns."""
        optional = (self.owner,) if self.owner and self.default_owner is not None else ()
        found, problems = match_header(self.model, cells, optional)
        for column, message in problems:
            self.error(row, column, message)
        if problems:
            return False
        self.owner_found = self.owner in found
        self.id_position = found.get("id")
        if self.shares is not None:
            self.shares_position = found.get(SHARES_COLUMN)
        if self.audience is not None:
            self.audience_position = found.get(AUDIENCE_COLUMN)
        for name in self.import_fields:
            if name == SHARES_COLUMN and self.shares is not None:
                continue
            if name == AUDIENCE_COLUMN and self.audience is not None:
                continue
            if name in self.states:
                if name in found:
                    self.state_positions[name] = found[name]
                continue
            if name in found:
                self.columns.append(ImportColumn.of(self.model, name, found[name]))
        # The owner column first: the row's council is known before the columns whose
        # records are looked up within it.
        self.columns.sort(key=lambda c: c.name != self.owner)
        self.texts = TextColumns(self.columns)
        self._width = max(
            [c.position for c in self.columns]
            + [self.id_position or 0, self.shares_position or 0, self.audience_position or 0]
            + list(self.state_positions.values())
        )
        self._by_name = {c.name: c for c in self.columns}
        return True

    # rows ----------------------------------------------------------------------------------

    def _unique_field_sets(self) -> list[tuple[str, ...]]:
        meta = self.model._meta
        sets: list[tuple[str, ...]] = []
        for f in meta.concrete_fields:
            if f.unique and not f.primary_key:
                sets.append((f.name,))
        for together in meta.unique_together:
            sets.append(tuple(together))
        for constraint in meta.constraints:
            if (
                isinstance(constraint, models.UniqueConstraint)
                and constraint.fields
                and constraint.condition is None
                and not constraint.expressions
            ):
                sets.append(tuple(constraint.fields))
        # Unique among what a person sees: two rows of one file must not share one either.
        for name in getattr(self.model, "unique_for_reader", ()):
            sets.append((name,))
        return sets

    # the records a chunk names -------------------------------------------------------------

    def _id_in(self, raw: Any) -> int | None:
        """The record id an ``id`` cell holds, or None."""
        if isinstance(raw, UnusableCell):
            return None
        value = plain_cell(raw)
        if is_blank(value):
            return None
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return int(text) if text.isdigit() else None

    def _read_chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        """Read the records a chunk's rows name, by id or by a match field, with one query
        (and one for co-owned records' shares), instead of a query or two a row."""
        self._loaded, self._handed, self._owners, self._keys = {}, set(), {}, {}
        self._cell_values = {}
        wanted: set[int] = set()
        by_name = self._by_name
        for number, cells in chunk:
            if self.id_position is not None and self.id_position < len(cells):
                pk = self._id_in(cells[self.id_position])
                if pk is not None:
                    wanted.add(pk)
            for names in self.match_fields:
                key = self._match_key(names, cells, by_name, number)
                self._keys[(number, names)] = key
                if key is not None and key is not _UNREADABLE:
                    wanted.update(self._match_ids(names, key)[:2])
        if not wanted:
            return
        self._loaded = dict.fromkeys(wanted)
        changeable = self.model.objects.visible_to(self.user, CHANGE)
        for start in range(0, len(wanted), CHUNK):
            ids = sorted(wanted)[start : start + CHUNK]
            for instance in changeable.filter(pk__in=ids):
                self._loaded[instance.pk] = instance
        if self._shared:
            found = [pk for pk, instance in self._loaded.items() if instance is not None]
            self._owners = {pk: {} for pk in found}
            content_type = ContentType.objects.get_for_model(self.model)
            for start in range(0, len(found), CHUNK):
                shares = OwnerShare.objects.filter(
                    content_type=content_type, object_id__in=found[start : start + CHUNK]
                ).values_list("object_id", "partner_id", "percentage")
                for object_id, partner_id, percentage in shares:
                    self._owners[object_id][partner_id] = percentage

    def _load(self, pk: int) -> Any:
        """The record `pk` among those the person may change (None if not one), from those
        read with the chunk; a second row naming it gets a copy of its own, read again."""
        if pk in self._loaded and pk not in self._handed:
            self._handed.add(pk)
            return self._loaded[pk]
        self._owners.pop(pk, None)
        return self.model.objects.visible_to(self.user, CHANGE).filter(pk=pk).first()

    def _owner_ids(self, instance: Any) -> list[int]:
        """The councils that own `instance` now (a co-owned record's from the chunk's read)."""
        if self._shared and instance.pk in self._owners:
            return sorted(self._owners[instance.pk])
        return list(instance.owning_partner_ids())

    def _existing(self, row: int, raw: Any) -> tuple[bool, Any]:
        """The record an ``id`` cell names, among those the person may change."""
        if isinstance(raw, UnusableCell):
            self.error(row, "id", raw.message)
            return False, None
        value = plain_cell(raw)
        if is_blank(value):
            return True, None
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if not text.isdigit():
            self.error(row, "id", f"The id '{text}' is not a whole number. Leave it empty to add.")
            return False, None
        instance = self._load(int(text))
        if instance is None:
            self.error(
                row,
                "id",
                f"There is no {thing_name(self.model)} with id {text} that you can change.",
            )
            return False, None
        # Being among the records one may change is not the whole rule: the grant table is
        # asked about the record's owners as they are now, exactly as the record's own edit
        # page asks. Shared-service staff see a former partner's records, but those are
        # read-only to everyone, and an import must not be a way round that by moving one
        # to a current council (the owners after the change are checked in _may_import).
        owners = self._owner_ids(instance) or None
        area = self.model.area
        if self.access.can(CHANGE, area, owners) and self.access.can(IMPORT, area, owners):
            return True, instance
        thing = thing_name(self.model)
        if owners and set(owners) <= self.access.left_partner_ids:
            self.error(
                row,
                "id",
                f"The {thing} with id {text} belongs to a council that has left the "
                "partnership: its records are read-only.",
            )
        else:
            self.error(row, "id", f"You may not change the {thing} with id {text}.")
        return False, None

    def process_row(self, row: int, cells: list[Any]) -> None:
        model = self.model
        if any(not is_blank(c) for c in cells[self._width + 1 :]):
            self.error(row, "", "This row has more cells than the header has columns.")
        instance = None
        if self.id_position is not None and self.id_position < len(cells):
            ok, instance = self._existing(row, cells[self.id_position])
            if not ok:
                return
        if instance is None and self.match_fields:
            ok, instance = self._matching(row, cells)
            if not ok:
                return
        creating = instance is None
        if instance is None:
            instance = self._new_record()
        bad_fields: set[str] = set()
        # Related records the row names by their natural key, found among those the person
        # sees (core.importing.values): they exist, so the field's own check need not ask the
        # database again (one query a row and column).
        found_related: set[str] = set()
        row_ok = True
        shares = None
        if self.shares is not None:
            ok, shares = self._read_shares(row, cells, creating)
            if not ok:
                bad_fields.add(SHARES_COLUMN)
                row_ok = False
        instance._import_shares = shares  # type: ignore[union-attr]
        audience = None
        council: int | None = None
        if self.audience is not None:
            instance._import_was_all = bool(instance.for_all_councils)  # type: ignore[union-attr]
            ok, audience = self._read_audience(row, cells, creating)
            if not ok:
                bad_fields.add(AUDIENCE_COLUMN)
                row_ok = False
            elif audience is not None:
                instance.for_all_councils = audience[1]  # type: ignore[union-attr]
            named = audience[0] if audience is not None else None
            if named is None and not creating and not instance.for_all_councils:  # type: ignore[union-attr]
                named = instance.owning_partner_ids()
            if named and len(named) == 1 and not instance.for_all_councils:  # type: ignore[union-attr]
                council = getattr(named[0], "pk", named[0])
        instance._import_audience = audience  # type: ignore[union-attr]
        if (
            creating
            and self.owner
            and self.audience is None
            and not self.owner_found
            and self.default_owner is not None
        ):
            setattr(instance, model_field(model, self.owner).attname, self.default_owner.pk)
        for column in self.columns:
            if self._council_attname is not None and column.name != self.owner:
                council = getattr(instance, self._council_attname, None)
            raw = cells[column.position] if column.position < len(cells) else None
            if column.name == self.owner and _empty(raw):
                if self.default_owner is None:
                    self.error(row, column.name, owner_needed(model))
                    bad_fields.add(column.name)
                    row_ok = False
                elif creating:
                    setattr(instance, column.model_field.attname, self.default_owner.pk)
                continue  # an update keeps its council
            try:
                if (row, column.name) in self._cell_values:
                    value = self._cell_values.pop((row, column.name))
                else:
                    value = self.values.convert(column, raw, council)
            except ValidationError as exc:
                for message in _unique_messages(exc.messages):
                    self.error(row, column.name, message)
                bad_fields.add(column.name)
                row_ok = False
                continue
            setattr(instance, column.model_field.attname, value)
            field: Any = column.model_field
            if value is not None and field.many_to_one and not field.get_limit_choices_to():
                found_related.add(column.name)
        for name, value in model.import_values.items():
            # Written whatever the row says or the record held (a driver figure imported is
            # entered, as one typed on its page is).
            setattr(instance, name, value)
        moves = self._read_states(row, cells, instance, creating, bad_fields)
        if moves is None:
            row_ok = False
        instance._import_moves = moves or []  # type: ignore[union-attr]
        if not self._may_import(row, instance, creating, bad_fields):
            return
        repeated = self._repeats(row, instance, cells, bad_fields)
        if not repeated and model.unique_for_reader:
            for name, message in self._clashes(instance).items():
                if name not in bad_fields:
                    self.error(row, name, message)
                    row_ok = False
        exclude = bad_fields | self._not_editable
        problems: list[tuple[str, str]] = []
        for check in ("fields", "unique", "constraints"):
            if check != "fields" and repeated:
                continue
            try:
                if check == "fields":
                    self._clean(instance, exclude | found_related)
                elif check == "unique":
                    if self._unique_checked(instance, exclude):
                        instance.validate_unique(exclude=exclude)
                elif not self._constraints_hold(instance, exclude):
                    instance.validate_constraints(exclude=exclude)
            except ValidationError as exc:
                problems.extend(self._explain(instance, exc, cells))
        if self.audience is not None and AUDIENCE_COLUMN not in bad_fields:
            councils = audience[0] if audience is not None else instance.audience()  # type: ignore[union-attr]
            wrong = instance.audience_problem(councils, bool(instance.for_all_councils))  # type: ignore[union-attr]
            if wrong:
                problems.append((AUDIENCE_COLUMN, wrong))
        for column_name, message in dict.fromkeys(problems):
            self.error(row, column_name, message)
            row_ok = False
        if repeated:
            row_ok = False
        if row_ok and (self.failed or self.dry_run):
            row_ok = self._check_unsaved(row, instance, cells)
        if not row_ok or self.failed or self.dry_run:
            # Nothing is written once any row has failed: the whole import will be undone.
            if row_ok:
                self._count(creating)
            return
        self._save(row, instance, creating, cells)

    def _read_states(
        self, row: int, cells: list[Any], instance: Any, creating: bool, bad: set[str]
    ) -> list[tuple[StateColumn, str]] | None:
        """The row's state columns (core.importing.states): a new record's starting state is
        set; an updated record's moves are checked by the app's rule and returned, to be made
        once the record is written. None when a cell names an unknown state or a move (or a
        start) the rule refuses, each reported on its column."""
        moves: list[tuple[StateColumn, str]] = []
        ok = True
        for name, position in self.state_positions.items():
            column = self.states[name]
            raw = cells[position] if position < len(cells) else None
            if isinstance(raw, UnusableCell):
                self.error(row, name, raw.message)
                bad.add(name)
                ok = False
                continue
            if _empty(raw):
                continue  # the state stays as it is (a new record's default)
            try:
                state = column.read(str(plain_cell(raw)).strip())
                if creating:
                    column.start(instance, state)
                elif state != column.current(instance):
                    column.check(instance, state)
                    moves.append((column, state))
            except ValidationError as exc:
                for message in _unique_messages(exc.messages):
                    self.error(row, name, message)
                bad.add(name)
                ok = False
        return moves if ok else None

    def _make_moves(self, row: int, instance: Any) -> None:
        """Make an updated record's moves through its app's rule, once it is written
        (recorded as any move is, by the importing person); _MoveRefused if the rule refuses
        one now (someone moved the record since the row was checked)."""
        for column, state in getattr(instance, "_import_moves", ()):
            try:
                column.move(instance, state, self.user)
            except ValidationError as exc:
                raise _MoveRefused(row, column.name, _unique_messages(exc.messages)) from None

    def _clean(self, instance: Any, exclude: set[str]) -> None:
        """The model's ``full_clean`` without its uniqueness and constraint checks (made
        apart), skipping the field checks of values this import has already seen pass: a
        field check of a value alone (`_memo_fields`) gives the same answer each time, and a
        file's kinds, models, dates and suppliers repeat on thousands of rows."""
        seen = self._clean_values
        again: set[str] = set()
        fresh: list[tuple[str, str, Any]] = []
        for name, attname in self._memo_fields:
            if name in exclude:
                continue
            value = getattr(instance, attname)
            try:
                if value in seen.get(name, ()):
                    again.add(name)
                else:
                    fresh.append((name, attname, value))
            except TypeError:  # not hashable: checked every time
                continue
        # Text whose column passed the text rule over the chunk (core.importing.texts): the
        # field's other checks here; should one refuse it, full_clean checks it as ever.
        texts = self.texts
        checked: set[str] = set()
        for name in texts.passed:
            if name in exclude or name in again:
                continue
            try:
                texts.check_field(instance, name)
            except ValidationError:
                checked.clear()
                break
            checked.add(name)
        left_out = exclude | again | checked
        # Fields Django's own check skips (blank, and holding no value: a site, a person not
        # named), left out here as there.
        shortcut = self.whole_clean_shortcut
        for name, attname, empty in self._blank_fields if shortcut else ():
            if name not in left_out and getattr(instance, attname) in empty:
                left_out.add(name)
        if shortcut and self._cleans_plainly and self._all_fields <= left_out:
            # Every field checked above or left out: ``full_clean`` would check no field, and
            # is the model's own ``clean``, its error put as ``full_clean`` puts it.
            try:
                instance.clean()
            except ValidationError as exc:
                raise ValidationError(exc.update_error_dict({})) from None
        else:
            instance.full_clean(exclude=left_out, validate_unique=False, validate_constraints=False)
        for name, attname, value in fresh:
            values = seen.setdefault(name, set())
            # Only a value the checks left as it was (one they trimmed is not the same).
            if len(values) < _CLEAN_MEMO_SIZE and getattr(instance, attname) == value:
                values.add(value)

    def _constraints_hold(self, instance: Any, exclude: set[str]) -> bool:
        """Whether the record keeps to every constraint of its model, answered by the check
        constraints' compiled conditions (core.tenancy.conditions, the answer
        ``validate_constraints`` itself takes from them) without the rest of that method's
        work a row; False when one does not hold or cannot be answered so, or the model has
        other constraints or its own validation: ``validate_constraints`` is then asked, and
        gives its own error."""
        if not self._checks_known:
            self._checks = self._compiled_checks(instance)
            self._checks_known = True
        if self._checks is None:
            return False
        return all(check(instance, exclude) is True for check in self._checks)

    def _compiled_checks(self, instance: Any) -> list[Compiled] | None:
        """The model's constraints compiled, if all are check constraints and its
        ``validate_constraints`` the foundation's (an empty list for a model with none); else
        None: ``validate_constraints`` is asked every time."""
        if type(instance).validate_constraints is not ConcordModel.validate_constraints:
            return None
        found = []
        for model_class, constraints in instance.get_constraints():
            for constraint in constraints:
                if not isinstance(constraint, models.CheckConstraint):
                    return None
                found.append(compiled(model_class, constraint.condition))
        return found

    def _unique_checked(self, instance: Any, exclude: set[str]) -> bool:
        """Whether ``validate_unique`` could find anything: not when every check it would make
        is of the primary key alone (which Django skips for a new record, whose key is not
        set, and for an edited one), with no date checks; worked out once by the fields left
        out, from Django's own list of checks. A model with its own ``validate_unique`` is
        always asked."""
        if type(instance).validate_unique is not ConcordModel.validate_unique:
            return True
        key = frozenset(exclude)
        work = self._unique_work.get(key)
        if work is None:
            checks, dates = instance._get_unique_checks(exclude=exclude)
            work = bool(dates) or any(
                not model_class._meta.get_field(name).primary_key
                for model_class, names in checks
                for name in names
            )
            self._unique_work[key] = work
        return work

    def _read_shares(self, row: int, cells: list[Any], creating: bool) -> tuple[bool, Any]:
        """A co-owned record's owners from its row: (ok, {partner: percentage} or None to keep
        an updated record's owners)."""
        assert self.shares is not None
        position = self.shares_position
        raw = cells[position] if position is not None and position < len(cells) else None
        if isinstance(raw, UnusableCell):
            self.error(row, SHARES_COLUMN, raw.message)
            return False, None
        if _empty(raw):
            if not creating:
                return True, None  # an update keeps its owners
            if self.default_owner is None:
                self.error(row, SHARES_COLUMN, owner_needed(self.model))
                return False, None
            return True, {self.default_owner: Decimal("100")}
        try:
            return True, self.shares.read(str(plain_cell(raw)))
        except ValidationError as exc:
            for message in exc.messages:
                self.error(row, SHARES_COLUMN, message)
            return False, None

    def _read_audience(self, row: int, cells: list[Any], creating: bool) -> tuple[bool, Any]:
        """The councils a record for chosen councils is for, from its row: (ok, (councils,
        for every council) or None to keep an updated record's councils)."""
        assert self.audience is not None
        position = self.audience_position
        raw = cells[position] if position is not None and position < len(cells) else None
        if isinstance(raw, UnusableCell):
            self.error(row, AUDIENCE_COLUMN, raw.message)
            return False, None
        if _empty(raw):
            if not creating:
                return True, None  # an update keeps its councils
            if self.default_owner is None:
                self.error(row, AUDIENCE_COLUMN, owner_needed(self.model))
                return False, None
            return True, ([self.default_owner], False)
        try:
            return True, self.audience.read(str(plain_cell(raw)))
        except ValidationError as exc:
            for message in exc.messages:
                self.error(row, AUDIENCE_COLUMN, message)
            return False, None

    def _may_import_audience(self, row: int, instance: Any, creating: bool) -> bool:
        """For a record for chosen councils: each council a row names must be one where the
        person may import (and add or change) it; ``all``, and taking a record away from
        every council, only for someone who may do so in every council. The councils an
        updated record is for that the person may not write are kept (as on its page)."""
        councils, for_all = instance._import_audience
        area = self.model.area
        action = ADD if creating else CHANGE
        plural = self.model._meta.verbose_name_plural
        importing = self.access.partner_ids(IMPORT, area)
        writing = self.access.partner_ids(action, area)
        every = importing is None and writing is None
        was_all = bool(getattr(instance, "_import_was_all", False)) and not creating
        if (for_all or was_all) and not every:
            self.error(
                row,
                AUDIENCE_COLUMN,
                f"Only someone who may import {plural} for every council can say whether one is "
                "for every council.",
            )
            return False
        if for_all or every:
            return True
        may = (importing or set()) & (writing or set())
        refused = [p.code for p in councils if p.pk not in may]
        if refused:
            self.error(
                row, AUDIENCE_COLUMN, f"You may not import {plural} for {', '.join(refused)}."
            )
            return False
        if not creating:
            kept = kept_audience(instance, may)
            instance._import_audience = (
                councils + [p for p in kept if p not in councils],
                False,
            )
        return True

    def _values_of(self, name: str, action: str) -> dict[str, set[int]]:
        """{value in lower case: ids} of field `name` among the records the person may
        `action`, read with one query."""
        found: dict[str, set[int]] = {}
        rows = self.model.objects.visible_to(self.user, action).exclude(**{name: ""})
        for pk, value in rows.values_list("pk", name).iterator(chunk_size=5000):
            if value:
                found.setdefault(str(value).lower(), set()).add(pk)
        return found

    def _clashes(self, instance: Any) -> dict[str, str]:
        """`reader_clashes` of the row's record, from the values read once (`_values_of`)."""
        from core.tenancy.records import json_value, record_names

        clashes: dict[str, str] = {}
        loaded = instance._loaded_values if not instance._state.adding else None
        for name in getattr(self.model, "unique_for_reader", ()):
            value = getattr(instance, name)
            if value in (None, ""):
                continue
            attname = model_field(self.model, name).attname
            if loaded is not None and loaded.get(attname) == json_value(value):
                continue  # unchanged: as on the record's page, only a new value is checked
            if name not in self._seen_values:
                self._seen_values[name] = self._values_of(name, VIEW)
            others = self._seen_values[name].get(str(value).lower(), set()) - {instance.pk}
            if others:
                label = str(model_field(self.model, name).verbose_name)
                thing = record_names(self.model)[0]
                clashes[name] = (
                    f"{thing[:1].upper()}{thing[1:]} {label} {value} is already used: "
                    f"choose another {label}"
                )
        return clashes

    def _match_key(
        self,
        names: tuple[str, ...],
        cells: list[Any],
        by_name: dict[str, ImportColumn],
        row: int | None = None,
    ) -> Any:
        """The row's values of the match fields `names`, as matched (text in lower case):
        None when the row does not give them all (a lone field must not be empty; of several
        together, a text field may be), `_UNREADABLE` when one cannot be read."""
        key = []
        for name in names:
            column = by_name.get(name)
            if column is None or column.position >= len(cells):
                return None
            try:
                value = self.values.convert(column, cells[column.position])
            except ValidationError:
                return _UNREADABLE  # the column's own check reports it
            if row is not None and column.related is None:
                # The same value the row's reading would make (no council changes it).
                self._cell_values[(row, name)] = value
            if value is None or (value == "" and len(names) == 1):
                return None
            key.append(str(value).lower())
        return key[0] if len(names) == 1 else tuple(key)

    def _match_ids(self, names: tuple[str, ...], key: Any) -> list[int]:
        """The records the person may change whose `names` hold `key` (read once)."""
        if names not in self._changeable:
            if len(names) == 1:
                self._changeable[names] = {
                    value: sorted(ids) for value, ids in self._values_of(names[0], CHANGE).items()
                }
            else:
                found: dict[Any, list[int]] = {}
                rows = self.model.objects.visible_to(self.user, CHANGE).values_list("pk", *names)
                for pk, *values in rows.iterator(chunk_size=5000):
                    if any(v is None for v in values):
                        continue
                    found.setdefault(tuple(str(v).lower() for v in values), []).append(pk)
                self._changeable[names] = {k: sorted(ids) for k, ids in found.items()}
        return self._changeable[names].get(key, [])

    def _matching(self, row: int, cells: list[Any]) -> tuple[bool, Any]:
        """The record a row without an id updates: the one the person may change whose first
        of the model's `import_match_fields` given in the row (a serial number, an asset
        tag; or several fields together: a device, a product and its version) has the row's
        values, whatever the capitals; (True, None) when none has."""
        by_name = self._by_name
        for names in self.match_fields:
            key = self._keys.get((row, names), _NOT_READ)
            if key is _NOT_READ:
                key = self._match_key(names, cells, by_name)
            if key is _UNREADABLE:
                return True, None
            if key is None:
                continue
            name = names[-1]
            ids = self._match_ids(names, key)
            found = [found for found in map(self._load, ids[:2]) if found is not None]
            if len(found) > 1:
                label = " and ".join(column_label(self.model, n) for n in names)
                shown = "', '".join(str(plain_cell(cells[by_name[n].position])) for n in names)
                self.error(
                    row,
                    name,
                    f"More than one {thing_name(self.model)} you can change has {label} "
                    f"'{shown}': add an id column to say which to update.",
                )
                return False, None
            if found:
                instance = found[0]
                owners = self._owner_ids(instance) or None
                area = self.model.area
                if not self.access.can(IMPORT, area, owners):
                    self.error(
                        row, name, f"You may not change the {thing_name(self.model)} it names."
                    )
                    return False, None
                return True, instance
        return True, None

    def _check_unsaved(self, row: int, instance: Any, cells: list[Any]) -> bool:
        """A row that is checked but not saved (a dry run, or a file with a bad row above):
        the rules that count what earlier rows would have written (a licence agreement's seats
        taken by the rows above) cannot see them in the database, so the model is asked
        through ``check_unsaved_import_row(pending)``, with a dict it keeps across the file's
        rows, and raises ValidationError naming the field at fault."""
        check = getattr(instance, "check_unsaved_import_row", None)
        if check is None:
            return True
        try:
            check(self._pending)
        except ValidationError as exc:
            for column_name, message in dict.fromkeys(self._explain(instance, exc, cells)):
                self.error(row, column_name, message)
            return False
        return True

    def _explain(
        self, instance: Any, exc: ValidationError, cells: list[Any]
    ) -> Iterator[tuple[str, str]]:
        """(column, message) for each problem the model found, in a person's words."""
        by_name = self._by_name
        for key, errors in exc.error_dict.items():
            for error in errors:
                params = error.params or {}
                check = params.get("unique_check") if isinstance(params, dict) else None
                if error.code in ("unique", "unique_together") and check:
                    shown = []
                    for name in check:
                        value = getattr(instance, model_field(self.model, name).attname)
                        col = by_name.get(name)
                        if col is not None and col.position < len(cells):
                            value = plain_cell(cells[col.position])
                        shown.append(f"{column_label(self.model, name)} '{value}'")
                    column = next((n for n in reversed(check) if n in by_name), "")
                    thing = thing_name(self.model)
                    yield column, f"There is already a {thing} with {' and '.join(shown)}."
                    continue
                for message in error.messages:
                    if key == NON_FIELD_ERRORS:
                        yield "", message
                    elif self.audience is not None and key in ("for_all_councils", "councils"):
                        yield AUDIENCE_COLUMN, message
                    elif key in self.import_fields:
                        yield key, message
                    else:
                        yield "", f"{column_label(self.model, key)}: {message}"

    def _count(self, creating: bool) -> None:
        if creating:
            self.created += 1
        else:
            self.updated += 1

    def _may_import(self, row: int, instance: Any, creating: bool, bad: set[str]) -> bool:
        """The owning council must be one where the person may import (and add or change)."""
        if "partner" in bad or SHARES_COLUMN in bad:
            return True  # already reported: the council could not be read
        if self.audience is not None:
            if AUDIENCE_COLUMN in bad:
                return True  # already reported: the councils could not be read
            if getattr(instance, "_import_audience", None) is not None:
                return self._may_import_audience(row, instance, creating)
        shares = getattr(instance, "_import_shares", None)
        try:
            owners = [p.pk for p in shares] if shares else self._owner_ids(instance)
        except TypeError:
            owners = []
        area = self.model.area
        action = ADD if creating else CHANGE
        if self.access.can(IMPORT, area, owners or None) and self.access.can(
            action, area, owners or None
        ):
            return True
        plural = self.model._meta.verbose_name_plural
        partner = getattr(instance, "partner", None) if owners and not shares else None
        if partner is not None and "partner" in self.import_fields:
            self.error(row, "partner", f"You may not import {plural} for {partner}.")
        elif shares:
            names = ", ".join(sorted(p.code for p in shares))
            self.error(row, SHARES_COLUMN, f"You may not import {plural} for {names}.")
        else:
            self.error(row, "", f"You may not import {plural}.")
        return False

    def _repeats(self, row: int, instance: Any, cells: list[Any], bad: set[str]) -> bool:
        """Has an earlier row of this file the same id, or the same value of a unique field?"""
        repeated = False
        if instance.pk is not None:
            key = (-1, (instance.pk,))
            if key in self._seen:
                self.error(row, "id", f"Row {self._seen[key]} of this file has the same id.")
                repeated = True
            else:
                self._seen[key] = row
        by_name = self._by_name
        for index, names in enumerate(self._unique_sets):
            if bad and any(name in bad for name in names):
                continue
            values = tuple(getattr(instance, attname) for attname in self._unique_attnames[index])
            if any(v is None or v == "" for v in values):
                continue
            key = (index, values)
            first = self._seen.get(key)
            if first is None:
                self._seen[key] = row
                continue
            shown = []
            for name, value in zip(names, values, strict=True):
                col = by_name.get(name)
                if col is not None and col.position < len(cells):
                    value = plain_cell(cells[col.position])
                shown.append(f"{column_label(self.model, name)} '{value}'")
            column = next((n for n in reversed(names) if n in by_name), "")
            self.error(row, column, f"Row {first} of this file has the same {' and '.join(shown)}.")
            repeated = True
        return repeated

    def _save(self, row: int, instance: Any, creating: bool, cells: list[Any]) -> None:
        if self.bulk:
            shares = getattr(instance, "_import_shares", None)
            self._writes.append(Pending(row, instance, creating, shares, cells))
            return
        self._save_one(row, instance, creating, cells)

    def _flush(self) -> None:
        """Write the rows checked since the last flush in bulk (core.importing.batch), in a
        savepoint; if the database refuses the chunk, write it again a row at a time, so that
        the row at fault is the one reported."""
        writes, self._writes = self._writes, []
        if not writes or self.failed:
            return
        try:
            with transaction.atomic():
                hidden = write_in_bulk(self.model, self.user, writes, self._owners)
                if hidden:
                    raise _Invisible(hidden)
                for item in writes:
                    self._make_moves(item.row, item.instance)
        except _MoveRefused as exc:
            undo_in_memory(writes)
            for message in exc.messages:
                self.error(exc.row, exc.column, message)
            return
        except _Invisible as exc:
            undo_in_memory(writes)
            for row in exc.args[0]:
                self.error(row, "", "You would not be able to see this record after the import.")
            return
        except DatabaseError:
            undo_in_memory(writes)
            for item in writes:
                if item.shares is not None:
                    item.instance._import_shares = item.shares
                self._save_one(item.row, item.instance, item.creating, item.cells)
            return
        for item in writes:
            self._count(item.creating)

    def _save_one(self, row: int, instance: Any, creating: bool, cells: list[Any]) -> None:
        try:
            # A savepoint per row, so that a clash only the database sees (two people importing
            # at once) is reported against its row instead of breaking the transaction.
            with transaction.atomic():
                instance.save()
                shares = getattr(instance, "_import_shares", None)
                if shares:
                    set_owner_shares(instance, shares)
                audience = getattr(instance, "_import_audience", None)
                if audience is not None:
                    # The flag was saved with the record; the councils named, as pages and
                    # the API save them (the change log names the importer).
                    set_audience(instance, audience[0])
                self._make_moves(row, instance)
                if getattr(self.model, "ownership", "partner") not in ("partner", "catalogue"):
                    # Who owns it is not a column here: make sure its author can still see it.
                    visible = self.model.objects.visible_to(self.user).filter(pk=instance.pk)
                    if not visible.exists():
                        raise _Invisible
        except _Invisible:
            self.error(row, "", "You would not be able to see this record after the import.")
            return
        except _MoveRefused as exc:
            for message in exc.messages:
                self.error(row, exc.column, message)
            return
        except ValidationError as exc:
            # A rule the model checks again as it saves, under a lock (a licence agreement's
            # last seat, taken by someone else since this row was checked): the row's error,
            # on the column it names, never a server error.
            for column, message in dict.fromkeys(self._explain(instance, exc, cells)):
                self.error(row, column, message)
            return
        except DatabaseError:
            self.error(
                row, "", "This row could not be saved: it clashes with a record already stored."
            )
            return
        self._count(creating)

    # run -----------------------------------------------------------------------------------

    def run(self, fileobj: IO[bytes], filename: str) -> int:
        """Read and validate (and, unless a dry run, save) every row. Returns the rows of data."""
        if check_file(fileobj, filename) == ".csv":
            # Once, rather than on each of the two reads below.
            self.encoding = csv_encoding(fileobj)
        total = count_rows(fileobj, filename, self.encoding)
        rows = read_rows(fileobj, filename, self.encoding)
        header = next(rows, None)
        if header is None:
            raise ImportFileError("The file has no header row and no data.")
        if not self.read_header(list(header[1]), header[0]):
            return total
        if total == 0:
            raise ImportFileError("The file has a header row but no rows of data.")
        done = 0
        if self.progress:
            self.progress(0, total)
        chunk: list[tuple[int, list[Any]]] = []
        for number, cells in rows:
            chunk.append((number, list(cells)))
            if len(chunk) < CHUNK:
                continue
            done = self._run_chunk(chunk, done, total)
            chunk = []
        done = self._run_chunk(chunk, done, total)
        if self.progress:
            self.progress(done, total)
        return total

    def _run_chunk(self, chunk: list[tuple[int, list[Any]]], done: int, total: int) -> int:
        """Check (and write) one chunk of rows; the rows done after it."""
        if not chunk:
            return done
        self._read_chunk(chunk)
        self.texts.check_chunk(chunk)
        for number, cells in chunk:
            self.process_row(number, cells)
            done += 1
            if self.progress and done % PROGRESS_EVERY == 0:
                self.progress(done, total)
        self._flush()
        self._loaded, self._handed, self._owners, self._keys = {}, set(), {}, {}
        self._cell_values = {}
        return done


def _empty(raw: Any) -> bool:
    return not isinstance(raw, UnusableCell) and is_blank(plain_cell(raw))


#: A match field's cell that cannot be read (its column's own check reports it).
_UNREADABLE = object()
#: A row whose match key was not worked out with its chunk.
_NOT_READ = object()
#: Values remembered as passing a field's checks, at most, a field (`_Importer._clean`).
_CLEAN_MEMO_SIZE = 2_000


def _memo_fields(model: type[models.Model]) -> list[tuple[str, str]]:
    """(name, attname) of the fields whose checks depend on their value alone: Django's own
    ``validate`` (choices, null, blank) and the field's validators, on a plain value (not a
    related record, not JSON, whose checks may read more)."""
    found = []
    for f in model._meta.concrete_fields:
        if f.is_relation or f.primary_key or not f.editable:
            continue
        if type(f).validate is not models.Field.validate or type(f).clean is not models.Field.clean:
            continue
        found.append((f.name, f.attname))
    return found


def match_set(entry: str | tuple[str, ...]) -> tuple[str, ...]:
    """An entry of a model's `import_match_fields` as the fields matched together."""
    return (entry,) if isinstance(entry, str) else tuple(entry)


class _Invisible(Exception):
    """A saved record its author could no longer see."""


class _MoveRefused(Exception):
    """A state column's move refused by the app's rule as the record was written."""

    def __init__(self, row: int, column: str, messages: list[str]) -> None:
        super().__init__(row, column, messages)
        self.row, self.column, self.messages = row, column, messages


def _unique_messages(messages: list[str]) -> list[str]:
    # A model field and its form field both check a length: say it once.
    return list(dict.fromkeys(messages))


def importable(model: type[models.Model]) -> TypeGuard[type[ConcordModel]]:
    """True when `model` is a Concord record that declares import fields."""
    return issubclass(model, ConcordModel) and bool(model.import_fields)


def import_records(
    model: type[models.Model],
    fileobj: IO[bytes],
    filename: str,
    user: Any,
    *,
    dry_run: bool,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import the rows of a CSV or XLSX file as records of `model`, on behalf of `user`.

    A dry run validates every row and changes nothing. A commit writes every row in one
    transaction, and only if no row has a problem; the change log records each created or
    updated record under `user`, labelled ``import:<filename>``. Problems with the file itself
    (empty, too big, not CSV or XLSX) come back as one error on row 0, unless they are in one
    row (a character that cannot be read, a quote never closed); problems with the header on
    row 1. Never raises for anything in the file.
    """
    if not importable(model):
        return ImportResult(
            0,
            0,
            0,
            [RowError(0, "", f"{model._meta.verbose_name_plural} cannot be imported.")],
            dry_run,
        )
    importer = _Importer(
        cast("type[ConcordModel]", model), user, dry_run=dry_run, progress=progress
    )
    with fewer_collections():
        return _import_records(importer, model, fileobj, filename, user, dry_run=dry_run)


def _import_records(
    importer: _Importer,
    model: type[models.Model],
    fileobj: IO[bytes],
    filename: str,
    user: Any,
    *,
    dry_run: bool,
) -> ImportResult:
    """`import_records`, with the collector's passes made rare (core.importing.collecting)."""
    label = f"import:{os.path.basename(filename or 'upload')}"[:200]
    total = 0
    foreign = None
    sources: dict[int, str] = {}
    try:
        # Another tool's export (core.importing.formats) is read as the model's own columns.
        foreign = formats.detect(model, fileobj, filename)
        if foreign is not None:
            fileobj, filename, sources = formats.convert_with_sources(
                foreign, fileobj, filename, user
            )
        if dry_run:
            total = importer.run(fileobj, filename)
        else:
            with acting_as(user, label=label), transaction.atomic():
                total = importer.run(fileobj, filename)
                if importer.failed:
                    # Whole or not at all: one bad row undoes every row written before it.
                    transaction.set_rollback(True)
    except ImportFileError as exc:
        importer.errors.insert(0, RowError(exc.row, "", exc.message))
        importer.failed = True
    created, updated = importer.created, importer.updated
    if importer.failed and not dry_run:
        created = updated = 0
    errors = importer.errors
    if foreign is not None:
        # Said in the tool's own words: the column of its file each problem is in, and the
        # part of the file its row came from (a release) where the format says.
        errors = [
            RowError(
                e.row,
                foreign.columns.get(e.column, e.column),
                f"{sources[e.row]}: {e.message}" if e.row in sources else e.message,
            )
            for e in errors
        ]
    return ImportResult(
        total_rows=total,
        created=created,
        updated=updated,
        errors=sorted(errors, key=lambda e: e.row),
        source_format=foreign.label if foreign is not None else "",
        dry_run=dry_run,
        more_errors=importer.more_errors,
        encoding=(
            importer.encoding.name
            if importer.encoding is not None and not importer.encoding.problem
            else ""
        ),
    )
