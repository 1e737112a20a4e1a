"""axe-core (vendored, test-only) run inside Chromium over a page, and the page's landmarks."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA: what the product promises.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.html)}));
}"""
_OUTLINE = """() => ({lang: document.documentElement.lang,
                     mains: document.querySelectorAll('main, [role=main]').length,
                     h1s: Array.from(document.querySelectorAll('h1')).map(h => h.innerText.trim()),
                     title: document.title})"""


def _load_axe(page) -> None:
    """axe as an init script: the browser runs it before the page's own scripts and the site's
    Content-Security-Policy (no inline script) stays on, as users get it."""
    if page.evaluate("typeof axe") != "undefined":
        return
    page.context.add_init_script(path=str(AXE))
    page.reload()


def problems(page) -> list[str]:
    """What keeps the open page from WCAG 2.2 AA: serious or critical axe violations, and a
    missing language, main landmark or single h1."""
    _load_axe(page)
    found = [f"{v['impact']} {v['id']}: {v['help']} — {v['nodes']}"
             for v in page.evaluate(_RUN, WCAG_TAGS) if v["impact"] in FAILING_IMPACTS]
    outline = page.evaluate(_OUTLINE)
    if not outline["lang"]:
        found.append("the page has no lang")
    if outline["mains"] != 1:
        found.append(f"{outline['mains']} main landmarks (one wanted)")
    if len(outline["h1s"]) != 1:
        found.append(f"h1 headings: {outline['h1s']} (one wanted)")
    return found
