"""What a Concord record is, and who owns it: the base classes every domain model builds on.

Three kinds of record, one visibility mechanism (core.tenancy.scoping):

- `PartnerOwnedModel`: owned by one council (`partner`).
- `SharedOwnershipModel`: owned together by several councils through `OwnerShare` rows whose
  percentages sum to 100.
- `AudienceModel`: kept by the shared service for every council or for the councils it
  names through `AudienceCouncil` rows (a knowledge article, a catalogue request item, a
  change that affects several councils); each council it is for counts as one of its owners.
- `CatalogueModel`: owned by nobody (suppliers, products, categories), readable by every
  signed-in person, editable by shared-service staff.

Each model states its `area` of the grant table (core.tenancy.access), so that permission
checks need no code of the model's own. A record also carries what the machinery above needs
to know about it, declared rather than coded: its natural key, import columns, constraint
fields, attachability. Its own values as loaded are kept so the change log (core.changelog)
can write "before" without another query.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models import Exists, OuterRef, Q
from django.db.models.fields.files import FieldFile
from django.db.models.signals import class_prepared
from django.urls import NoReverseMatch, reverse
from django.utils.functional import lazy
from django.utils.text import capfirst

from core.tenancy.access import access_for
from core.tenancy.conditions import check_in_python
from core.tenancy.inserts import insert_saved
from core.tenancy.scoping import ScopedManager, system_scope
from core.tenancy.validators import apply_text_rules, text_fields

#: The URL namespace of each model's pages, where an app other than the model's own declares
#: them (the partners app has the pages of the kernel's councils and people), by model label.
PAGE_NAMESPACES: dict[str, str] = {}


def serve_pages(model: type[models.Model], namespace: str) -> None:
    """Say that the pages of `model` are in URL namespace `namespace` (core.views.generic
    calls it for every model whose pages an app declares, when its views module loads)."""
    label = model._meta.label
    known = PAGE_NAMESPACES.get(label)
    if known is not None and known != namespace:
        raise ValueError(f"The pages of {label} are declared twice: in {known} and {namespace}")
    PAGE_NAMESPACES[label] = namespace


# Bookkeeping fields that change on every save and say nothing about the record itself.
UNTRACKED_FIELDS = frozenset({"created_at", "updated_at", "version"})


def json_value(value: Any) -> Any:
    """A field value as it is written to the change log and to exports."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


