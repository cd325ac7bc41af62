"""The rules text must keep to, whichever way it enters: a page, the API, an import.

Two kinds of rule, both checked by the model's fields, so that forms (through the model's
``full_clean``), the API (DRF copies a model field's validators into its serializer field) and
imports (``full_clean`` again) refuse the same values with the same words:

- The text rule (`TextRule`), given to every text field of every Concord record by
  `apply_text_rules` when the model class is prepared, without a word from the model's author
  and without a migration (the validators are not part of the field's declaration): no
  control characters and none of the invisible characters that make text read other than it
  is stored (bidirectional overrides and isolates, and in one-line text the left-to-right and
  right-to-left marks and line separators). Free text (a ``TextField``: descriptions, notes,
  addresses) may keep its line breaks and tabs. Decision 0009 says why.
- Shapes (`PostcodeField`, `GssCodeField`, `UprnField`, `EmailAddressField`): values with a
  known form, each refused with a message showing a good one.

`unsafe_characters` finds what the text rule refuses in a value; ``concord check_text`` uses
it to list the values stored before the rule existed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, MaxLengthValidator, RegexValidator
from django.db import models
from django.utils.deconstruct import deconstructible

#: Characters that reorder the text shown around them (U+202A..U+202E: embeddings and
#: overrides; U+2066..U+2069: isolates): "exe.txt" can be shown for "txt.exe". Refused in
#: every text field.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: The left-to-right and right-to-left marks: invisible, and with no use in a name, a code or
#: a reference; kept in free text, where right-to-left writing may need them.
DIRECTION_MARKS = frozenset("\u200e\u200f")
#: Line and paragraph separators: line breaks a one-line value must not hold.
LINE_SEPARATORS = frozenset("\u2028\u2029")
#: What free text may keep of the control characters.
FREE_TEXT_CONTROLS = frozenset("\t\n\r")


def _refused(char: str, *, multiline: bool) -> bool:
    if char in BIDI_CONTROLS:
        return True
    category = unicodedata.category(char)
    if category == "Cs":  # half of a surrogate pair: not a character at all
        return True
    if category == "Cc":
        return not (multiline and char in FREE_TEXT_CONTROLS)
    if multiline:
        return False
    return char in DIRECTION_MARKS or char in LINE_SEPARATORS


def unsafe_characters(value: str, *, multiline: bool = False) -> Iterator[tuple[int, str]]:
    """(position counted from 1, character) of each character the text rule refuses in
    `value`: one-line text (names, codes, references) unless `multiline` (free text)."""
    for index, char in enumerate(value):
        if _refused(char, multiline=multiline):
            yield index + 1, char


def describe_character(char: str) -> str:
    """A character as a person can look it up: ``U+202E (right-to-left override)``."""
    name = unicodedata.name(char, "")
    if not name:
        name = "control character" if unicodedata.category(char) == "Cc" else "unknown"
    return f"U+{ord(char):04X} ({name.lower()})"


@deconstructible
class TextRule:
    """Refuses text holding a control character or an invisible formatting character, with a
    message naming the field (`label`) and where the first such character is."""

    code = "unsafe_characters"

    def __init__(self, label: Any = "This field", *, multiline: bool = False) -> None:
        self.label = label
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str):
            return
        found = next(unsafe_characters(value, multiline=self.multiline), None)
        if found is None:
            return
        position, char = found
        label = str(self.label)
        label = label[:1].upper() + label[1:]
        allowed = " (line breaks and tabs are allowed)" if self.multiline else ""
        raise ValidationError(
            f"{label} must not contain control characters or hidden formatting "
            f"characters{allowed}: remove the {describe_character(char)} at character "
            f"{position}",
            code=self.code,
            params={"value": value},
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TextRule)
            and str(self.label) == str(other.label)
            and self.multiline == other.multiline
        )

    def __hash__(self) -> int:
        return hash((str(self.label), self.multiline))


def is_free_text(field: Any) -> bool:
    """Whether `field` holds free text, which may keep line breaks and tabs."""
    return isinstance(field, models.TextField)


def text_fields(model: type[models.Model]) -> list[Any]:
    """The model's own text fields (``CharField`` and ``TextField`` and their kinds)."""
    return [
        f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
    ]


