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

Its parts: the scoped related fields (core.api.fields), owner shares (core.api.owner_shares),
uniqueness (core.api.uniqueness) and the fast writing of a page of rows (core.api.rows).
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import CheckConstraint
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings
from rest_framework.validators import (
    UniqueTogetherValidator,
)

from core.api.audience import AudienceField, check_audience
from core.api.fields import (
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    ShapedTextField,
    owner_partner_choices,
    owner_partner_pick,
    request_user,
)
from core.api.owner_shares import OwnerSharesField
from core.api.rows import ScopedListSerializer
from core.api.uniqueness import FieldNamingUniqueTogether, open_for_uniqueness
from core.forms import author_of
from core.services import set_audience, set_owner_shares
from core.tenancy.conditions import CANNOT_SAY, check_in_python
from core.tenancy.records import (
    AudienceCouncil,
    AudienceModel,
    OwnerShare,
    PartnerOwnedModel,
    SharedOwnershipModel,
)
from core.tenancy.validators import EmailAddressField

#: The bookkeeping fields every resource ends with: its version (the ETag) and when it was made
#: and last changed.
BOOKKEEPING = ("version", "created_at", "updated_at")


#: Each serializer class's fields as DRF first built them (see ScopedModelSerializer.get_fields).
_FIELD_PROTOTYPES: dict[type, dict[str, serializers.Field]] = {}
#: Each serializer class's own validators, by its fields (ScopedModelSerializer.get_validators).
_VALIDATORS: dict[tuple[type, tuple[str, ...]], list[Any]] = {}


def _fresh(field: serializers.Field) -> serializers.Field:
    """A copy of an unbound prototype field for one serializer. DRF deep-copies each field,
    which builds it again from its arguments (a quarter of the time of creating a ticket
    through the API went there); a field holding no other field needs only its own object,
    bound afresh, and its own list of validators. Fields holding others (nested serializers,
    lists, dictionaries, many-valued relations) are deep-copied as DRF does."""
    if (
        isinstance(field, _HOLDING_FIELDS)
        or hasattr(field, "child")
        or hasattr(field, "child_relation")
    ):
        built = copy.deepcopy(field)  # built again from its arguments: its validators too
        open_for_uniqueness(built.validators)
        return built
    # What copy.copy does for a field (a new object of its class holding the same attributes),
    # without its generic machinery: 40 fields a request.
    clone = object.__new__(type(field))
    state = clone.__dict__
    state.update(field.__dict__)
    if "_validators" in state:
        state["_validators"] = list(state["_validators"])
    return clone


