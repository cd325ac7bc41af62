"""Settings come from the environment, and .env.example lists every variable they read."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

# env_str("NAME"...), env_bool(...), env_int(...), env_list(...) in concord/settings.py
READ = re.compile(r"env_(?:str|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"")
# NAME=value or "# NAME=value" (an optional variable shown with an example)
LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def test_env_example_lists_every_variable_the_settings_read():
    read = set(READ.findall((BASE_DIR / "concord" / "settings.py").read_text()))
    listed = set(LISTED.findall((BASE_DIR / ".env.example").read_text()))
    assert read, "the settings read no variables? the pattern is out of date"
    missing = sorted(read - listed)
    assert not missing, f".env.example should list {', '.join(missing)}"


def test_env_example_lists_nothing_the_settings_do_not_read():
    read = set(READ.findall((BASE_DIR / "concord" / "settings.py").read_text()))
    listed = set(LISTED.findall((BASE_DIR / ".env.example").read_text()))
    assert not sorted(listed - read), "stale variables in .env.example"


def test_env_example_sets_no_secret():
    text = (BASE_DIR / ".env.example").read_text()
    assert re.search(r"^CONCORD_SECRET_KEY=\s*$", text, re.MULTILINE)


def _dependency_names() -> set[str]:
    """Every package named in pyproject.toml and package.json (without versions or extras)."""
    import json
    import tomllib

    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    names = {re.split(r"[\[<>=!~ ;]", spec, maxsplit=1)[0] for spec in specs}
    names |= set(json.loads((BASE_DIR / "package.json").read_text()).get("dependencies", {}))
    return names


def test_every_dependency_has_a_reason_in_the_docs():
    # Every dependency earns its place (ARCHITECTURE §1): docs/dependencies.md says why.
    documented = set(
        re.findall(
            r"^\| `([^`\[]+)", (BASE_DIR / "docs" / "dependencies.md").read_text(), re.MULTILINE
        )
    )
    missing = sorted(_dependency_names() - documented)
    assert not missing, f"docs/dependencies.md should say why we depend on {', '.join(missing)}"