class ConcordModel(models.Model):
    """Abstract base of every domain record: timestamps, a version for ETags, scoping."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedManager()
    #: Every write of these records leaves a change record (core.changelog); the querysets
    #: refuse bulk writes that would not (core.tenancy.scoping.ChangeLoggedWrites).
    change_logged: ClassVar[bool] = True
    #: The area of the grant table (core.tenancy.access.AREAS) this record kind belongs to.
    #: Every concrete model names one; a system check refuses a missing or unknown area.
    area: ClassVar[str]
    #: "partner", "shared", "audience", "catalogue", "part" (of another record: PartModel) or
    #: "self": how ownership (and so visibility) works.
    ownership: ClassVar[str] = "partner"
    #: The field a person changes to change who owns a record (``partner``, or a co-owned
    #: record's ``owner_shares``): where "you could no longer see it" is said. None: none.
    ownership_field: ClassVar[str | None] = None
    #: The field that names a record in files (imports, exports), e.g. a partner's ``code``.
    #: Foreign keys to this model are written and read as this value instead of an id.
    natural_key: ClassVar[str | None] = None
    #: Whether the natural key is unique only within a council (a cost centre's code "400"
    #: exists in several councils): an import row naming one council looks a foreign key to
    #: this model up among that council's records only (core.importing.values).
    natural_key_within_council: ClassVar[bool] = False
    #: The columns a CSV/XLSX import of this model takes; empty means it cannot be imported.
    import_fields: ClassVar[tuple[str, ...]] = ()
    #: Values an import writes on every record it adds or updates, whatever was there before
    #: (a driver figure imported is one a person entered, as one typed on its page is).
    import_values: ClassVar[dict[str, Any]] = {}
    #: Fields a re-import matches a row without an id on, in order (a serial number, then an
    #: asset tag): the record the person may change holding the row's value (whatever the
    #: capitals) is updated instead of a new one added (core.importing.records). An entry may
    #: be a tuple of fields matched together (a device, a product and its version; a text
    #: field among them may be empty). Empty: only an ``id`` column updates.
    import_match_fields: ClassVar[tuple[str | tuple[str, ...], ...]] = ()
    #: An example value for each import column, by field name, for the import's templates and
    #: page (a column without one gets an example of its field's kind).
    import_example: ClassVar[dict[str, str]] = {}
    #: Whether files may be attached to these records (core.Attachment); a model turns it off.
    attachable: ClassVar[bool] = True
    #: Foreign keys to the user model that name the owning council's OWN people (a
    #: membership's person): the partner export includes their accounts. Any other person a
    #: record names (a shared-service agent, another co-owner's person, an uploader) appears
    #: in the export by username only, as their account is not the council's data.
    partner_people_fields: ClassVar[tuple[str, ...]] = ()
    #: The field each of ``Meta.constraints`` is about, by constraint name: the one a person
    #: changes to put a breach right, on which forms, the API and imports show its
    #: ``violation_error_message``. A unique constraint needs no entry (its last field is the
    #: one); a check constraint should have one, as its condition does not say which field.
    constraint_fields: ClassVar[dict[str, str]] = {}
    #: Fields whose values are worked out from the others and from settings elsewhere (a
    #: ticket's SLA due times, from its policy and its council's calendar): like the
    #: bookkeeping fields, they are not in the change log and do not move the version, so
    #: that recomputing them for many records (after a calendar changes) is not a change of
    #: each. They are still exported and shown.
    derived_fields: ClassVar[frozenset[str]] = frozenset()
    #: Why these records have no generic test family (core.testing.families), and where they
    #: are tested instead: records that are parts of another (a ticket's replies), with no
    #: pages of their own. Empty for almost every model: a family is the rule.
    without_family: ClassVar[str] = ""
    #: Paths to the people whose own records these are (a ticket's ``requester`` and
    #: ``contact``): a council role granted an action on its OWN records only (the grant
    #: table's COUNCIL_OWN_GRANTS) reaches the records one of these names. Empty: none.
    own_fields: ClassVar[tuple[str, ...]] = ()
    #: Fields whose value no two records share among those a person can see (a co-owned
    #: agreement's reference). Not a database constraint, on purpose: a unique column would
    #: refuse a council a value another council has used, and so tell it that record exists.
    #: Forms and the API check them with `reader_clashes`.
    unique_for_reader: ClassVar[tuple[str, ...]] = ()
    #: This record's own fields the change log leaves out of "before" and "after" (and so of
    #: history pages, the change log page and API, and the partner export's change log): an
    #: attachment's ``file``, where the file is stored, which is no one's business but the
    #: server's. Values logged before a field was listed here are left out when shown too
    #: (core.changelog.shown_values).
    change_log_omits: ClassVar[frozenset[str]] = frozenset()
    #: What people call one record of this kind and several, where it is not the model's
    #: ``Meta.verbose_name`` (the councils' words: a membership is a "person" on the pages).
    #: Read only through `record_names`, by every page, link, button, breadcrumb, change log
    #: entry and message, so that a link's "Add person" opens a page titled "Add person".
    noun: ClassVar[str | None] = None
    noun_plural: ClassVar[str | None] = None

    class Meta:
        abstract = True

    def reader_clashes(self, user: Any) -> dict[str, str]:
        """The `unique_for_reader` fields whose value another record `user` can see already
        has (ignoring capitals), with the message to show on each: of a new record, every
        such field; of a saved one, only those whose value this edit changes."""
        clashes: dict[str, str] = {}
        manager: Any = type(self)._default_manager
        loaded = self._loaded_values if not self._state.adding else None
        for name in self.unique_for_reader:
            value = getattr(self, name)
            if value in (None, ""):
                continue
            attname = self._meta.get_field(name).attname  # type: ignore[union-attr]
            if loaded is not None and attname in loaded and loaded[attname] == json_value(value):
                # Checked only when it changes: two records a person sees may share a value
                # another council gave one of them (they could not see the other), and that
                # must not stop anyone editing either (docs/tenancy.md).
                continue
            others = manager.visible_to(user).filter(**{f"{name}__iexact": value})
            if self.pk is not None:
                others = others.exclude(pk=self.pk)
            if others.exists():
                field: Any = self._meta.get_field(name)
                label = str(field.verbose_name)
                clashes[name] = (
                    f"{capfirst(record_names(type(self))[0])} {label} {value} is already "
                    f"used: choose another {label}"
                )
        return clashes

    # The row as loaded, so that the change log can show "before" without another query. It
    # is turned into JSON-ready values only when a save or delete needs it: a list page that
    # loads fifty rows never pays for it.
    _loaded_row: tuple[Any, Any] | None = None
    _loaded_snapshot: dict[str, Any] | None = None

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._loaded_row = (field_names, values)
        return instance

    @property
    def _loaded_values(self) -> dict[str, Any] | None:
        """The record's tracked values as last loaded from (or written to) the database."""
        if self._loaded_snapshot is None and self._loaded_row is not None:
            names, values = self._loaded_row
            self._loaded_snapshot = {
                name: json_value(value)
                for name, value in zip(names, values, strict=True)
                if name not in UNTRACKED_FIELDS
                and name not in self.derived_fields
                and name not in self.change_log_omits
            }
        return self._loaded_snapshot

    @_loaded_values.setter
    def _loaded_values(self, snapshot: dict[str, Any] | None) -> None:
        self._loaded_snapshot = snapshot
        self._loaded_row = None

    def refresh_from_db(
        self, using: Any = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        # The fields now hold the database's values: the change log's "before" must too, or
        # the next save would log a change from the values as first loaded.
        fresh = self.tracked_values()
        if fields is not None and self._loaded_values is not None:
            names = {getattr(self._meta.get_field(name), "attname", name) for name in fields}
            fresh = {**self._loaded_values, **{k: v for k, v in fresh.items() if k in names}}
        self._loaded_values = fresh

    def tracked_values(self) -> dict[str, Any]:
        """The record's own field values, JSON-ready, as the change log records them."""
        values: dict[str, Any] = {}
        deferred = self.get_deferred_fields()
        for f in self._meta.concrete_fields:
            if f.attname in deferred or f.name in UNTRACKED_FIELDS or f.name in self.derived_fields:
                continue
            if f.name in self.change_log_omits or f.attname in self.change_log_omits:
                continue
            values[f.attname] = json_value(getattr(self, f.attname))
        return values

    def derive(self) -> None:
        """Work out the fields that follow from the others (an asset's end of support from its
        operating system), before every write: `save` calls it, and so does an import that
        writes records in bulk (core.importing.batch). A model whose save would do more than
        this and the foundation's bookkeeping overrides `save` instead, and is then imported
        a record at a time."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive()
        if not self._state.adding and self.tracked_values() != self._loaded_values:
            # The version (and so the ETag) moves only when the record itself changes.
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)

    def _do_insert(
        self, manager: Any, using: Any, fields: Any, returning_fields: Any, raw: bool
    ) -> Any:
        # A new record's INSERT, built once per connection rather than for every save
        # (core.tenancy.inserts); Django's own where the statement would not be that one.
        if not raw:
            rows = insert_saved(self, using, list(fields), list(returning_fields))
            if rows is not None:
                return rows
        return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]

    def clean_fields(self, exclude: Any = None) -> None:
        # Surrounding whitespace is never part of a value, whichever way it came in (forms and
        # the API trim it too; this is for code that sets a value and calls full_clean).
        skipped = set(exclude or ())
        for field in text_fields(type(self)):
            value = getattr(self, field.attname)
            if field.name not in skipped and isinstance(value, str) and value != value.strip():
                setattr(self, field.attname, value.strip())
        # A foreign key's check that its record exists is a query a key; where the record was
        # read from the database and is held by this one, the query would only say so again
        # (and the database's own constraint still stands at commit). Those keys get every
        # other check of their field here, and skip the query.
        held = [f for f in held_keys(self) if f.name not in skipped]
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude={*skipped, *(f.name for f in held)})
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in held:
            raw = getattr(self, field.attname)
            if field.blank and raw in field.empty_values:
                continue
            try:
                value = field.to_python(raw)
                models.Field.validate(field, value, self)
                field.run_validators(value)
                setattr(self, field.attname, value)
            except ValidationError as exc:
                errors[field.name] = exc.error_list
        if errors:
            raise ValidationError(errors)

    # Uniqueness checks look across the table on purpose: a code must be unique even where the
    # person saving cannot see the clashing record (the message names no record).
    def validate_unique(self, exclude: Any = None) -> None:
        with system_scope("uniqueness check"):
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude: Any = None) -> None:
        # Django's own loop, except where a breach is reported: Django puts a check constraint
        # or a unique constraint on several fields at the top of a form, linked to nothing. A
        # person fixes a field, so each breach goes on the field `constraint_field` names.
        errors: dict[str, list[ValidationError]] = {}
        using = router.db_for_write(type(self), instance=self)
        checkable = {f.name for f in self._meta.concrete_fields} - set(exclude or ())
        with system_scope("constraint check"):
            for model_class, constraints in self.get_constraints():
                for constraint in constraints:
                    check: Any = constraint  # (django-stubs lacks BaseConstraint.validate)
                    try:
                        if isinstance(constraint, models.CheckConstraint):
                            # Answered in Python where that is exactly the database's answer
                            # (core.tenancy.conditions): no query per record and constraint.
                            held = check_in_python(model_class, self, constraint.condition, exclude)
                            if held is True:
                                continue
                            if held is False:
                                raise ValidationError(
                                    constraint.get_violation_error_message(),
                                    code=constraint.violation_error_code,
                                )
                        check.validate(model_class, self, exclude=exclude, using=using)
                    except ValidationError as exc:
                        field = self.constraint_field(constraint, checkable) or NON_FIELD_ERRORS
                        errors.setdefault(field, []).append(exc)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def constraint_field(cls, constraint: Any, available: Any = None) -> str | None:
        """The field a breach of `constraint` is shown on, among the field names `available`
        (those on the form, the columns of an import; None: any), or None for the record as a
        whole.

        The field declared in `constraint_fields`; else the last of the constraint's fields
        (``code`` of ``partner, code``: the council was chosen, the code is what clashes);
        else, for a check constraint, the last field its condition compares, in the model's
        order (``ends_on`` of ``ends_on >= starts_on``).
        """
        declared = cls.constraint_fields.get(constraint.name)
        if declared is not None and (available is None or declared in available):
            return declared
        names: list[str] = list(getattr(constraint, "fields", ()) or ())
        condition = getattr(constraint, "condition", None)
        if not names and isinstance(constraint, models.CheckConstraint) and condition is not None:
            referenced = set(condition.referenced_base_fields)
            names = [f.name for f in cls._meta.concrete_fields if f.name in referenced]
        for name in reversed(names):
            if available is None or name in available:
                return name
        return None

    # Ownership and visibility ------------------------------------------------------------

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        """Rows owned (or co-owned) by any of `partner_ids`. Subclasses define it."""
        raise TypeError(f"{cls.__name__} does not define how it is owned")

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """Rows `user` may `action`: Q() for all, None for none. The only visibility rule.

        The rows of the councils where the grant table gives the action on every record of
        the area, and, where it gives it on the person's own records only (a requester's
        tickets), those of their rows that are their own (`own_condition`).
        """
        access = access_for(user)
        ids = access.partner_ids(action, cls.area)
        if ids is None:
            return Q()
        condition = cls.ownership_filter(ids) if ids else None
        own_ids = access.own_partner_ids(action, cls.area) if cls.own_fields else set()
        if own_ids:
            owned = cls.ownership_filter(own_ids)
            if owned is not None:
                term = owned & cls.own_condition(user)
                condition = term if condition is None else condition | term
        return condition

    @classmethod
    def own_condition(cls, user: Any) -> Q:
        """The rows that are `user`'s own: one of `own_fields` names them. A model narrows it
        further here (a ticket's internal notes are nobody's own)."""
        condition = Q(pk__in=[])
        for name in cls.own_fields:
            condition |= Q(**{name: user.pk})
        return condition

    def is_own_record(self, user: Any) -> bool:
        """Whether this record is `user`'s own (`own_condition`), so that the grants on one's
        own records apply to it (core.tenancy.access.COUNCIL_OWN_GRANTS). Read from the
        record's own columns when its condition is the plain one, else asked of the database."""
        if not self.own_fields or user is None or not getattr(user, "pk", None):
            return False
        cls: Any = type(self)
        plain = cls.own_condition.__func__ is ConcordModel.own_condition.__func__  # type: ignore[attr-defined]
        if plain and all("__" not in name for name in self.own_fields):
            return any(getattr(self, f"{name}_id", None) == user.pk for name in self.own_fields)
        return self.pk is not None and self._own_by_query(user)

    def _own_by_query(self, user: Any) -> bool:
        mine = type(self)._default_manager.unscoped("is it the person's own record")
        return mine.filter(Q(pk=self.pk) & self.own_condition(user)).exists()

    def owning_partner_ids(self) -> list[int]:
        """Ids of the partners that own this record (empty for catalogue records)."""
        raise TypeError(f"{type(self).__name__} does not define how it is owned")

    def owning_partner_ids_in(self, values: dict[str, Any]) -> list[int]:
        """Ids of the partners that owned this record when its tracked values were `values`
        (the change log's "before"). By default its owners now: a co-owned record changes
        owners only through `core.services.set_owner_shares`, which logs that itself, and a
        catalogue record has none."""
        return self.owning_partner_ids()

    def change_log_partner_ids(self, before: dict[str, Any] | None = None) -> list[int]:
        """Partners whose change log shows a change to this record: its owners now and, for a
        change from `before`, its owners then, so that a record moved from one council to
        another is in both councils' logs (docs/tenancy.md, "Moving a record")."""
        owners = set(self.owning_partner_ids())
        if before:
            owners.update(self.owning_partner_ids_in(before))
        return sorted(owners)

    @classmethod
    def export_fields(cls) -> list[str]:
        """The columns of exports: id, then every field of the record's own (no bookkeeping)."""
        names = ["id"]
        for f in cls._meta.concrete_fields:
            if f.name not in UNTRACKED_FIELDS and f.name != "id":
                names.append(f.name)
        names += ["created_at", "updated_at", "version"]
        return names

    def deletion_refused(self) -> str:
        """Why this record may not be deleted, in words for the person asking, or "" when
        it may. The generic delete page shows it and changes nothing; the API answers 409
        with it. For records kept for good by a rule of their own (a budget's revisions, a
        cost in a period already recharged); records others refer to are refused by their
        foreign keys (PROTECT) without this."""
        return ""

    # URLs follow the house naming: app:model_detail and friends.

    @classmethod
    def url_name(cls, view: str) -> str:
        """The URL name of one of this model's generic pages, e.g. ``estate:site_list``: in
        the namespace of the app that declares its pages (`serve_pages`), by default its own."""
        namespace = PAGE_NAMESPACES.get(cls._meta.label, cls._meta.app_label)
        return f"{namespace}:{cls._meta.model_name}_{view}"

    def get_absolute_url(self) -> str:
        try:
            return reverse(self.url_name("detail"), args=[self.pk])
        except NoReverseMatch:
            return ""


