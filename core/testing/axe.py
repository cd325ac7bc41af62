"""axe-core in the browser tests: every rule, at every level, on a page Playwright has open.

axe-core comes from npm (package.json's devDependencies; ``node_modules/axe-core/axe.min.js``),
never from the network. Pages refuse inline and injected scripts (the Content-Security-Policy),
so the test browser's context must bypass it to inject axe (``new_context(bypass_csp=True)``,
as `axe_context` makes); the pages' own scripts run as they always do.

`axe_context` hands axe's script to the browser once, to run in every document the context
opens (``add_init_script``). Sent with each page instead (``add_script_tag``), its 560 kB went
from this process through Playwright's driver to chromium every time: in a part of the
manager's accessibility crawl (137 pages) axe took 71 s that way and takes 32 s now. A page
axe did not come with (one opened elsewhere) still gets it sent.

`axe_violations(page)` runs every axe rule, the best-practice and experimental ones included,
and returns each violation as a line naming the rule, its impact, its help and the elements
that break it; a test asserts the list is empty, so that any new violation fails it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

#: Rules left out, each with its reason. Empty: every rule of axe-core counts.
SKIPPED_RULES: dict[str, str] = {}


def axe_script() -> Path:
    """The path of axe-core's script, or a failure saying how to get it."""
    path = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        import pytest

        pytest.fail(
            f"{path} is missing: axe-core is a development dependency in package.json; "
            "install the front-end packages with `npm ci`.",
            pytrace=False,
        )
    return path


def axe_context(browser: Any, base_url: str) -> Any:
    """A browser context past the pages' CSP, whose every document loads axe-core as it opens."""
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(axe_script()))
    return context


_RUN = """async (skipped) => {
  const tags = [...new Set(axe.getRules().flatMap((rule) => rule.tags))];
  const rules = Object.fromEntries(skipped.map((id) => [id, { enabled: false }]));
  const results = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    rules,
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  }));
}"""


def axe_violations(page: Any) -> list[str]:
    """Every axe-core violation on `page` as it is now, one line each (empty: none)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script()))
    found = page.evaluate(_RUN, sorted(SKIPPED_RULES))
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}" for v in found]
