"""Related fields of the API whose choices go through the visibility rule.

A foreign key of a scoped model is written and read as the related record's natural key
(``"partner": "wcc"``) or id, and only records the person may see are accepted, named the
same whether they exist elsewhere or not. An owning ``partner`` offers only the councils where
the person may add (or change) records of that area; an owner share, those and the record's
current owners.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured, MultipleObjectsReturned
from django.db.models import Q, QuerySet
from rest_framework import serializers

from core.tenancy.access import ADD, CHANGE, writable_partner, writable_partners
from core.tenancy.conditions import CANNOT_SAY
from core.tenancy.models import Partner

ChoicesFor = Callable[[Any, Any], QuerySet[Any]]
#: (field, person, natural key) -> the chosen record, None (no such choice) or CANNOT_SAY.
PickFor = Callable[[Any, Any, str], Any]


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


def owner_partner_pick(field: serializers.Field, user: Any, code: str) -> Any:
    """The owning ``partner`` named by `code`, if it is among `owner_partner_choices`: the
    same rule decided on the council's row (core.tenancy.access.writable_partner)."""
    return writable_partner(user, _write_action(field), _root_model(field).area, code)


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
        self,
        *,
        related_model: Any,
        choices_for: ChoicesFor | None = None,
        pick_for: PickFor | None = None,
        **kwargs: Any,
    ) -> None:
        self.related_model = related_model
        self.choices_for = choices_for
        #: Decides one choice on its row, without building the choices' query (or says it
        #: cannot, and the query is asked): it must give what `choices_for` would.
        self.pick_for = pick_for
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
        "ambiguous": (
            "More than one {model} you may choose has {slug_name} “{value}”: change one of "
            "them so that each is different."
        ),
        "null_character": "No {model}'s {slug_name} holds a NUL character.",
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid", slug_name=self.slug_field)
        if "\x00" in str(data):
            # Refused here: PostgreSQL cannot even look such a value up (a server error).
            self.fail("null_character")
        if self.pick_for is not None:
            picked = self.pick_for(self, request_user(self), str(data))
            if picked is None:
                self.fail("does_not_exist", value=str(data))
            if picked is not CANNOT_SAY:
                return picked
        try:
            return super().to_internal_value(str(data))
        except MultipleObjectsReturned:
            # A natural key unique only among what each person sees (`unique_for_reader`):
            # two records this person sees may share it, each council having chosen it unseen.
            self.fail("ambiguous", value=str(data))

    def fail(self, key: str, **kwargs: Any) -> Any:
        kwargs.setdefault("slug_name", self.slug_field)
        kwargs.setdefault("model", self.related_model._meta.verbose_name)
        return super().fail(key, **kwargs)


class ShapedTextField(serializers.CharField):
    """Text of a known shape (a postcode, a GSS code): written the way the model stores it
    (``sw1a1aa`` is ``SW1A 1AA``) before it is checked, as forms and imports do."""

    def __init__(self, *, normalise: Callable[[Any], Any], **kwargs: Any) -> None:
        self.normalise = normalise
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return self.normalise(super().to_internal_value(data))