def _apply_text_rules(sender: Any, **kwargs: Any) -> None:
    """Every text field of every Concord record (and of any model that says ``text_rules =
    True``, as the user model does) keeps to the text rule (core.tenancy.validators)."""
    if issubclass(sender, ConcordModel) or getattr(sender, "text_rules", False):
        apply_text_rules(sender)


class_prepared.connect(_apply_text_rules, dispatch_uid="concord-text-rules")


def record_names(model: Any) -> tuple[str, str]:
    """What people call one record of `model` and several, in lower case ("site", "sites"):
    the model's declared `noun` and `noun_plural`, else its ``Meta`` verbose names.

    The one place a page takes a kind of record's name from (docs/adding-a-model.md, "One
    name for one thing"); a model that is not a Concord record (an account) gives its
    verbose names.
    """
    meta = model._meta
    singular = getattr(model, "noun", None) or meta.verbose_name
    plural = getattr(model, "noun_plural", None) or meta.verbose_name_plural
    return str(singular), str(plural)


def _partner_name() -> str:
    from django.apps import apps

    return str(apps.get_model("tenancy", "Partner")._meta.verbose_name)


#: What people call a partner ("council"): the Partner model's verbose name, read when first
#: shown. A foreign key to a partner takes it as its own verbose name, so every form, filter,
#: table, import column and history entry says "Council" without saying it again.
PARTNER_NAME = lazy(_partner_name, str)()


