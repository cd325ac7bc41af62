"""A check constraint's condition evaluated in Python, where that gives exactly the database's
answer, so that validating a record (a form, the API, each row of an import) does not ask the
database a question per check constraint.

Django checks a ``CheckConstraint`` by sending ``SELECT 1 WHERE <condition>`` with the record's
values: a query per constraint per record, which an import of 100,000 rows pays 100,000 times.
`check_in_python` answers the plain conditions every model here uses (a field equal to, or
compared with, a value or another field; ``isnull``; ``in``; joined by AND, OR, NOT) in
Python, with SQL's three-valued logic (a comparison with NULL is unknown, and a check
constraint holds unless its condition is false). Anything else (a function, a join, text
compared by order, whose answer depends on the database's collation) is "cannot say", and the
database is asked as before.

A condition is compiled once a model (`compiled`): its tree walked once into Python functions,
each field named in it looked up once, so that checking a record (100,000 of them in an import)
no longer walks the tree and looks each field up. `walk` is the same answer worked out by
walking the tree each time, kept as the reference the compiled form is tested against
(core/tests/test_conditions.py).

`matches` answers the other question a condition is asked: whether a query filtered by it finds
the record (a row whose condition is unknown is not found). The API answers a record it has
just saved with it, where the reader's visibility condition is plain enough, rather than
reading the row back (core.services.refetch_visible).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q

#: The answer when Python cannot give the database's answer exactly.
CANNOT_SAY = object()

_NUMBERS = (int, float, Decimal)
_ORDERED = {"gt", "gte", "lt", "lte"}


def _field(model: Any, name: str) -> Any:
    """The concrete field `name` names (``pk`` the primary key, as in a query), or None."""
    if "__" in name:
        return None
    if name == "pk":
        return model._meta.pk
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value(model: Any, instance: Any, name: str, exclude: set[str]) -> Any:
    field = _field(model, name)
    if field is None:
        return CANNOT_SAY
    if field.name in exclude or not field.concrete or field.many_to_many:
        return CANNOT_SAY
    return getattr(instance, field.attname)


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, _NUMBERS) and isinstance(b, _NUMBERS):
        return not (isinstance(a, float) or isinstance(b, float))
    if isinstance(a, datetime.datetime) or isinstance(b, datetime.datetime):
        return isinstance(a, datetime.datetime) and isinstance(b, datetime.datetime)
    if isinstance(a, datetime.date) and isinstance(b, datetime.date):
        return True
    return isinstance(a, str) and isinstance(b, str)


def _lookup(model: Any, instance: Any, key: str, operand: Any, exclude: set[str]) -> Any:
    """True, False, None (unknown: NULL) or CANNOT_SAY for one ``field__lookup=operand``."""
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    left = _value(model, instance, name, exclude)
    if left is CANNOT_SAY:
        return CANNOT_SAY
    if lookup == "isnull":
        if not isinstance(operand, bool):
            return CANNOT_SAY
        return (left is None) == operand
    if isinstance(operand, F):
        right = _value(model, instance, operand.name, exclude)
        if right is CANNOT_SAY:
            return CANNOT_SAY
    elif hasattr(operand, "resolve_expression"):
        return CANNOT_SAY
    else:
        right = operand
    return _compare(left, lookup, right, isinstance(operand, F))


def _compare(left: Any, lookup: str, right: Any, is_f: bool) -> Any:
    """One lookup's answer for a record's `left` value and the `right` it is compared with
    (`is_f`: another field's value): what `_lookup` and its compiled form both answer."""
    if lookup == "exact" and right is None and not is_f:
        return left is None  # Django writes field=None as IS NULL
    if lookup == "in":
        if is_f or not isinstance(right, (list, tuple, set, frozenset)):
            return CANNOT_SAY
        if left is None:
            return None
        values = [v for v in right if v is not None]
        if any(not _comparable(left, v) for v in values):
            return CANNOT_SAY
        if left in values:
            return True
        return None if any(v is None for v in right) else False
    if left is None or right is None:
        return None
    if not _comparable(left, right):
        return CANNOT_SAY
    if lookup == "exact":
        return left == right
    if lookup in _ORDERED:
        if isinstance(left, str):
            return CANNOT_SAY  # ordering text is the collation's business
        if lookup == "gt":
            return left > right
        if lookup == "gte":
            return left >= right
        if lookup == "lt":
            return left < right
        return left <= right
    return CANNOT_SAY


def _evaluate(model: Any, instance: Any, node: Any, exclude: set[str]) -> Any:
    if isinstance(node, Q):
        answers = []
        for child in node.children:
            answer = _evaluate(model, instance, child, exclude)
            if answer is CANNOT_SAY:
                return CANNOT_SAY
            answers.append(answer)
        if node.connector == Q.AND:
            result: Any = (
                False
                if any(a is False for a in answers)
                else (None if any(a is None for a in answers) else True)
            )
        elif node.connector == Q.OR:
            result = (
                True
                if any(a is True for a in answers)
                else (None if any(a is None for a in answers) else False)
            )
        else:
            return CANNOT_SAY
        if node.negated and result is not None:
            result = not result
        return result
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[0], str):
        return _lookup(model, instance, node[0], node[1], exclude)
    return CANNOT_SAY


def walk(model: Any, instance: Any, condition: Any, exclude: Any = None) -> Any:
    """`check_in_python`'s answer worked out by walking the condition's tree (the reference
    the compiled form is tested against)."""
    skipped = set(exclude or ())
    if not isinstance(condition, Q):
        return CANNOT_SAY
    referenced = set(condition.referenced_base_fields)
    if referenced & skipped:
        return True
    answer = _evaluate(model, instance, condition, skipped)
    if answer is CANNOT_SAY:
        return CANNOT_SAY
    return answer is not False


