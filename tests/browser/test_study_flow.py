"""The study flow on a fresh database: ten cards by keyboard with one undo, and the
JavaScript-free form flow. Each test gets its own server, so its history starts empty."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from bench.serve import running_server
from tests.browser.conftest import PageWatch


@pytest.fixture
def fresh_url() -> Iterator[str]:
    with running_server() as url:
        yield url


def _open(browser, url: str, **options) -> Iterator[object]:
    context = browser.new_context(base_url=url, **options)
    page = context.new_page()
    watch = PageWatch(origin=url)
    watch.attach(page)
    yield page
    context.close()
    watch.assert_clean()


@pytest.fixture
def fresh_page(browser, fresh_url: str) -> Iterator[object]:
    yield from _open(browser, fresh_url, viewport={"width": 1280, "height": 800})


@pytest.fixture
def fresh_nojs_page(browser, fresh_url: str) -> Iterator[object]:
    yield from _open(browser, fresh_url, java_script_enabled=False)


def test_keyboard_only_study_ten_cards_and_undo_one(fresh_page, fresh_url: str) -> None:
    page = fresh_page
    page.goto("/study?topic=retrieval")  # ten concept cards, no practice problem among them
    questions = []
    for i in range(10):
        question = page.inner_text(".study-card .question")
        questions.append(question)
        page.keyboard.press("Space")
        page.wait_for_selector("details.study-answer[open]")
        page.wait_for_timeout(300)  # a short think (keys 1-4 count after 250 ms on screen)
        page.keyboard.press("1" if i % 4 == 0 else "3")
        page.wait_for_function(
            "q => document.querySelector('.study-card .question')?.innerText !== q", arg=question
        )
    assert len(set(questions)) == 10
    page.keyboard.press("u")
    page.wait_for_selector("text=Undid your answer")
    stats = httpx.get(f"{fresh_url}/api/stats").json()
    assert sum(d["learn"] for d in stats["reviews_per_day"]) == 9
    assert stats["card_counts"]["learning"] == 9
    page.goto("/")
    answered = page.locator(".dashboard-stats div", has_text="Answered today").locator("dd")
    assert answered.inner_text() == "9"
    page.goto("/stats")
    assert page.locator("svg.plot").count() == 8  # 7 charts + calibration


def test_study_without_javascript_uses_forms_and_redirects(fresh_nojs_page) -> None:
    page = fresh_nojs_page
    page.goto("/study")
    first = page.inner_text(".study-card .question")
    page.click("details.study-answer > summary")  # <details> reveals without JavaScript
    page.click("button.grade-good")
    page.wait_for_url(re.compile(r"/study(\?|$)"))  # 303 to /study, with the "Recorded" notice
    assert page.inner_text(".study-card .question") != first
    page.click("button[data-key='u']")
    page.wait_for_selector("text=Undid your answer")
    assert page.inner_text(".study-card .question") == first