class PartnerOwnedModel(ConcordModel):
    """A record one council owns."""

    partner = models.ForeignKey(
        "tenancy.Partner",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=PARTNER_NAME,
        help_text="The council that owns this record.",
    )

    ownership: ClassVar[str] = "partner"
    ownership_field: ClassVar[str | None] = "partner"

    class Meta:
        abstract = True

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return Q(partner_id__in=list(partner_ids))

    def owning_partner_ids(self) -> list[int]:
        return [self.partner_id] if self.partner_id else []

    def owning_partner_ids_in(self, values: dict[str, Any]) -> list[int]:
        partner_id = values.get("partner_id", self.partner_id)
        return [partner_id] if partner_id else []


class SharedOwnershipModel(ConcordModel):
    """A record several councils own together, in shares that sum to 100%."""

    ownership: ClassVar[str] = "shared"
    ownership_field: ClassVar[str | None] = "owner_shares"

    class Meta:
        abstract = True

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        shares = OwnerShare.objects.filter(
            content_type=ContentType.objects.get_for_model(cls),
            object_id=OuterRef("pk"),
            partner_id__in=list(partner_ids),
        )
        return Q(Exists(shares))

    def owner_shares(self) -> list[OwnerShare]:
        """This record's shares, largest first."""
        if self.pk is None:
            return []
        return list(
            OwnerShare.objects.filter(
                content_type=ContentType.objects.get_for_model(type(self)), object_id=self.pk
            )
            .select_related("partner")
            .order_by("-percentage", "partner__code")
        )

    def owning_partner_ids(self) -> list[int]:
        return [share.partner_id for share in self.owner_shares()]


