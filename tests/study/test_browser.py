"""The study flow in a real Chromium: keyboard only with JavaScript, and forms without it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bench.serve import running_server
from tests.browser.conftest import CHROMIUM_ARGS, PageWatch, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="no Chromium (apt-get install chromium)"),
]


@pytest.fixture
def base_url() -> Iterator[str]:
    """A fresh server and database per test: the study history starts empty."""
    with running_server() as url:
        yield url


def _page(base_url: str, **options):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, **options)
        page = context.new_page()
        watch = PageWatch(origin=base_url)
        watch.attach(page)
        yield page
        context.close()
        browser.close()
        watch.assert_clean()


@pytest.fixture
def page(base_url: str) -> Iterator[object]:
    yield from _page(base_url, viewport={"width": 1280, "height": 800})


@pytest.fixture
def nojs_page(base_url: str) -> Iterator[object]:
    yield from _page(base_url, java_script_enabled=False)


def test_keyboard_only_study_ten_cards_and_undo_one(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/study")
    questions = []
    for i in range(10):
        question = page.inner_text(".study-card .question")
        questions.append(question)
        page.keyboard.press("Space")
        page.wait_for_selector("details.study-answer[open]")
        page.wait_for_timeout(150)  # a short think before grading: recorded as duration
        page.keyboard.press("1" if i % 4 == 0 else "3")
        page.wait_for_function(
            "q => document.querySelector('.study-card .question')?.innerText !== q", arg=question
        )
    assert len(set(questions)) == 10
    page.keyboard.press("u")
    page.wait_for_selector("text=Undid your answer")
    stats = httpx.get(f"{base_url}/api/stats").json()
    assert sum(d["learn"] for d in stats["reviews_per_day"]) == 9
    assert stats["card_counts"]["learning"] == 9
    page.goto("/")
    answered = page.locator(".dashboard-stats div", has_text="Answered today").locator("dd")
    assert answered.inner_text() == "9"
    page.goto("/stats")
    assert page.locator("svg.chart-svg").count() == 7


def test_study_without_javascript_uses_forms_and_redirects(nojs_page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    nojs_page.goto("/study")
    first = nojs_page.inner_text(".study-card .question")
    nojs_page.click("details.study-answer > summary")  # <details> reveals without JavaScript
    nojs_page.click("button.grade-good")
    nojs_page.wait_for_url("**/study")
    assert nojs_page.inner_text(".study-card .question") != first
    nojs_page.click("button[data-key='u']")
    nojs_page.wait_for_selector("text=Undid your answer")
    assert nojs_page.inner_text(".study-card .question") == first
