"""Screenshots of the main pages at desktop and phone sizes, light and dark.

Saved under test-output/browser/ for people to look at (the README uses a few, copied to
docs/). Each page must render without horizontal overflow on a 390 px phone.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import OUTPUT, PageWatch

PAGES = {
    "home": "/",
    "card": "/cards/vanishing-gradient?reveal=true",
    "study": "/study",
    "demo": "/demos/gradient-descent?function=bowl&lr=0.21&steps=30",
    "stats": "/stats",
}
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_screenshots(browser, base_url: str, size: str, scheme: str) -> None:
    width, height = SIZES[size]
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": height}, color_scheme=scheme
    )
    page = context.new_page()
    watch = PageWatch(origin=base_url)
    watch.attach(page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUTPUT / f"{name}-{size}-{scheme}.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} overflows by {overflow}px at {width}px"
    context.close()
    watch.assert_clean()