class AudienceModel(ConcordModel):
    """A record for every council, or for the councils it names (its audience).

    What the shared service publishes or plans for councils rather than what a council owns:
    a knowledge article for all councils or chosen ones, a request catalogue item, a change
    that affects several councils. Each council it is for counts as one of its owners, for
    seeing it, for the grants on changing it, for the change log and for the partner export;
    a record for every council counts as every council's, those that join later included.
    The councils are set with `core.services.set_audience` (pages and the API do), which
    writes the change to the change log.
    """

    for_all_councils = models.BooleanField(
        "For every council",
        default=False,
        help_text="For every council of the partnership, including those that join later.",
    )

    ownership: ClassVar[str] = "audience"
    ownership_field: ClassVar[str | None] = "councils"

    class Meta:
        abstract = True

    @classmethod
    def audience_rows(cls) -> Any:
        """This model's `AudienceCouncil` rows."""
        return AudienceCouncil.objects.filter(content_type=ContentType.objects.get_for_model(cls))

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        named = cls.audience_rows().filter(
            object_id=OuterRef("pk"), partner_id__in=list(partner_ids)
        )
        return Q(for_all_councils=True) | Q(Exists(named))

    def audience_problem(self, councils: list[Any], for_all: bool) -> str:
        """Why this record (as it would be saved) cannot be for `councils` (with `for_all`:
        every council), in a person's words, or "": a model's own rule about its councils
        (a cost that is not shared is one council's), which an import reports on its
        ``councils`` column. None by default."""
        return ""

    def audience(self) -> list[Any]:
        """The councils this record names (not every council, for one that is for all), by
        name."""
        if self.pk is None:
            return []
        rows = type(self).audience_rows().filter(object_id=self.pk).select_related("partner")
        return sorted((row.partner for row in rows), key=lambda p: p.name)

    def owning_partner_ids(self) -> list[int]:
        if self.for_all_councils:
            from django.apps import apps

            partner = apps.get_model("tenancy", "Partner")
            every = partner.objects.unscoped("a record for every council is every council's")
            return sorted(every.values_list("pk", flat=True))
        if self.pk is None:
            return []
        return sorted(
            type(self)
            .audience_rows()
            .filter(object_id=self.pk)
            .values_list("partner_id", flat=True)
        )


