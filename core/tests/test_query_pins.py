"""Pinned query counts (core/testing/families/pins.py): a wrong pin fails and names the command
that rewrites it; under --repin-queries it is rewritten in the family's own class, on a copy of
a test module in a temporary folder here, and nothing else of the file changes."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from core.testing.families.pins import (
    COMMAND,
    OPTION,
    REPINNED,
    PinError,
    check_pin,
    pytest_configure,
    rewrite_pin,
)

MODULE = '''\
"""Families, as a test module declares them."""


class TestFirst(Family):
    """A family."""

    model = First
    list_queries = 5  # the page, then its councils
    # The page, then its people by key.
    api_list_queries = 4

    def make(self, cast, partner): ...


class TestSecond(Family):
    model = Second
    list_queries = 5  # as TestFirst's: only this class's line changes
    api_list_queries: int = 2

    class TestInner(Family):
        list_queries = 7


class TestUnpinned(Family):
    """Pins neither count."""

    model = Unpinned
    owner = "wcc"

    def make(self, cast, partner): ...


class TestHalf(Family):
    model = Half
    # The page, then its councils.
    api_list_queries = 3


class TestOddly(Family):
    list_queries = 2 + 1
    api_list_queries = None
'''


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "test_generic.py"
    path.write_text(MODULE, encoding="utf-8")
    return path


def changed_lines(path: Path) -> list[tuple[str, str]]:
    """The lines that differ from MODULE, for files whose line count is unchanged."""
    after = path.read_text(encoding="utf-8").splitlines()
    before = MODULE.splitlines()
    assert len(after) == len(before)
    return [(old, new) for old, new in zip(before, after, strict=True) if old != new]


def test_rewrite_changes_the_number_of_its_class_only_and_keeps_the_comment(module: Path) -> None:
    assert rewrite_pin(module, "TestSecond", "list_queries", 6) == (17, 5)
    assert changed_lines(module) == [
        (
            "    list_queries = 5  # as TestFirst's: only this class's line changes",
            "    list_queries = 6  # as TestFirst's: only this class's line changes",
        )
    ]
    assert rewrite_pin(module, "TestFirst", "api_list_queries", 12) == (10, 4)
    assert changed_lines(module)[0] == ("    api_list_queries = 4", "    api_list_queries = 12")
    assert rewrite_pin(module, "TestSecond", "api_list_queries", 3)[1] == 2  # annotated
    assert rewrite_pin(module, "TestSecond.TestInner", "list_queries", 8)[1] == 7  # nested
    assert rewrite_pin(module, "TestOddly", "api_list_queries", 1)[1] is None  # was None
    assert len(changed_lines(module)) == 5
    compile(module.read_text(encoding="utf-8"), str(module), "exec")


def test_rewrite_adds_the_pin_a_class_does_not_declare(module: Path) -> None:
    assert rewrite_pin(module, "TestUnpinned", "api_list_queries", 2) == (29, None)
    assert rewrite_pin(module, "TestUnpinned", "list_queries", 6) == (29, None)
    # Before the other pin and the comment over it.
    assert rewrite_pin(module, "TestHalf", "list_queries", 9) == (37, None)
    text = module.read_text(encoding="utf-8")
    assert (
        textwrap.dedent("""\
        class TestUnpinned(Family):
            \"""Pins neither count.\"""

            model = Unpinned
            owner = "wcc"
            list_queries = 6
            api_list_queries = 2

            def make(self, cast, partner): ...
        """)
        in text
    )
    assert (
        textwrap.dedent("""\
        class TestHalf(Family):
            model = Half
            list_queries = 9
            # The page, then its councils.
            api_list_queries = 3
        """)
        in text
    )
    assert len(text.splitlines()) == len(MODULE.splitlines()) + 3
    compile(text, str(module), "exec")


def test_rewrite_keeps_windows_line_ends_and_other_text(tmp_path: Path) -> None:
    path = tmp_path / "test_crlf.py"
    opening = b"class TestA:\r\n    # Caf\xc3\xa9 \x0c page\r\n    name = 'Caf\xc3\xa9'\r\n"
    path.write_bytes(opening + b"    list_queries = 1  # \xc3\xa9\r\n")
    assert rewrite_pin(path, "TestA", "list_queries", 10) == (4, 1)
    assert rewrite_pin(path, "TestA", "api_list_queries", 3) == (5, None)
    assert path.read_bytes() == (
        opening + b"    list_queries = 10  # \xc3\xa9\r\n    api_list_queries = 3\r\n"
    )


