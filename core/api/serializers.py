"""Serializers for scoped models: every related choice goes through the visibility rule.

`ScopedModelSerializer` is what a model's API serializer builds on:

- A foreign key becomes a related field whose choices are ``Related.objects.visible_to(user)``
  (never a plain ``Related.objects``), written and read as the related model's `natural_key`
  when it has one (``"partner": "wcc"``), else as its id.
- The owning ``partner`` of a partner-owned record offers only the councils where the person
  may add (on create) or change (on update) records of that area.
- A co-owned record gets ``owner_shares``: ``[{"partner": "wcc", "percentage": "60.00"}]``,
  written through `core.services.set_owner_shares`. As on the record's page, a person sets the
  shares of the councils where they may change it; other owners' shares are kept as they are.
- Uniqueness is checked across the whole table on purpose (a site code must be unique in its
  council even when the person cannot see the clash); the messages name no record.
- The model's own rules (``clean()`` and check constraints) are checked before saving, so a
  broken rule is a 400 naming the field, not a database error.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import CheckConstraint, Manager, Q, QuerySet, UniqueConstraint
from rest_framework import ISO_8601, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings
from rest_framework.validators import (
    BaseUniqueForValidator,
    UniqueTogetherValidator,
    UniqueValidator,
)

from core.services import kept_owner_shares, owner_shares_problem, percent_text, set_owner_shares
from core.tenancy.access import ADD, CHANGE, writable_partners
from core.tenancy.models import Partner
from core.tenancy.records import OwnerShare, PartnerOwnedModel, SharedOwnershipModel

#: The bookkeeping fields every resource ends with: its version (the ETag) and when it was made
#: and last changed.
BOOKKEEPING = ("version", "created_at", "updated_at")

UNIQUENESS_REASON = "uniqueness is checked across the whole table; the message names no record"

ChoicesFor = Callable[[Any, Any], QuerySet[Any]]


def request_user(field: serializers.Field) -> Any:
    """The person the serializer works for (None outside a request)."""
    request = field.context.get("request")
    return getattr(request, "user", None)


def _write_action(field: serializers.Field) -> str:
    return CHANGE if getattr(field.root, "instance", None) is not None else ADD


def _root_model(field: serializers.Field) -> Any:
    return field.root.Meta.model  # type: ignore[attr-defined]


def owner_partner_choices(field: serializers.Field, user: Any) -> QuerySet[Any]:
    """Choices for a record's owning ``partner``: where the person may add/change that area."""
    return writable_partners(user, _write_action(field), _root_model(field).area)


def share_partner_choices(field: serializers.Field, user: Any) -> QuerySet[Any]:
    """Choices for an owner share: where the person may write, plus the record's current owners.

    A council co-owning a record with another may resubmit the shares it was shown (naming the
    other council) without being able to name councils it cannot see.
    """
    writable = owner_partner_choices(field, user)
    instance = getattr(field.root, "instance", None)
    if instance is None:
        return writable
    current = instance.owning_partner_ids()
    return Partner.objects.unscoped(
        "a co-owned record's current owners stay choosable by those who may change it"
    ).filter(Q(pk__in=current) | Q(pk__in=writable.values("pk")))


class ScopedRelatedMixin:
    """A related field whose choices are worked out per request from the visibility rule."""

    def __init__(
        self, *, related_model: Any, choices_for: ChoicesFor | None = None, **kwargs: Any
    ) -> None:
        self.related_model = related_model
        self.choices_for = choices_for
        if not kwargs.get("read_only"):
            # Only read by the schema generator (it wants the model); never queried.
            kwargs["queryset"] = related_model.objects.none()
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        user = request_user(self)  # type: ignore[arg-type]
        if self.choices_for is not None:
            return self.choices_for(self, user)
        manager = self.related_model.objects
        if not hasattr(manager, "visible_to"):
            raise ImproperlyConfigured(
                f"{self.related_model.__name__} is not scoped: declare the field with choices_for"
            )
        return manager.visible_to(user)