class CatalogueModel(ConcordModel):
    """A record owned by nobody: readable by every signed-in person, edited by service staff."""

    area: ClassVar[str] = "catalogue"
    ownership: ClassVar[str] = "catalogue"
    # Nobody owns a catalogue record, so nobody's partner export would carry its files.
    attachable: ClassVar[bool] = False

    class Meta:
        abstract = True

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return None  # nobody owns a catalogue record, so no partner export carries it

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        access = access_for(user)
        return Q() if access.can(action, cls.area) else None

    def owning_partner_ids(self) -> list[int]:
        return []


class PartModel(ConcordModel):
    """A record that is part of another (an asset's moves, a configuration item's
    relationships): owned, and so seen and changed, exactly as the record it is part of.

    A subclass names the foreign key to that record in `part_of`; its visibility is the
    parent's own rule (whatever kind of ownership the parent has), applied to the parent row,
    so no second rule exists beside it. A part may narrow it further (a relationship is seen
    only by those who see both of its ends) by extending `ownership_filter`.
    """

    ownership: ClassVar[str] = "part"
    #: The foreign key naming the record this one is part of.
    part_of: ClassVar[str] = ""

    class Meta:
        abstract = True

    @classmethod
    def parent_model(cls) -> Any:
        """The model of the record this one is part of."""
        return cls._meta.get_field(cls.part_of).related_model

    @classmethod
    def parent_rows(cls, partner_ids: Any, field: str | None = None) -> Q | None:
        """Rows whose `field` (default `part_of`) names a parent owned by `partner_ids`."""
        field = field or cls.part_of
        parent: Any = cls._meta.get_field(field).related_model
        if issubclass(parent, SharedOwnershipModel):
            # The parent's own rule, asked of the part's row: its parent's shares, probed by
            # the part's foreign key (an index lookup per row), rather than a list of every
            # parent the councils own.
            attname = cls._meta.get_field(field).attname  # type: ignore[union-attr]
            shares = OwnerShare.objects.filter(
                content_type=ContentType.objects.get_for_model(parent),
                object_id=OuterRef(attname),
                partner_id__in=list(partner_ids),
            )
            return Q(Exists(shares))
        if issubclass(parent, PartnerOwnedModel):
            return Q(**{f"{field}__partner_id__in": list(partner_ids)})
        condition = parent.ownership_filter(partner_ids)
        if condition is None:
            return None
        owned = parent._default_manager.unscoped("a part is owned as its parent is")
        return Q(**{f"{field}__in": owned.filter(condition).values("pk")})

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return cls.parent_rows(partner_ids)

    def owning_partner_ids(self) -> list[int]:
        parent = getattr(self, self.part_of, None)
        return parent.owning_partner_ids() if parent is not None else []