@pytest.mark.parametrize(
    ("qualname", "name", "says"),
    [
        ("TestOddly", "list_queries", "not a number on its own line"),
        ("TestMissing", "list_queries", "no class TestMissing"),
        ("test_something.<locals>.TestLocal", "list_queries", "inside a function"),
    ],
)
def test_rewrite_refuses_what_it_cannot_write(
    module: Path, qualname: str, name: str, says: str
) -> None:
    with pytest.raises(PinError, match=says):
        rewrite_pin(module, qualname, name, 4)
    assert module.read_text(encoding="utf-8") == MODULE


class FakeConfig:
    """What check_pin reads of pytest's config."""

    def __init__(self, repin: bool, verbose: int = 0, dist: str = "no") -> None:
        self.options = {"repin_queries": repin, "verbose": verbose, "dist": dist}
        self.stash = pytest.Stash()

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@pytest.fixture
def family(module: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """TestFirst, defined by the module in the temporary folder (so inspect finds its source)."""
    spec = importlib.util.spec_from_file_location("pins_sample_module", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "pins_sample_module", loaded)
    names = {"Family": object, "First": 1, "Second": 2, "Unpinned": 3, "Half": 4}
    loaded.__dict__.update(names)
    spec.loader.exec_module(loaded)
    return loaded.TestFirst


def test_a_wrong_pin_fails_and_names_the_command(family: Any, module: Path) -> None:
    config: Any = FakeConfig(repin=False)
    check_pin(family, "list_queries", ["q"] * 5, ["q"] * 5, 5, config)  # the pin holds
    with pytest.raises(pytest.fail.Exception) as failed:
        check_pin(family, "list_queries", ["q"] * 6, ["q"] * 6, 5, config)
    message = str(failed.value)
    assert "TestFirst.list_queries is pinned at 5, but the list made 6 queries" in message
    assert COMMAND in message and OPTION in message
    assert "-v lists the queries" in message
    config = FakeConfig(repin=False, verbose=1)
    with pytest.raises(pytest.fail.Exception, match=r"1\. SELECT 1"):
        check_pin(family, "list_queries", ["SELECT 1"], ["SELECT 1"], 5, config)
    assert module.read_text(encoding="utf-8") == MODULE


def test_repinning_rewrites_the_declaring_module(family: Any, module: Path) -> None:
    config: Any = FakeConfig(repin=True)
    check_pin(family, "list_queries", ["q"] * 7, ["q"] * 7, 5, config)
    check_pin(family, "api_list_queries", ["q"] * 4, ["q"] * 4, 5, config)  # holds: untouched
    assert changed_lines(module) == [
        (
            "    list_queries = 5  # the page, then its councils",
            "    list_queries = 7  # the page, then its councils",
        )
    ]
    [repin] = config.stash[REPINNED]
    assert (repin.path, repin.line, repin.family, repin.old, repin.new) == (
        module,
        8,
        "TestFirst",
        5,
        7,
    )


def test_a_count_growing_with_the_rows_is_never_repinned(family: Any, module: Path) -> None:
    config: Any = FakeConfig(repin=True)
    with pytest.raises(pytest.fail.Exception, match=r"N\+1"):
        check_pin(family, "list_queries", ["q"] * 5, ["q"] * 10, 5, config)
    assert module.read_text(encoding="utf-8") == MODULE
    assert REPINNED not in config.stash


def test_the_option_is_registered(pytestconfig: pytest.Config) -> None:
    """conftest.py loads the plugin: pytest knows --repin-queries (off unless given)."""
    assert pytestconfig.getoption("repin_queries") in (False, True)


def test_repinning_is_refused_under_xdist_workers() -> None:
    """Workers would rewrite one module at once, and keep what they rewrote to themselves."""
    config: Any = FakeConfig(repin=True, dist="worksteal")
    with pytest.raises(pytest.UsageError, match=r"without pytest-xdist's workers \(-n 0"):
        pytest_configure(config)
    one_process: Any = FakeConfig(repin=True)
    pytest_configure(one_process)  # allowed
    checking: Any = FakeConfig(repin=False, dist="worksteal")
    pytest_configure(checking)  # checking the pins in workers: allowed
