"""Settings come from the environment, and .env.example lists every variable they read."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

# env_str("NAME"...), env_bool(...), env_int(...), env_list(...), env_header(...),
# env_networks(...) in the settings
READ = re.compile(r"env_(?:str|bool|int|list|header|networks)\(\s*\"([A-Z][A-Z0-9_]*)\"")
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


# A row of docs/deployment.md's settings tables: | `NAME` | default | meaning |
DOCUMENTED = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|", re.MULTILINE)


def test_the_deployment_guide_explains_every_variable_the_settings_read():
    read = set(READ.findall((BASE_DIR / "concord" / "settings.py").read_text()))
    documented = set(DOCUMENTED.findall((BASE_DIR / "docs" / "deployment.md").read_text()))
    missing = sorted(read - documented)
    assert not missing, f"docs/deployment.md's settings tables should explain {', '.join(missing)}"
    stale = sorted(documented - read)
    assert not stale, f"docs/deployment.md explains variables nothing reads: {', '.join(stale)}"


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


LETTERS = (("view", "V"), ("add", "A"), ("change", "C"), ("delete", "D"), ("import", "I"),
           ("export", "E"), ("history", "H"))  # fmt: skip


def grant_table_markdown() -> str:
    """The grant tables of core.tenancy.access as the markdown table docs/tenancy.md shows."""
    from core.tenancy.access import ACTIONS, AREAS, COUNCIL_GRANTS, SERVICE_GRANTS, Access
    from core.tenancy.choices import CouncilRole, ServiceRole

    def cell(actions: frozenset[str]) -> str:
        if actions == ACTIONS:
            return "all"
        return " ".join(letter for action, letter in LETTERS if action in actions) or "-"

    lines = [
        "| role | " + " | ".join(AREAS) + " |",
        "|---|" + "---|" * len(AREAS),
    ]
    for role in COUNCIL_GRANTS:
        access = Access(user_id=1, roles_by_partner={1: {role}})
        label = f"council `{CouncilRole(role).value}`"
        cells = []
        for area in AREAS:
            text = cell(access.council_actions(1, area))
            own = access.council_own_actions(1, area) - access.council_actions(1, area)
            if own:
                # Grants on the person's own records only (COUNCIL_OWN_GRANTS).
                text = f"{text if text != '-' else ''} own: {cell(own)}".strip()
            cells.append(text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for role in SERVICE_GRANTS:
        access = Access(user_id=1, service_role=role)
        label = f"service `{ServiceRole(role).value}`"
        cells = [cell(access.service_actions(area)) for area in AREAS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_tenancy_doc_shows_the_grant_tables_as_they_are():
    text = (BASE_DIR / "docs" / "tenancy.md").read_text()
    start, end = "<!-- grant-table:start -->\n", "\n<!-- grant-table:end -->"
    assert start in text and end in text, "docs/tenancy.md lost its grant-table markers"
    shown = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert shown == grant_table_markdown(), (
        "docs/tenancy.md's grant table is out of date; paste in core.tests."
        "test_security_settings.grant_table_markdown()"
    )
