"""Pinned query counts: checking a family's list against its pin, and rewriting the pins.

A family pins what its list page and API list cost (``list_queries``, ``api_list_queries``).
`check_pin` is the check (``FamilyBase.assert_list_queries`` reads the list with some rows and
with twice as many): the two counts must be equal, else a query is made per row (an N+1, which
no pin fixes), and equal to the pin.

When a change of count is intended, ``make pin-queries`` runs the list tests with
``--repin-queries`` (an option this module adds to pytest): a steady count that is not the pin
is then written into the family's own class, in its test module, rather than failing
(`rewrite_pin`: the number on the ``list_queries = N`` line is replaced and the rest of the line,
its comment, kept; a class that does not declare the pin gets the line), and the end of the run
lists the pins rewritten. Without the option a wrong pin fails and names the command.

Rewriting runs in one process: several pytest-xdist workers would rewrite the same test module
at once, and the list of pins rewritten would stay in the workers. ``--repin-queries`` with
``-n`` is refused, saying so (``make pin-queries`` runs without xdist).

This module is a pytest plugin, named in the project's conftest.py (``pytest_plugins``).
"""

from __future__ import annotations

import ast
import inspect
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

OPTION = "--repin-queries"
COMMAND = "make pin-queries"


@dataclass(frozen=True)
class Repin:
    """A pin rewritten: where, whose, and from what to what (``old`` None: the line is new, or
    held None)."""

    path: Path
    line: int
    family: str
    name: str
    old: int | None
    new: int


REPINNED = pytest.StashKey[list[Repin]]()


class PinError(Exception):
    """A pin that cannot be rewritten in its source: to be changed by hand."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        action="store_true",
        default=False,
        dest="repin_queries",
        help=(
            "write the query counts the generic families' list tests measure into the "
            f"families' declarations (list_queries, api_list_queries) instead of failing "
            f"({COMMAND})"
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    if repinning(config) and config.getoption("dist", default="no") != "no":
        raise pytest.UsageError(
            f"{OPTION} rewrites test modules, which only one process may do: run it without "
            f"pytest-xdist's workers (-n 0, or leave -n out; `{COMMAND}` does)."
        )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not repinning(config):
        return
    repins = config.stash.get(REPINNED, [])
    terminalreporter.section("pinned query counts")
    if not repins:
        terminalreporter.write_line("every pin held (or no list query test ran): none rewritten")
    for repin in repins:
        where = (
            repin.path.relative_to(config.rootpath)
            if repin.path.is_relative_to(config.rootpath)
            else repin.path
        )
        was = "new" if repin.old is None else f"was {repin.old}"
        terminalreporter.write_line(
            f"{where}:{repin.line}: {repin.family}.{repin.name} = {repin.new} ({was})"
        )


def repinning(config: pytest.Config) -> bool:
    """Whether this run rewrites pins rather than failing on them."""
    return bool(config.getoption("repin_queries", default=False))


def check_pin(
    family: type,
    name: str,
    first: Sequence[str],
    second: Sequence[str],
    rows: int,
    config: pytest.Config,
) -> None:
    """A list read with `rows` rows made the queries `first`, and with twice as many `second`:
    they must be as many, and as many as `family`'s pin `name`. Under ``--repin-queries`` a pin
    that does not hold is rewritten in `family`'s source instead."""
    __tracebackhide__ = True
    if len(second) != len(first):
        pytest.fail(
            f"{family.__name__}: the list made {len(first)} queries with {rows} rows and "
            f"{len(second)} with {2 * rows}: a query per row (an N+1), which no pin fixes."
            + listing(second, config)
        )
    pinned = getattr(family, name, None)
    if len(first) == pinned:
        return
    if repinning(config):
        config.stash.setdefault(REPINNED, []).append(rewrite_family_pin(family, name, len(first)))
        return
    pin = "not pinned" if pinned is None else f"pinned at {pinned}"
    pytest.fail(
        f"{family.__name__}.{name} is {pin}, but the list made {len(first)} queries (with {rows} "
        f"rows and with {2 * rows}). If the new count is intended, `{COMMAND}` rewrites the "
        f"pins (pytest {OPTION})." + listing(first, config)
    )


def listing(queries: Sequence[str], config: pytest.Config) -> str:
    """The queries, numbered, when pytest runs verbose (as pytest-django lists them)."""
    if config.getoption("verbose", default=0) <= 0:
        return " (-v lists the queries)"
    return "\n\nQueries:\n" + "\n".join(f"{n}. {sql}" for n, sql in enumerate(queries, 1))


