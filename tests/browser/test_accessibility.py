"""Accessibility: axe-core (vendored for tests only) finds no serious or critical violation,
controls are reachable by keyboard with a visible focus ring, plots have a text alternative."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "test" / "axe.min.js"
PAGES = {
    "home": "/",
    "card": "/cards/vanishing-gradient?reveal=true",
    "study": "/study",
    "demo": "/demos/gradient-descent",
    "stats": "/stats",
    "search": "/search?q=dropout",
    "topic": "/topics/cnn",
}


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_axe_violations(browser, base_url: str, name: str, scheme: str) -> None:
    # bypass_csp lets the test inject axe; the app's pages never load it.
    context = browser.new_context(base_url=base_url, color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    page.goto(PAGES[name])
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=AXE.read_text("utf-8"))
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    context.close()
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_keyboard_reaches_controls_with_a_visible_focus_ring(page) -> None:
    page.goto("/")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => {
                  const el = document.activeElement;
                  const style = getComputedStyle(el);
                  return {tag: el.tagName, text: (el.textContent || el.placeholder || '').trim(),
                          outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px'};
                }"""
            )
        )
    assert seen[0]["text"] == "Skip to content"
    assert any(s["text"] == "Study" for s in seen)
    assert all(s["outline"] for s in seen), [s for s in seen if not s["outline"]]


def test_plots_have_a_text_alternative(page) -> None:
    page.goto("/demos/activations")
    plots = page.locator("svg[role=img]")
    assert plots.count() > 0
    for index in range(plots.count()):
        plot = plots.nth(index)
        title = plot.locator("title").first.text_content() or plot.get_attribute("aria-label")
        assert title and title.strip()