def apply_text_rules(model: type[models.Model]) -> None:
    """Give each text field of `model` the text rule, once.

    The rule joins the field's ``validators`` (what ``full_clean`` and DRF read), not the
    validators it was declared with (``_validators``, what a migration records): every model
    has it, no model declares it, and no migration changes when it does.
    """
    for field in text_fields(model):
        current = list(field.validators)
        if any(isinstance(v, TextRule) for v in current):
            continue
        rule = TextRule(field.verbose_name, multiline=is_free_text(field))
        field.__dict__["validators"] = [*current, rule]


# Shapes ------------------------------------------------------------------------------------

#: A UK postcode, as the Royal Mail writes it: an outward code (area, district) and an inward
#: code (sector, unit), e.g. SW1A 1AA, M1 1AE, CR2 6XH; and GIR 0AA, the one exception.
POSTCODE_RE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]? [0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]? [0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normal_postcode(value: str) -> str:
    """A postcode as written: capitals, one space before the last three characters
    (``sw1a1aa`` and ``SW1A  1AA`` are ``SW1A 1AA``)."""
    compact = re.sub(r"\s+", "", value).upper()
    if len(compact) < 5:
        return value.strip().upper()
    return f"{compact[:-3]} {compact[-3:]}"


postcode_validator = RegexValidator(
    POSTCODE_RE,
    "Enter a real UK postcode, like SW1A 1AA",
    code="invalid_postcode",
)
gss_code_validator = RegexValidator(
    r"^[EWSN][0-9]{8}$",
    "Enter a GSS code: a capital E, W, S or N and 8 digits, like E09000033",
    code="invalid_gss_code",
)
uprn_validator = RegexValidator(
    r"^[0-9]{1,12}$",
    "Enter a UPRN of up to 12 digits and nothing else, like 100023336956",
    code="invalid_uprn",
)
email_validator = EmailValidator(
    "Enter an email address in the correct format, like name@example.gov.uk"
)


class ShapedField(models.CharField):
    """A text field whose values have a known shape (its ``default_validators``): a value of
    the wrong length is told the shape, not "at most N characters", on forms too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # CharField adds a length check to the field's validators; the shape's check says more.
        self.validators[:] = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def formfield(self, *args: Any, **kwargs: Any) -> Any:
        # The shape is checked by the model field, after writing the value its way (a form
        # and an import run this form field first, then the model's): a lower-case postcode
        # is fine; one too long is told the shape.
        field = super().formfield(*args, **kwargs)
        if field is not None:
            field.validators = [
                v for v in field.validators if not isinstance(v, MaxLengthValidator)
            ]
        return field


class PostcodeField(ShapedField):
    """A UK postcode, stored as written (``SW1A 1AA``): typed in any case and spacing, it is
    written the Royal Mail's way before it is checked."""

    default_validators = [postcode_validator]
    description = "UK postcode"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault("help_text", "A UK postcode, like SW1A 1AA.")
        super().__init__(*args, **kwargs)

    def normalise(self, value: Any) -> Any:
        """The value as stored: a postcode written the Royal Mail's way."""
        return normal_postcode(value) if isinstance(value, str) and value.strip() else value

    def to_python(self, value: Any) -> Any:
        return self.normalise(super().to_python(value))


class GssCodeField(ShapedField):
    """A Government Statistical Service code: a nation's letter and 8 digits (E09000033)."""

    default_validators = [gss_code_validator]
    description = "GSS code"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 9)
        super().__init__(*args, **kwargs)

    def normalise(self, value: Any) -> Any:
        """The value as stored: in capitals (``e09000033`` is ``E09000033``)."""
        return value.strip().upper() if isinstance(value, str) else value

    def to_python(self, value: Any) -> Any:
        return self.normalise(super().to_python(value))


class UprnField(ShapedField):
    """A Unique Property Reference Number: up to 12 digits, kept as text so that nothing a
    spreadsheet does to long numbers changes it."""

    default_validators = [uprn_validator]
    description = "UPRN"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        super().__init__(*args, **kwargs)


class EmailAddressField(models.EmailField):
    """An email address, refused with a message showing a good one."""

    default_validators = [email_validator]

    def formfield(self, *args: Any, **kwargs: Any) -> Any:
        # The form's own check of the address speaks first: in the same words.
        messages = {"invalid": email_validator.message, **kwargs.pop("error_messages", {})}
        return super().formfield(*args, error_messages=messages, **kwargs)