_HOLDING_FIELDS = (
    serializers.BaseSerializer,
    serializers.ListField,
    serializers.DictField,
    serializers.ManyRelatedField,
)


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

    def build_standard_field(
        self, field_name: str, model_field: Any
    ) -> tuple[type[serializers.Field], dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if "choices" in kwargs:
            return field_class, kwargs
        if isinstance(model_field, EmailAddressField):
            # The model field's own check, with its message showing a good address: DRF's
            # EmailField would add a second check in other words.
            return serializers.CharField, kwargs
        normalise = getattr(model_field, "normalise", None)
        if callable(normalise) and issubclass(field_class, serializers.CharField):
            kwargs["normalise"] = normalise
            return ShapedTextField, kwargs
        return field_class, kwargs

    def build_field(
        self, field_name: str, info: Any, model_class: Any, nested_depth: int
    ) -> tuple[type[serializers.Field], dict[str, Any]]:
        if field_name == "councils" and issubclass(model_class, AudienceModel):
            # The councils a record is for (core.api.audience): no model field of that name.
            return AudienceField, {}
        return super().build_field(field_name, info, model_class, nested_depth)

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
            kwargs["pick_for"] = owner_partner_pick
        natural_key = getattr(related, "natural_key", None)
        if isinstance(natural_key, str):
            kwargs["slug_field"] = natural_key
            return ScopedSlugRelatedField, kwargs
        return ScopedPrimaryKeyRelatedField, kwargs

    def get_fields(self) -> dict[str, serializers.Field]:
        """The serializer's fields: worked out from the model once per class, then copied
        (`_fresh`).

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
            if issubclass(self.Meta.model, AudienceModel) and not isinstance(
                prototype.get("councils"), AudienceField
            ):
                prototype["councils"] = AudienceField()
            for field in prototype.values():
                open_for_uniqueness(field.validators)  # once: each copy holds them opened
            _FIELD_PROTOTYPES[cls] = prototype
        return {name: _fresh(field) for name, field in prototype.items()}

    def get_validators(self) -> list[Any]:
        """DRF's unique-together and unique-for-date checks, worked out once per class and set
        of fields (what they depend on) rather than for every serializer made: they take the
        serializer they check when called, and hold nothing of one request."""
        key = (type(self), tuple(self.fields))
        validators = _VALIDATORS.get(key)
        if validators is None:
            validators = list(super().get_validators())
            open_for_uniqueness(validators)
            model = self.Meta.model
            validators = _VALIDATORS[key] = [
                FieldNamingUniqueTogether(v, model) if isinstance(v, UniqueTogetherValidator) else v
                for v in validators
            ]
        return list(validators)

    def prepare_rows(self, rows: list[Any]) -> None:
        """Load the owner shares of a page of co-owned records (or the councils of a page of
        records for chosen councils) in one query."""
        model = self.Meta.model
        if rows and issubclass(model, AudienceModel) and "councils" in self.fields:
            audience: dict[int, list[Any]] = {row.pk: [] for row in rows}
            named = (
                AudienceCouncil.objects.filter(
                    content_type=ContentType.objects.get_for_model(model),
                    object_id__in=list(audience),
                )
                .select_related("partner")
                .order_by("partner__name")
            )
            for council in named:
                audience[council.object_id].append(council.partner)
            for row in rows:
                row._api_audience = audience[row.pk]
            return
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
        councils_field = self.fields.get("councils")
        if isinstance(councils_field, AudienceField) and not councils_field.read_only:
            check_audience(self, attrs)
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
            # Answered in Python where that is exactly the database's answer
            # (core.tenancy.conditions, as a model's own full_clean does); else asked.
            answer = check_in_python(model, candidate, constraint.condition)
            holds = None if answer is CANNOT_SAY else bool(answer)
            if holds is None:
                try:
                    check.validate(model, candidate)
                    holds = True
                except DjangoValidationError:
                    holds = False
            if not holds:
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
        author_field = author_of(self.Meta.model)
        user = request_user(self)
        if author_field and author_field not in validated_data and user is not None:
            # A record some people own (a ticket its requester) is, unless the client says,
            # its author's own (as on the pages: core.forms.author_of).
            validated_data[author_field] = user
        shares = validated_data.pop("owner_shares", None)
        councils = validated_data.pop("councils", None)
        instance = super().create(validated_data)
        if shares is not None:
            self.write_owner_shares(instance, shares)
        if isinstance(instance, AudienceModel):
            self.write_audience(instance, councils or [])
        return instance

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        shares = validated_data.pop("owner_shares", None)
        councils = validated_data.pop("councils", None)
        flag_sent = "for_all_councils" in validated_data
        instance = super().update(instance, validated_data)
        if shares is not None:
            self.write_owner_shares(instance, shares)
        if isinstance(instance, AudienceModel) and (councils is not None or flag_sent):
            self.write_audience(instance, instance.audience() if councils is None else councils)
        return instance

    def write_audience(self, instance: Any, councils: list[Any]) -> None:
        """Say which councils a record is for (validated already; the service checks again)."""
        try:
            set_audience(instance, councils)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        instance._api_audience = None

    def write_owner_shares(self, instance: Any, shares: list[dict[str, Any]]) -> None:
        """Replace a co-owned record's owners (validated already; the service checks again)."""
        try:
            set_owner_shares(instance, {row["partner"]: row["percentage"] for row in shares})
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        instance._api_owner_shares = None
