"""Forms for the generic pages: scoped dropdowns and GOV.UK styling.

`ScopedModelForm(user=...)` is the base of every model form. It replaces the queryset of every
choice of a related record with ``Model.objects.visible_to(user)``, so a dropdown never lists
another council's record, and narrows the ``partner`` field to the councils in which the person
may add (or change) this kind of record. A related model that is not scoped must be named in
``unscoped_choices`` with the method that scopes it, or the form refuses to build.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.utils import pretty_name

from core.services import (
    HUNDRED,
    NO_AUDIENCE,
    kept_audience,
    kept_owner_shares,
    owner_shares_problem,
)
from core.tables import FORMER_WORDS
from core.tenancy.access import ADD, CHANGE, access_for, writable_partners
from core.tenancy.models import Partner
from core.tenancy.records import ConcordModel
from core.widgets import speed_up_widget


def partner_label(partner: Any) -> str:
    """A partner in a dropdown: its name, marked when it has left the partnership."""
    return f"{partner.name} ({FORMER_WORDS})" if partner.is_former else partner.name


# GOV.UK Frontend classes by widget kind.
_WIDGET_CLASSES: list[tuple[type[forms.Widget], str]] = [
    (forms.CheckboxSelectMultiple, "govuk-checkboxes__input"),
    (forms.RadioSelect, "govuk-radios__input"),
    (forms.CheckboxInput, "govuk-checkboxes__input"),
    (forms.Select, "govuk-select"),
    (forms.Textarea, "govuk-textarea"),
    (forms.ClearableFileInput, "govuk-file-upload"),
    (forms.FileInput, "govuk-file-upload"),
    (forms.widgets.Input, "govuk-input"),
]


def widget_kind(widget: Any) -> str:
    """What the field template draws: checkboxes, radios, checkbox, select, input..."""
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


def govukify(form: forms.BaseForm, for_filters: bool = False) -> None:
    """Give every widget its GOV.UK Frontend class, dates a date picker, partners their tag.

    In a filter form a yes/no choice that is not set reads "Any" rather than "Unknown".
    """

    for name, field in form.fields.items():
        widget: Any = field.widget
        if not for_filters:
            _plain_errors(name, field)
        _plain_choice_errors(name, field)
        if for_filters and isinstance(widget, forms.NullBooleanSelect):
            widget.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]
        if for_filters and isinstance(field, forms.ModelChoiceField):
            field.empty_label = "Any"
        elif for_filters and isinstance(field, forms.ChoiceField):
            choices: list[Any] = list(field.choices)  # type: ignore[arg-type]
            if choices and choices[0][0] == "":
                if hasattr(field, "empty_label"):
                    # django-filter's choice fields add their empty choice themselves.
                    field.empty_label = "Any"
                    field.choices = choices[1:]
                else:
                    field.choices = [("", "Any"), *choices[1:]]
        if isinstance(field, forms.DateField) and type(widget) is forms.DateInput:
            field.widget = widget = forms.DateInput(
                attrs={**widget.attrs, "type": "date"}, format="%Y-%m-%d"
            )
        if isinstance(field, forms.ModelChoiceField) and _model_of(field) is Partner:
            field.label_from_instance = partner_label  # type: ignore[method-assign,assignment]
        for kind, css in _WIDGET_CLASSES:
            if isinstance(widget, kind):
                existing = widget.attrs.get("class", "")
                if css not in existing.split():
                    widget.attrs["class"] = f"{existing} {css}".strip()
                break
        if isinstance(widget, forms.TextInput | forms.EmailInput | forms.URLInput):
            widget.attrs.setdefault("spellcheck", "false")
        speed_up_widget(widget)
        if isinstance(field, forms.ModelChoiceField):
            lean_choices(field)


_DEFAULT_REQUIRED = str(forms.Field.default_error_messages["required"])


def _plain_errors(name: str, field: forms.Field) -> None:
    """GOV.UK error messages say what to do ("Enter the name"), not "This field is required"."""
    if str(field.error_messages.get("required", "")) != _DEFAULT_REQUIRED:
        return
    label = str(field.label or pretty_name(name))
    label = label[:1].lower() + label[1:] if not label[:2].isupper() else label
    kind = widget_kind(field.widget)
    if kind == "checkbox":
        message = f"Tick “{field.label or pretty_name(name)}”"
    elif kind in ("select", "radios", "checkboxes"):
        message = f"Select the {label}"
    elif kind == "file":
        message = f"Choose the {label} file"
    else:
        message = f"Enter the {label}"
    field.error_messages["required"] = message
    if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
        field.empty_label = "Choose one" if field.required else "None"


#: Django's own wording for a choice that is not offered, per kind of field.
_DEFAULT_INVALID_CHOICE = {
    str(forms.ChoiceField.default_error_messages["invalid_choice"]),
    str(forms.ModelChoiceField.default_error_messages["invalid_choice"]),
    str(forms.ModelMultipleChoiceField.default_error_messages["invalid_choice"]),
    str(forms.ModelMultipleChoiceField.default_error_messages["invalid_pk_value"]),
}


def _plain_choice_errors(name: str, field: forms.Field) -> None:
    """A choice that is not offered (made up, gone, or another council's) gets one plain
    message saying what to do, the same whatever was sent: it never tells a record that
    exists elsewhere from one that does not."""
    if not isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return
    label = str(field.label or pretty_name(name))
    label = label[:1].lower() + label[1:] if not label[:2].isupper() else label
    message = f"Choose the {label} from the list"
    for key in ("invalid_choice", "invalid_pk_value"):
        if str(field.error_messages.get(key, "")) in _DEFAULT_INVALID_CHOICE:
            field.error_messages[key] = message


class ListedModelChoiceIterator(ModelChoiceIterator):
    """Choices read with one plain query, not a server-side cursor.

    Django's iterator walks the queryset with ``.iterator()``, which on PostgreSQL outside a
    transaction is a DECLARE ... WITH HOLD cursor: three round trips for a dozen options.
    """

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        listed = getattr(self.field, "listed_rows", None)
        for obj in self.queryset if listed is None else listed:
            yield self.choice(obj)


def lean_choices(field: forms.ModelChoiceField) -> None:
    """A dropdown of records: one plain query, no bookkeeping columns loaded."""
    from core.related import without_bookkeeping

    # The iterator first: assigning the queryset hands the widget its choices from it.
    field.iterator = ListedModelChoiceIterator
    if getattr(field, "listed_rows", None) is not None:
        # Rows shared across the request (core.filtersets.scoped_rows), already lean.
        field.widget.choices = field.choices
        return
    queryset = field.queryset
    if queryset is not None and issubclass(queryset.model, ConcordModel):
        queryset = without_bookkeeping(queryset, own=True)
    field.queryset = queryset


def _model_of(field: forms.ModelChoiceField) -> Any:
    queryset = field.queryset
    return queryset.model if queryset is not None else None


def add_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a ValidationError from a model or service on the form: on its field, on its group of
    fields (`field_groups`, e.g. ``owner_shares``), or else at the top."""
    groups = field_groups(form)
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            for message in messages:
                if name in form.fields:
                    form.add_error(name, message)
                elif name in groups:
                    form.add_error(None, group_error(name, message))
                else:
                    form.add_error(None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# Errors of a group of fields -----------------------------------------------------------------
#
# Some errors belong to several fields filled in together in one fieldset, not to one field
# nor to the whole form: owner shares that must add up to 100%. GOV.UK shows such an error on
# the fieldset, and its error summary entry links to the group's first input. Django knows only
# field and form ("non-field") errors, so a group's error is a non-field error whose code names
# the group; a form says which fields each group has with `field_groups()`.

_GROUP_CODE = "concord-group:"


def group_error(group: str, message: str) -> ValidationError:
    """An error of the group of fields `group` (raise it from ``clean()``)."""
    return ValidationError(message, code=f"{_GROUP_CODE}{group}")


def field_groups(form: forms.BaseForm) -> dict[str, list[str]]:
    """The form's groups of fields, by name: ``{"owner_shares": ["share_1", "share_2"]}``."""
    declared = getattr(form, "field_groups", None)
    return declared() if callable(declared) else {}


def error_group(error: ValidationError) -> str | None:
    """The group a non-field error belongs to, or None."""
    code = getattr(error, "code", None) or ""
    return code[len(_GROUP_CODE) :] if code.startswith(_GROUP_CODE) else None


def group_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """The messages of each group's errors, by group name."""
    found: dict[str, list[str]] = {}
    for error in form.non_field_errors().as_data():
        group = error_group(error)
        if group is not None:
            found.setdefault(group, []).extend(str(m) for m in error.messages)
    return found


def is_scoped(model: Any) -> bool:
    """Whether `model`'s default manager is a closed-by-default scoped one."""
    return hasattr(model._default_manager, "visible_to")


class ScopedFormMixin:
    """Scopes every related-record choice of a form to what `user` may see (see module doc)."""

    #: For related models that are not scoped: field name -> name of a method on the form
    #: that returns the queryset to offer, e.g. ``{"user": "people_choices"}``.
    unscoped_choices: ClassVar[dict[str, str]] = {}
    #: The model whose area decides which partners the ``partner`` field offers.
    scope_model: ClassVar[Any] = None

    fields: dict[str, forms.Field]
    initial: MutableMapping[str, Any]

    def field_groups(self) -> dict[str, list[str]]:
        """Groups of fields filled in together in one fieldset, by name; an error raised with
        `group_error(name, ...)` (or a service's error on `name`) is the group's."""
        return {}

    @property
    def group_errors(self) -> dict[str, list[str]]:
        """Each group's error messages (templates: ``form.group_errors.owner_shares``)."""
        return group_errors(self)  # type: ignore[arg-type]

    def scope_fields(self, user: Any, creating: bool) -> None:

        model = getattr(self, "form_model", None) or self.scope_model
        action = ADD if creating else CHANGE
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            related = _model_of(field)
            if name in self.unscoped_choices:
                field.queryset = getattr(self, self.unscoped_choices[name])(user)
            elif related is Partner and model is not None:
                field.queryset = writable_partners(user, action, model.area)
                if creating and name not in self.initial:
                    # Most council people work in one council: choose it for them.
                    only = list(field.queryset[:2])
                    if len(only) == 1:
                        self.initial[name] = only[0].pk
            elif is_scoped(related):
                field.queryset = related.objects.visible_to(user)
            else:
                raise ImproperlyConfigured(
                    f"{type(self).__name__}.{name} offers {related.__name__}, which is not "
                    "scoped: name a method for it in unscoped_choices"
                )


def author_of(model: Any) -> str | None:
    """The field naming whose own a new record is when nobody says (a ticket's requester): the
    first of the model's `own_fields`, when it is a foreign key of the record itself."""
    fields = getattr(model, "own_fields", ())
    return fields[0] if fields and "__" not in fields[0] else None


class OwnerSharesMixin:
    """The owner shares of a co-owned record, as one group of fields (the "Owners" fieldset of
    generic/form.html): a percentage for each council in which the person may add (or change)
    the record. Every other owner's share is kept as it is and counts towards the 100%
    (core.services.kept_owner_shares), the same rule as the API's. The view saves them with
    core.services.set_owner_shares once the record is saved (`shares`)."""

    fields: dict[str, forms.Field]
    instance: Any
    user: Any

    def add_share_fields(self) -> None:
        action = ADD if self.instance.pk is None else CHANGE
        area = type(self.instance).area
        self.editable_partners = list(writable_partners(self.user, action, area))
        editable_ids = {p.pk for p in self.editable_partners}
        existing = {s.partner_id: s for s in self.instance.owner_shares()}
        #: Shares this person cannot change: kept as they are, shown beside the fields.
        self.kept_shares = {
            s.partner: s.percentage for s in kept_owner_shares(self.instance, editable_ids)
        }
        for partner in self.editable_partners:
            share = existing.get(partner.pk)
            name = f"{partner.name}\u2019s share"
            self.fields[self.share_field(partner)] = forms.DecimalField(
                label=f"{partner.name} (%)",
                required=False,
                min_value=Decimal("0"),
                # No max_digits: max_value says it, and both would report one mistake twice.
                max_value=HUNDRED,
                decimal_places=2,
                initial=share.percentage if share else None,
                help_text="Leave blank if this council is not an owner.",
                # A text input, as GOV.UK advises for numbers: a number input changes its value
                # under the mouse wheel and the arrow keys, and some speech software cannot use
                # it. inputmode still brings up a keypad with a decimal point.
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                # Django fills in these messages with %-formatting: a "%" is written "%%".
                error_messages={
                    "invalid": f"Enter {name} as a number, like 25 or 12.5",
                    "min_value": f"{name} must be 0%% or more",
                    "max_value": f"{name} must be 100%% or less",
                    "max_decimal_places": f"{name} can have up to 2 decimal places",
                },
            )
        #: The shares to save, by council, once the form is valid.
        self.shares: dict[Any, Decimal] = {}

    @staticmethod
    def share_field(partner: Any) -> str:
        return f"share_{partner.pk}"

    @property
    def share_fields(self) -> list[str]:
        """The names of the share fields, in the order of the councils."""
        return [self.share_field(p) for p in getattr(self, "editable_partners", ())]

    def visible_kept_shares(self) -> list[tuple[Any, Decimal]]:
        """Shares of other councils that the person can see (shown, not editable)."""
        return list(getattr(self, "kept_shares", {}).items())

    def clean_shares(self, cleaned: dict[str, Any]) -> None:
        """Check the shares as a whole (the group's error), and keep them in `shares`."""
        form: Any = self
        if any(form.has_error(name) for name in self.share_fields):
            # A share that is not a percentage has its own error; a total of the others would
            # only be a second message about the same mistake.
            return
        shares: dict[Any, Decimal] = dict(self.kept_shares)
        for partner in self.editable_partners:
            value = cleaned.get(self.share_field(partner))
            if value:
                shares[partner] = value
        problem = owner_shares_problem(shares, kept=self.kept_shares)
        if problem is not None:
            raise group_error("owner_shares", problem)
        self.shares = shares


class AudienceMixin:
    """The councils a record for chosen councils is for (core.tenancy.records.AudienceModel):
    a checkbox for each council in which the person may add (or change) the record, and "For
    every council" for those who may do so in every council. Councils the person may not
    change are kept as they are (core.services.kept_audience: the owner shares' rule, in pages
    and API alike) and named in the hint. The view saves the councils with
    core.services.set_audience once the record is saved (`audience`)."""

    fields: dict[str, forms.Field]
    instance: Any
    user: Any

    def add_audience_fields(self) -> None:
        action = ADD if self.instance.pk is None else CHANGE
        area = type(self.instance).area
        writable = writable_partners(self.user, action, area)
        writable_ids = set(writable.values_list("pk", flat=True))
        #: Councils the record is for that this person cannot take away.
        self.kept_councils = kept_audience(self.instance, writable_ids)
        self.every_council = access_for(self.user).partner_ids(action, area) is None
        current = [p.pk for p in self.instance.audience() if p.pk in writable_ids]
        hint = "The councils it is for."
        visible = set(Partner.objects.visible_to(self.user).values_list("pk", flat=True))
        shown = [p for p in self.kept_councils if p.pk in visible]
        if shown:
            names = ", ".join(p.name for p in shown)
            hint += f" It is also for {names}, which you cannot change."
        self.fields["councils"] = forms.ModelMultipleChoiceField(
            queryset=writable,
            required=False,
            label="Councils",
            help_text=hint,
            initial=current,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": "Choose councils from the list",
                "invalid_pk_value": "Choose councils from the list",
            },
        )
        self.fields["councils"].label_from_instance = partner_label  # type: ignore[attr-defined]
        every = self.fields.get("for_all_councils")
        if every is None:
            every = self.fields["for_all_councils"] = forms.BooleanField(
                label="For every council",
                required=False,
                initial=self.instance.for_all_councils,
                help_text=type(self.instance)._meta.get_field("for_all_councils").help_text,
            )
        if not self.every_council:
            # Only someone who may do this in every council says a record is for all of them
            # (or takes that away).
            every.disabled = True
        #: The councils to save, once the form is valid.
        self.audience: list[Any] = []

    @property
    def audience_fields(self) -> list[str]:
        return ["for_all_councils", "councils"] if hasattr(self, "kept_councils") else []

    def clean_audience(self, cleaned: dict[str, Any]) -> None:
        form: Any = self
        if form.has_error("councils"):
            return
        for_all = bool(cleaned.get("for_all_councils"))
        if not self.every_council:
            for_all = bool(self.instance.for_all_councils)
        chosen = list(cleaned.get("councils") or ())
        self.audience = [*self.kept_councils, *chosen]
        if not for_all and not self.audience:
            form.add_error("councils", NO_AUDIENCE)
        self.instance.for_all_councils = for_all


class ScopedModelForm(AudienceMixin, OwnerSharesMixin, ScopedFormMixin, forms.ModelForm):
    """A model form whose dropdowns offer only what the person may see (and write to).

    A co-owned record's form also asks for its owner shares (`OwnerSharesMixin`); a record for
    chosen councils, which councils (`AudienceMixin`).
    """

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.form_model = type(self).scope_model or self._meta.model
        self.scope_fields(user, creating=self.instance.pk is None)
        author_field = author_of(self._meta.model)
        if self.instance.pk is None and author_field and author_field not in self.fields:
            # A record some people own (a ticket its requester) is, unless the form asks,
            # its author's own.
            setattr(self.instance, f"{author_field}_id", getattr(user, "pk", None))
        if getattr(self._meta.model, "ownership", None) == "shared":
            self.add_share_fields()
        if getattr(self._meta.model, "ownership", None) == "audience":
            self.add_audience_fields()
        govukify(self)
        for name in self.share_fields:
            self.fields[name].widget.attrs["class"] += " govuk-input--width-5"

    def field_groups(self) -> dict[str, list[str]]:
        # The shares are filled in together, in the "Owners" fieldset: an error about them as a
        # whole (or set_owner_shares's on "owner_shares") is the fieldset's.
        return {"owner_shares": self.share_fields} if self.share_fields else {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.share_fields:
            self.clean_shares(cleaned)
        if self.audience_fields:
            self.clean_audience(cleaned)
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # (django-stubs lacks ModelForm._post_clean)
        # Values that must differ only among the records this person can see (never a clash
        # with a record they cannot: that would tell them it exists).
        clashes = getattr(self.instance, "reader_clashes", None)
        if clashes is not None:
            for name, message in clashes(self.user).items():
                if name in self.fields and not self.has_error(name):
                    self.add_error(name, message)


class ScopedForm(ScopedFormMixin, forms.Form):
    """A plain form (no model instance) with the same scoping of its dropdowns."""

    def __init__(self, *args: Any, user: Any, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance
        self.scope_fields(user, creating=instance is None or instance.pk is None)
        govukify(self)
