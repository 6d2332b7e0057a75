"""Shared helpers for the Playwright journeys: an accessibility check with axe-core and screenshots.

- `assert_accessible(page, name)` runs axe-core (vendored in tests/browser/vendor/axe.min.js, MPL-2.0,
  its LICENSE beside it) on the page as it is now and fails on every `serious` or `critical`
  violation, listed one per line with the rule, its help text and the elements concerned. The pages
  keep a strict Content-Security-Policy (no inline script), so a `<script>` tag with axe's source would
  be refused (and reported as a CSP violation); the source is evaluated through the DevTools protocol
  instead (`page.evaluate`), which the page's policy does not govern.
- `screenshot(page, name)` saves `artifacts/screenshots/<name>.png` (the folder `MOTCUA_ARTIFACTS`
  names, else `artifacts/` at the checkout's root; CI keeps it as an artifact) and returns the path.

    from tests.browser.a11y import assert_accessible, screenshot
    assert_accessible(page, "bảng điều hành")
    screenshot(page, "leader-dashboard")
"""
from __future__ import annotations

import os
import re
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ROOT = Path(__file__).resolve().parents[2]
FAILING = ("serious", "critical")

# The axe run: WCAG 2.x A and AA rules plus axe's best practices, on the whole document.
_RUN = """async (options) => {
  const result = await window.axe.run(document, options);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary || '' })),
  }));
}"""
_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            "resultTypes": ["violations"]}


def _inject(page) -> None:
    """Load axe-core into the page once. Evaluated as source, not added as a `<script>` tag: the pages'
    policy refuses inline scripts, and page.add_script_tag would be refused and reported as a CSP
    violation (evaluation goes through the DevTools protocol, which the policy does not govern)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")


def violations(page, disable: tuple[str, ...] = ()) -> list[dict]:
    """axe-core's violations on the page as it is now (every impact)."""
    _inject(page)
    options = dict(_OPTIONS)
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    return page.evaluate(_RUN, options)


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more elements")
    return "\n".join(lines)


def assert_accessible(page, name: str, disable: tuple[str, ...] = ()) -> list[dict]:
    """Fail on every serious or critical axe violation of the page; returns the lesser ones."""
    found = violations(page, disable)
    bad = [v for v in found if v["impact"] in FAILING]
    assert not bad, f"accessibility violations on «{name}» ({page.url}):\n{describe(bad)}"
    return [v for v in found if v["impact"] not in FAILING]


def artifacts_dir() -> Path:
    return Path(os.environ.get("MOTCUA_ARTIFACTS") or ROOT / "artifacts")


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as artifacts/screenshots/<name>.png (MOTCUA_ARTIFACTS overrides the folder)."""
    folder = artifacts_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"
    path = folder / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
