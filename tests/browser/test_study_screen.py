"""The study screen in a real browser: Space never grades, a grade is always announced, the
grade bar stays on screen, Back from a demo is one step to a fresh queue, and the phone layout.
Each test gets its own server (its own empty history)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bench.serve import running_server
from tests.browser.conftest import screenshot
from tests.browser.test_study_flow import _open

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A topic without practice problems: every card there has an answer side to reveal.
STUDY = "/study?topic=retrieval"


@pytest.fixture
def fresh_url() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture
def desktop(browser, fresh_url: str) -> Iterator[object]:
    yield from _open(browser, fresh_url, viewport=DESKTOP)


@pytest.fixture
def phone(browser, fresh_url: str) -> Iterator[object]:
    yield from _open(
        browser, fresh_url, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )


def _answers(url: str) -> int:
    stats = httpx.get(f"{url}/api/stats").json()
    return sum(d["learn"] + d["review"] for d in stats["reviews_per_day"])


def _grade_bar_visible(page) -> bool:
    return page.evaluate(
        """() => {
          const r = document.querySelector('form.grades').getBoundingClientRect();
          return r.top >= 0 && r.bottom <= window.innerHeight + 1 && r.height > 0;
        }"""
    )


def test_space_scrolls_the_answer_and_never_grades(desktop, fresh_url: str) -> None:
    page = desktop
    page.goto(STUDY)
    page.wait_for_load_state("load")
    question = page.inner_text(".study-card .question")
    page.keyboard.press("Space")
    page.wait_for_selector("details.study-answer[open]")
    assert page.evaluate("document.activeElement.matches('[data-answer]')")
    for _ in range(3):
        page.keyboard.press("Space")
        page.wait_for_timeout(200)
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    assert page.inner_text(".study-card .question") == question and _answers(fresh_url) == 0
    # The grade bar is reachable without scrolling back, and a focused grade answers Enter.
    assert _grade_bar_visible(page)
    page.focus("button.grade-good")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-toast]")
    assert page.inner_text("[data-toast]").startswith("Recorded: Good")
    assert _answers(fresh_url) == 1
    page.click("[data-toast] button")
    page.wait_for_selector("text=Undid your answer")
    assert _answers(fresh_url) == 0


def test_a_drag_is_one_back_step_and_back_shows_a_fresh_queue(desktop, fresh_url: str) -> None:
    page = desktop
    page.goto(STUDY)
    page.click("summary.reveal")
    page.wait_for_selector("details.study-answer[open]")
    page.click("button.grade-easy")
    page.wait_for_selector("[data-toast]")
    page.goto("/demos/activations?fn=relu&from=%2Fstudy%3Ftopic%3Dretrieval")
    assert page.inner_text("[data-back]") == "← back to study"
    # One drag: several values while the pointer is down (input events), then the release.
    for value in ("1", "2", "3"):
        page.fill("#f-at", value)
        page.wait_for_function("v => location.search.includes('at=' + v)", arg=value)
    page.dispatch_event("#f-at", "change")
    page.wait_for_timeout(600)
    page.wait_for_load_state("networkidle")
    # The drag was one history entry: Back undoes it, and a second Back leaves the demo.
    page.go_back()
    page.wait_for_function("() => !location.search.includes('at=')")
    page.wait_for_selector("#f-at")
    assert page.input_value("#f-at") == "0"
    page.go_back()
    page.wait_for_url("**/study?topic=retrieval")
    shown = httpx.get(f"{fresh_url}/api/study/next?topic=retrieval").json()["card"]
    page.wait_for_selector(".study-card .question")
    assert page.inner_text(".study-card .question") == shown["question"]
    assert page.inner_text(".count-new").split()[0] == str(
        httpx.get(f"{fresh_url}/api/study/next?topic=retrieval").json()["counts"]["new"]
    )


def test_phone_layout(phone) -> None:
    page = phone
    page.goto(STUDY)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("summary.reveal")
    page.wait_for_selector("details.study-answer[open]")
    assert _grade_bar_visible(page)
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(200)
    assert _grade_bar_visible(page)
    # Four grades side by side in the bar; the answer is not a card inside the card.
    tops = page.eval_on_selector_all(
        "button.grade", "bs => bs.map(b => b.getBoundingClientRect().top)"
    )
    assert len(set(round(t) for t in tops)) == 1
    border = page.eval_on_selector(".study-card .answer", "e => getComputedStyle(e).borderTopWidth")
    assert border == "0px"
    width = page.eval_on_selector(".study-card .answer", "e => e.getBoundingClientRect().width")
    assert width > 330
    if page.evaluate("matchMedia('(hover: none)').matches"):
        assert page.eval_on_selector(".study-keys", "e => getComputedStyle(e).display") == "none"
    screenshot(page, "study-phone-revealed")