class ScopedPrimaryKeyRelatedField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    """A foreign key written and read as the related record's id, among visible records."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(int(data))


class ScopedSlugRelatedField(ScopedRelatedMixin, serializers.SlugRelatedField):
    """A foreign key written and read as the related record's natural key, among visible ones."""

    default_error_messages = {
        "does_not_exist": "There is no {model} with {slug_name} “{value}” that you may choose.",
        "invalid": "Give the {model}'s {slug_name} as text.",
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid", slug_name=self.slug_field)
        return super().to_internal_value(str(data))

    def fail(self, key: str, **kwargs: Any) -> Any:
        kwargs.setdefault("slug_name", self.slug_field)
        kwargs.setdefault("model", self.related_model._meta.verbose_name)
        return super().fail(key, **kwargs)


class RequiredInEveryShare:
    """A field every owner share must give, in a PATCH too.

    On a partial update DRF skips missing fields, nested ones included. But ``owner_shares``
    is always replaced as a whole, so a share naming no council or no percentage is as
    incomplete in a PATCH as in a POST, and gets the same "required" error.
    """

    def validate_empty_values(self, data: Any) -> Any:
        if data is empty and self.required and not self.read_only:  # type: ignore[attr-defined]
            self.fail("required")  # type: ignore[attr-defined]
        return super().validate_empty_values(data)  # type: ignore[misc]


class SharePartnerField(RequiredInEveryShare, ScopedSlugRelatedField):
    """The council of one owner share, by its code."""


class SharePercentageField(RequiredInEveryShare, serializers.DecimalField):
    """The percentage of one owner share."""


class OwnerShareSerializer(serializers.Serializer):
    """One council's share in a co-owned record."""

    partner = SharePartnerField(
        related_model=Partner,
        slug_field="code",
        choices_for=share_partner_choices,
        help_text="The council's code.",
    )
    percentage = SharePercentageField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        help_text="Its share, in percent; the shares of a record add up to 100.",
    )


class OwnerSharesField(serializers.ListSerializer):
    """``owner_shares`` of a co-owned record: every owner once, the shares summing to 100."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", OwnerShareSerializer())
        kwargs.setdefault("allow_empty", False)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "The councils that own the record, with their shares, always as a whole list. You "
            "set the shares of the councils where you may change the record; other owners' "
            "shares are kept as they are (leave them out, or send them unchanged).",
        )
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        cached = getattr(instance, "_api_owner_shares", None)
        return cached if cached is not None else instance.owner_shares()

    def validate(self, attrs: Any) -> Any:
        partners = [row["partner"].pk for row in attrs]
        if len(set(partners)) != len(partners):
            raise serializers.ValidationError("Name each council once.", code="duplicate")
        kept = self.kept_shares(attrs)
        shares = [*attrs, *kept]
        problem = owner_shares_problem(
            {row["partner"]: row["percentage"] for row in shares},
            kept={row["partner"]: row["percentage"] for row in kept},
        )
        if problem is not None:
            raise serializers.ValidationError(problem, code="total")
        return shares

    def kept_shares(self, attrs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The current shares of the councils the person may not write, which stay as they are.

        The same rule as a co-owned record's edit page (core.forms.OwnerSharesMixin): a person
        sets the shares of the councils where they may change the record, and every other
        owner's share is kept, counting towards the 100%. A share of such a council may be
        sent back unchanged (it is what the person was shown) or left out; sending it changed
        is refused rather than silently ignored, so nobody believes they changed it.
        """
        instance = getattr(self.root, "instance", None)
        if instance is None:
            # A new record has no shares yet, and its choices are only writable councils.
            return []
        writable = set(owner_partner_choices(self, request_user(self)).values_list("pk", flat=True))
        current = {s.partner_id: s for s in kept_owner_shares(instance, writable)}
        # One entry per share sent, as DRF lists the errors of a list: {} for a share that is fine.
        errors: list[dict[str, Any]] = [{} for _ in attrs]
        for index, row in enumerate(attrs):
            pk = row["partner"].pk
            share = current.get(pk)
            if pk in writable or (share is not None and share.percentage == row["percentage"]):
                continue
            # The choices offer no other council than writable ones and current owners, so
            # `share` is missing only if the owners changed while this request was checked.
            kept_at = f" ({percent_text(share.percentage)}%)" if share is not None else ""
            errors[index] = {
                "percentage": [
                    ErrorDetail(
                        f"You may not change {row['partner'].name}'s share: leave it out or "
                        f"send it unchanged{kept_at}.",
                        code="not_writable",
                    )
                ]
            }
        if any(errors):
            raise serializers.ValidationError(errors)
        named = {row["partner"].pk for row in attrs}
        return [
            {"partner": share.partner, "percentage": share.percentage}
            for pid, share in current.items()
            if pid not in named
        ]