def rewrite_family_pin(family: type, name: str, value: int) -> Repin:
    """Rewrite `family`'s pin `name` to `value` in the module that defines the class."""
    source = inspect.getsourcefile(family)
    if source is None:
        raise PinError(f"{family.__qualname__} has no source file to rewrite")
    path = Path(source)
    line, old = rewrite_pin(path, family.__qualname__, name, value)
    return Repin(path, line, family.__qualname__, name, old, value)


def rewrite_pin(path: Path, qualname: str, name: str, value: int) -> tuple[int, int | None]:
    """Set ``name = value`` in the body of the class `qualname` in the module at `path`: the
    number on the class's own line is replaced, the rest of the line (a comment) kept; a class
    without the line gets one, after its other pin or its declarations. Nothing else of the file
    changes. The line written (from 1), and the number it held before (None if new)."""
    text = path.read_bytes().decode("utf-8")
    # Split where ast counts lines (not at form feeds and the like), keeping each line's end.
    lines = io.StringIO(text, newline="").readlines()
    body = class_body(ast.parse(text, filename=str(path)), qualname, path)
    declared = {assigned_name(statement): statement for statement in body}
    statement = declared.get(name)
    if statement is not None:
        node = getattr(statement, "value", None)
        if not (
            isinstance(node, ast.Constant)
            and (node.value is None or type(node.value) is int)
            and node.lineno == node.end_lineno
            and node.end_col_offset is not None
        ):
            raise PinError(
                f"{path}:{statement.lineno}: {qualname}.{name} is not a number on its own line: "
                "change it by hand"
            )
        index = node.lineno - 1
        raw = lines[index].encode("utf-8")  # the offsets ast gives count bytes
        new = raw[: node.col_offset] + str(value).encode() + raw[node.end_col_offset :]
        lines[index] = new.decode("utf-8")
        path.write_bytes("".join(lines).encode("utf-8"))
        return node.lineno, node.value if isinstance(node.value, int) else None
    index, indent = insertion_point(body, declared, name, lines)
    if index and not lines[index - 1].endswith(("\n", "\r")):
        lines[index - 1] += "\n"
    newline = "\r\n" if lines[max(index - 1, 0)].endswith("\r\n") else "\n"
    lines.insert(index, f"{indent}{name} = {value}{newline}")
    path.write_bytes("".join(lines).encode("utf-8"))
    return index + 1, None


def class_body(tree: ast.Module, qualname: str, path: Path) -> list[ast.stmt]:
    """The statements of the class `qualname` (``Outer.Inner`` for a nested one)."""
    if "<locals>" in qualname:
        raise PinError(f"{qualname} is defined inside a function: pin it by hand")
    body: list[ast.stmt] = tree.body
    for part in qualname.split("."):
        found = [node for node in body if isinstance(node, ast.ClassDef) and node.name == part]
        if not found:
            raise PinError(f"no class {qualname} in {path}")
        body = found[-1].body  # the last definition is the one the module keeps
    return body


def assigned_name(statement: ast.stmt) -> str | None:
    """The one name a class-level ``name = ...`` or ``name: T = ...`` assigns, if any."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        return statement.target.id if isinstance(statement.target, ast.Name) else None
    return None


def insertion_point(
    body: list[ast.stmt], declared: dict[str | None, ast.stmt], name: str, lines: list[str]
) -> tuple[int, str]:
    """Where a class that does not declare `name` gets its line (an index into `lines`), and
    its indentation: beside the other pin (``list_queries`` before ``api_list_queries`` and
    the comment over it), else after the declarations that open the class body."""
    sibling = declared.get("api_list_queries" if name == "list_queries" else "list_queries")
    if sibling is not None:
        indent = " " * sibling.col_offset
        if name == "api_list_queries":
            assert sibling.end_lineno is not None
            return sibling.end_lineno, indent
        index = sibling.lineno - 1
        while index > 0 and lines[index - 1].strip().startswith("#"):
            index -= 1
        return index, indent
    anchor: ast.stmt | None = None
    for statement in body:
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        if not (docstring or isinstance(statement, ast.Assign | ast.AnnAssign)):
            break
        anchor = statement
    if anchor is None:
        first = body[0]
        start = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))])
        return start - 1, " " * first.col_offset
    assert anchor.end_lineno is not None
    return anchor.end_lineno, " " * anchor.col_offset
