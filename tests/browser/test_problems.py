"""Practice problems in the browser: a keyboard-only session mixing cards and problems."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bench.serve import running_server
from tests.browser.conftest import PageWatch


@pytest.fixture
def fresh_url() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture
def fresh_page(browser, fresh_url: str) -> Iterator[object]:
    context = browser.new_context(base_url=fresh_url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    watch = PageWatch(origin=fresh_url)
    watch.attach(page)
    yield page
    context.close()
    watch.assert_clean()


def test_keyboard_only_session_mixing_cards_and_problems(fresh_page, fresh_url: str) -> None:
    """cnn in bank order: the beginner cards, then their problems; a wrong answer shows the
    solution and the demo."""
    page = fresh_page
    page.goto("/study?topic=cnn")
    kinds, exact_links = [], 0
    for _ in range(8):  # five beginner cards, then compute-conv-layer-params, -output-size, ...
        card_id = page.get_attribute(".study-card", "data-card-id")
        if page.locator("#problem-answer").count():
            kinds.append("problem")
            # the field takes the focus (autofocus, also after htmx's swap): a wrong answer
            page.wait_for_function("() => document.activeElement?.id === 'problem-answer'")
            page.keyboard.type("1")
            page.keyboard.press("Enter")
            page.wait_for_selector(".problem-verdict.wrong")
            assert page.locator(".problem-solution ol li").count() >= 2
            exact = page.locator("[data-problem-demo]")
            exact_links += exact.count()
            demos = page.locator(".study-card a[href^='/demos/']")
            assert demos.count() >= 1  # the preset to these numbers, or the card's own demo
            page.wait_for_function("() => document.activeElement?.matches('button.suggested')")
            page.keyboard.press("Enter")  # the suggested grade (Again) has focus
        else:
            kinds.append("card")
            page.keyboard.press("Space")
            page.wait_for_selector("details.study-answer[open]")
            page.wait_for_timeout(600)
            page.keyboard.press("3")
        page.wait_for_function(
            "id => document.querySelector('.study-card')?.dataset.cardId !== id", arg=card_id
        )
    assert kinds[0] == "card" and kinds.count("problem") >= 2
    assert exact_links >= 1  # conv-output-size always fits the conv-pool demo
    stats = httpx.get(f"{fresh_url}/api/stats").json()
    assert sum(d["learn"] for d in stats["reviews_per_day"]) == 8  # one answer per card shown