UNIQUENESS_VALIDATORS = (UniqueValidator, UniqueTogetherValidator, BaseUniqueForValidator)


class FieldNamingUniqueTogether:
    """DRF's unique-together check, with the error on the field the model names for it
    (by default the last of its fields, ``code`` of ``partner, code``: the field a person
    changes to resolve the clash)."""

    requires_context = True

    def __init__(self, inner: UniqueTogetherValidator, model: Any) -> None:
        self.inner = inner
        self.model = model

    def __call__(self, attrs: Any, serializer: Any) -> None:
        try:
            self.inner(attrs, serializer)
        except serializers.ValidationError as exc:
            names = list(self.inner.fields)
            field = _unique_constraint_field(self.model, names, serializer) or names[-1]
            if self.inner.message is not UniqueTogetherValidator.message:
                message = str(self.inner.message)
            else:
                labels = [
                    str(self.model._meta.get_field(serializer.fields[n].source).verbose_name)
                    for n in names
                ]
                head = ", ".join(labels[:-1])
                together = f"{head} and {labels[-1]}" if head else labels[-1]
                kind = self.model._meta.verbose_name
                message = f"There is already a {kind} with this {together}."
            error = {field: [ErrorDetail(message, code="unique")]}
            raise serializers.ValidationError(error) from exc

    def __repr__(self) -> str:
        return f"<FieldNamingUniqueTogether {self.inner!r}>"


def _unique_constraint_field(model: Any, names: list[str], serializer: Any) -> str | None:
    """The serializer field a unique constraint on `names` is reported on: the one the model
    names for it (``ConcordModel.constraint_field``, as forms and imports report it)."""
    chooser = getattr(model, "constraint_field", None)
    if chooser is None:
        return None
    by_source = {serializer.fields[n].source: n for n in names}
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and set(constraint.fields) == set(by_source):
            return by_source.get(chooser(constraint, by_source) or "")
    return None


def open_for_uniqueness(validators: list[Any]) -> None:
    """Let uniqueness validators look across the whole table (see the module docstring).

    DRF builds them on ``Model._default_manager``, which refuses to run unscoped; a clash must
    be found even where the person cannot see the clashing record, and its message names none.
    """
    for validator in validators:
        if isinstance(validator, UNIQUENESS_VALIDATORS):
            queryset = validator.queryset
            if isinstance(queryset, Manager | QuerySet) and hasattr(queryset, "unscoped"):
                validator.queryset = queryset.unscoped(UNIQUENESS_REASON)


class ScopedListSerializer(serializers.ListSerializer):
    """A page of records: loads what every row needs (owner shares) in one query.

    Rows are written by a plan made once per page (`row_plan`) rather than by DRF's per-row
    walk over the fields: the same JSON, without re-deciding for every row and field which
    fields are readable, how to read a model column and which time zone a time is shown in.
    """

    def to_representation(self, data: Any) -> Any:
        rows = list(data.all() if isinstance(data, Manager) else data)
        prepare = getattr(self.child, "prepare_rows", None)
        if prepare is not None:
            prepare(rows)
        child: Any = self.child
        if type(child).to_representation is not serializers.Serializer.to_representation:
            return super().to_representation(rows)
        plan = row_plan(child)
        return [write_row(plan, row) for row in rows]


#: One field of a row plan: (output name, read the value from the record, represent it).
FieldPlan = tuple[str, Callable[[Any], Any], Callable[[Any], Any]]