class OwnerShare(models.Model):
    """One council's share in a co-owned record (percentages of one record sum to 100)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    partner = models.ForeignKey(
        "tenancy.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=PARTNER_NAME
    )
    percentage = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "partner"], name="ownershare_unique_owner"
            ),
            models.CheckConstraint(
                condition=Q(percentage__gt=0) & Q(percentage__lte=100),
                name="ownershare_percentage_range",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "partner", "object_id"])]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.percentage}%"


class AudienceCouncil(models.Model):
    """One council a record of an `AudienceModel` is for."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    partner = models.ForeignKey(
        "tenancy.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=PARTNER_NAME
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "partner"], name="audience_unique_council"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "partner", "object_id"])]

    def __str__(self) -> str:
        return f"{self.partner_id}"


def cached_related(obj: models.Model) -> Iterator[tuple[Any, Any]]:
    """(foreign key, record) for each record `obj` holds (read or set on it) that is still the
    one its key names."""
    for field in obj._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey):  # OneToOneField is one too
            continue
        if not field.is_cached(obj):
            continue
        related = field.get_cached_value(obj)
        if related is None:
            continue
        if getattr(related, field.target_field.attname) != getattr(obj, field.attname):
            continue
        yield field, related


def held_keys(obj: models.Model) -> list[Any]:
    """The foreign keys of `obj` whose record it holds as read from the database (so known to
    exist): the related object cached on it, saved, and the one the key names. A key with
    `limit_choices_to` is not among them (its check asks more than existence)."""
    return [
        field
        for field, related in cached_related(obj)
        if not field.remote_field.parent_link
        and not related._state.adding
        and related._state.db is not None
        and not field.get_limit_choices_to()
    ]