def matches(model: Any, instance: Any, condition: Any) -> Any:
    """Whether `instance` is among the rows a query filtered by `condition` finds (True or
    False, as the database would say: a row whose condition is unknown is not found), or
    `CANNOT_SAY`. For a condition made per request (what a person may see: the tree is walked,
    not compiled and kept).

    A filter is not a check: Django writes a negated comparison on a column that may be NULL
    with ``IS NOT NULL`` beside it (so the NULL row is found by ``~Q(...)``), and takes None
    out of an ``in`` list. A condition with either is "cannot say" here, and the database is
    asked."""
    if not isinstance(condition, Q) or not _filters_as_written(condition):
        return CANNOT_SAY
    answer = _evaluate(model, instance, condition, set())
    if answer is CANNOT_SAY:
        return CANNOT_SAY
    return answer is True


def _filters_as_written(node: Any) -> bool:
    """Whether Django's filter of `node` is its condition as written: no negation, no None in
    an ``in`` list."""
    if isinstance(node, Q):
        return not node.negated and all(_filters_as_written(child) for child in node.children)
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[0], str):
        operand = node[1]
        return not (
            node[0].endswith("__in")
            and isinstance(operand, list | tuple | set | frozenset)
            and None in operand
        )
    return False


# The compiled form -------------------------------------------------------------------------

#: A compiled condition: (instance, fields left out) -> True, False, None or CANNOT_SAY.
Compiled = Callable[[Any, "set[str] | frozenset[str]"], Any]

#: {(model, id(condition)): (condition, compiled)}: the condition is held so its id stays its.
_COMPILED: dict[tuple[Any, int], tuple[Any, Compiled]] = {}


def _cannot_say(instance: Any, exclude: Any) -> Any:
    return CANNOT_SAY


def _compile_value(model: Any, name: str) -> Callable[[Any, Any], Any]:
    """`_value` for the field `name`, its field looked up once."""
    field = _field(model, name)
    if field is None or not field.concrete or field.many_to_many:
        return _cannot_say
    field_name, attname = field.name, field.attname

    def value(instance: Any, exclude: Any) -> Any:
        if field_name in exclude:
            return CANNOT_SAY
        return getattr(instance, attname)

    return value


def _compile_lookup(model: Any, key: str, operand: Any) -> Compiled:
    """`_lookup` for one ``field__lookup=operand``, what does not depend on the record worked
    out once; the same answers in the same order of tests."""
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    left_of = _compile_value(model, name)
    if lookup == "isnull":

        def isnull(instance: Any, exclude: Any) -> Any:
            left = left_of(instance, exclude)
            if left is CANNOT_SAY:
                return CANNOT_SAY
            if not isinstance(operand, bool):
                return CANNOT_SAY
            return (left is None) == operand

        return isnull
    is_f = isinstance(operand, F)
    if is_f:
        right_of = _compile_value(model, operand.name)
    elif hasattr(operand, "resolve_expression"):
        return _cannot_say  # an expression: the database's business
    else:

        def right_of(instance: Any, exclude: Any) -> Any:
            return operand

    def compare(instance: Any, exclude: Any) -> Any:
        left = left_of(instance, exclude)
        if left is CANNOT_SAY:
            return CANNOT_SAY
        right = right_of(instance, exclude)
        if right is CANNOT_SAY:
            return CANNOT_SAY
        return _compare(left, lookup, right, is_f)

    return compare


def _compile(model: Any, node: Any) -> Compiled:
    """`_evaluate` for `node`, compiled."""
    if isinstance(node, Q):
        parts = [_compile(model, child) for child in node.children]
        connector, negated = node.connector, node.negated
        if connector not in (Q.AND, Q.OR):
            return _cannot_say  # XOR: not answered here
        deciding = connector == Q.OR  # the answer that settles it: True for OR, False for AND

        def joined(instance: Any, exclude: Any) -> Any:
            # Every part is answered (a CANNOT_SAY anywhere is the whole answer), then joined.
            settled = unknown = False
            for part in parts:
                answer = part(instance, exclude)
                if answer is CANNOT_SAY:
                    return CANNOT_SAY
                if answer is deciding:
                    settled = True
                elif answer is None:
                    unknown = True
            if settled:
                result: Any = deciding
            elif unknown:
                return None
            else:
                result = not deciding
            return (not result) if negated else result

        return joined
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[0], str):
        return _compile_lookup(model, node[0], node[1])
    return _cannot_say


def compiled(model: Any, condition: Any) -> Compiled:
    """`condition` (a check constraint's) compiled for `model`, once: a function of a record
    and the fields left out giving `check_in_python`'s answer."""
    key = (model, id(condition))
    found = _COMPILED.get(key)
    if found is not None and found[0] is condition:
        return found[1]
    if not isinstance(condition, Q):
        function: Compiled = _cannot_say
    else:
        referenced = frozenset(condition.referenced_base_fields)
        evaluate = _compile(model, condition)

        def function(instance: Any, exclude: Any) -> Any:
            if exclude and not referenced.isdisjoint(exclude):
                return True
            answer = evaluate(instance, exclude)
            if answer is CANNOT_SAY:
                return CANNOT_SAY
            return answer is not False

    _COMPILED[key] = (condition, function)
    return function


def check_in_python(model: Any, instance: Any, condition: Any, exclude: Any = None) -> Any:
    """Whether `instance` keeps to a check constraint's `condition` (True or False, as the
    database would say: an unknown condition holds), or `CANNOT_SAY`. A condition on a field
    in `exclude` is not checked (True), as Django skips it. Compiled once a model and
    condition (`compiled`)."""
    skipped = exclude if isinstance(exclude, (set, frozenset)) else set(exclude or ())
    return compiled(model, condition)(instance, skipped)