def row_plan(serializer: serializers.Serializer) -> list[FieldPlan]:
    """How to write each readable field of `serializer`, worked out once for a page of rows.

    A field declared on a plain model column is read with ``getattr`` (what DRF's
    ``get_attribute`` ends up doing for it); times in ISO 8601 are converted in the time zone
    fixed for the page. Anything else is left to the field's own methods.
    """
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    columns = (
        {f.name for f in model._meta.concrete_fields if not f.is_relation}
        if model is not None
        else set()
    )
    plan: list[FieldPlan] = []
    for field in serializer._readable_fields:
        getter: Callable[[Any], Any] = field.get_attribute
        if (
            type(field).get_attribute is serializers.Field.get_attribute
            and len(field.source_attrs) == 1
            and field.source_attrs[0] in columns
        ):
            getter = operator.attrgetter(field.source_attrs[0])
        plan.append((field.field_name, getter, _representer(field)))  # type: ignore[arg-type]
    return plan


def _representer(field: serializers.Field) -> Callable[[Any], Any]:
    if not (
        isinstance(field, serializers.DateTimeField)
        and type(field).to_representation is serializers.DateTimeField.to_representation
        and type(field).enforce_timezone is serializers.DateTimeField.enforce_timezone
    ):
        return field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone: Any = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or zone is None or output_format.lower() != ISO_8601:
        return field.to_representation
    slow = field.to_representation

    def iso(value: Any) -> Any:
        # DRF's DateTimeField.to_representation for an aware time, the zone looked up once.
        if isinstance(value, datetime) and value.tzinfo is not None:
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return slow(value)

    return iso


def write_row(plan: list[FieldPlan], row: Any) -> dict[str, Any]:
    """One record as DRF's ``Serializer.to_representation`` writes it, following `plan`."""
    out: dict[str, Any] = {}
    for name, read, represent in plan:
        try:
            value = read(row)
        except SkipField:
            continue
        check = value.pk if isinstance(value, PKOnlyObject) else value
        out[name] = None if check is None else represent(value)
    return out


#: Each serializer class's fields as DRF first built them (see ScopedModelSerializer.get_fields).
_FIELD_PROTOTYPES: dict[type, dict[str, serializers.Field]] = {}


class ScopedModelSerializer(serializers.ModelSerializer):
    """Base of every model's API serializer: scoped choices, owner shares, model rules."""

    serializer_related_field = ScopedPrimaryKeyRelatedField

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Pages of records go through ScopedListSerializer unless a serializer says otherwise.
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "list_serializer_class"):
            meta.list_serializer_class = ScopedListSerializer

    # Fields --------------------------------------------------------------------------------

    def build_relational_field(
        self, field_name: str, relation_info: Any
    ) -> tuple[type[serializers.Field], dict[str, Any]]:
        _, kwargs = super().build_relational_field(field_name, relation_info)
        if relation_info.to_many or relation_info.reverse:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.{field_name}: declare many-valued relations explicitly"
            )
        related = relation_info.related_model
        kwargs.pop("queryset", None)
        kwargs.pop("to_field", None)
        kwargs.pop("slug_field", None)
        kwargs["related_model"] = related
        model = self.Meta.model
        if field_name == "partner" and issubclass(model, PartnerOwnedModel):
            kwargs["choices_for"] = owner_partner_choices
        natural_key = getattr(related, "natural_key", None)
        if isinstance(natural_key, str):
            kwargs["slug_field"] = natural_key
            return ScopedSlugRelatedField, kwargs
        return ScopedPrimaryKeyRelatedField, kwargs

    def get_fields(self) -> dict[str, serializers.Field]:
        """The serializer's fields: worked out from the model once per class, then copied.

        DRF introspects the model again for every serializer made (every request), which was
        a visible share of an API request; what it works out depends only on the class.
        """
        cls = type(self)
        prototype = _FIELD_PROTOTYPES.get(cls)
        if prototype is None:
            prototype = super().get_fields()
            if issubclass(self.Meta.model, SharedOwnershipModel) and not isinstance(
                prototype.get("owner_shares"), OwnerSharesField
            ):
                prototype["owner_shares"] = OwnerSharesField()
            _FIELD_PROTOTYPES[cls] = prototype
        fields = copy.deepcopy(prototype)
        for field in fields.values():
            open_for_uniqueness(field.validators)
        return fields

    def get_validators(self) -> list[Any]:
        validators = list(super().get_validators())
        open_for_uniqueness(validators)
        model = self.Meta.model
        return [
            FieldNamingUniqueTogether(v, model) if isinstance(v, UniqueTogetherValidator) else v
            for v in validators
        ]

    def prepare_rows(self, rows: list[Any]) -> None:
        """Load the owner shares of a page of co-owned records in one query."""
        model = self.Meta.model
        if not rows or not issubclass(model, SharedOwnershipModel):
            return
        if "owner_shares" not in self.fields:
            return
        by_record: dict[int, list[OwnerShare]] = {row.pk: [] for row in rows}
        shares = (
            OwnerShare.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=list(by_record),
            )
            .select_related("partner")
            .order_by("-percentage", "partner__code")
        )
        for share in shares:
            by_record[share.object_id].append(share)
        for row in rows:
            row._api_owner_shares = by_record[row.pk]

    # Validation ----------------------------------------------------------------------------

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        shares_field = self.fields.get("owner_shares")
        if (
            self.instance is None
            and isinstance(shares_field, OwnerSharesField)
            and not shares_field.read_only
            and not attrs.get("owner_shares")
        ):
            raise serializers.ValidationError(
                {
                    "owner_shares": [
                        ErrorDetail("Name the councils that own the record.", code="required")
                    ]
                }
            )
        self.check_model_rules(attrs)
        return attrs

    def check_model_rules(self, attrs: dict[str, Any]) -> None:
        """The model's ``clean()`` and check constraints, on the record as it would be saved."""
        model: Any = self.Meta.model
        candidate = copy.copy(self.instance) if self.instance is not None else model()
        concrete = {f.name for f in model._meta.concrete_fields}
        for name, value in attrs.items():
            if name in concrete:
                setattr(candidate, name, value)
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        clashes = getattr(candidate, "reader_clashes", None)
        if clashes is not None:
            found = clashes(request_user(self))
            if found:
                raise serializers.ValidationError(
                    {name: [ErrorDetail(message, code="unique")] for name, message in found.items()}
                )
        errors: dict[str, list[ErrorDetail]] = {}
        for constraint in model._meta.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            check: Any = constraint  # (django-stubs lacks BaseConstraint.validate)
            try:
                check.validate(model, candidate)
            except DjangoValidationError:
                field, message = self._constraint_message(constraint)
                errors.setdefault(field, []).append(ErrorDetail(message, code="constraint"))
        if errors:
            raise serializers.ValidationError(errors)

    def _constraint_message(self, constraint: CheckConstraint) -> tuple[str, str]:
        """Which field a broken check constraint is reported against, and in what words.

        The field is the one the model names for it (``ConcordModel.constraint_field``: the
        declared one, else the last field compared in the model's order, the one people
        usually set second and so fix), so that a form, an import and the API all name the
        same field with the constraint's own words.
        """
        model: Any = self.Meta.model
        condition: Any = constraint.condition
        referenced = set(condition.referenced_base_fields)
        named = [f for f in model._meta.concrete_fields if f.name in referenced]
        field = named[-1].name if named else api_settings.NON_FIELD_ERRORS_KEY
        chooser = getattr(model, "constraint_field", None)
        if chooser is not None:
            # The field the model names for it, as forms and imports report it.
            field = chooser(constraint, self.fields) or api_settings.NON_FIELD_ERRORS_KEY
        default = CheckConstraint.default_violation_error_message
        if constraint.violation_error_message not in (None, default):
            return field, str(constraint.get_violation_error_message())
        labels = [str(f.verbose_name) for f in named]
        if len(labels) >= 2:
            others = ", ".join(f"“{label}”" for label in labels[:-1])
            return field, f"“{labels[-1].capitalize()}” does not fit with {others}."
        return field, "This value breaks a rule of the record."

    # Saving --------------------------------------------------------------------------------

    def create(self, validated_data: dict[str, Any]) -> Any:
        shares = validated_data.pop("owner_shares", None)
        instance = super().create(validated_data)
        if shares is not None:
            self.write_owner_shares(instance, shares)
        return instance

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        shares = validated_data.pop("owner_shares", None)
        instance = super().update(instance, validated_data)
        if shares is not None:
            self.write_owner_shares(instance, shares)
        return instance

    def write_owner_shares(self, instance: Any, shares: list[dict[str, Any]]) -> None:
        """Replace a co-owned record's owners (validated already; the service checks again)."""
        try:
            set_owner_shares(instance, {row["partner"]: row["percentage"] for row in shares})
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        instance._api_owner_shares = None
