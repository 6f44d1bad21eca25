"""The interview-date journey: set a date by form, see the forecast, study for it by keyboard,
see the forecast move. A fresh server, so the history starts empty."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from bench.serve import running_server
from tests.browser.conftest import PageWatch


@pytest.fixture
def fresh(browser) -> Iterator[tuple[object, str]]:
    with running_server() as url:
        context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        watch = PageWatch(origin=url)
        watch.attach(page)
        yield page, url
        context.close()
        watch.assert_clean()


def test_set_a_date_study_for_it_and_see_the_forecast_move(fresh) -> None:
    page, url = fresh
    page.goto("/interview-dates")
    page.fill("#f-name", "Acme, ML engineer")
    page.fill("#f-date", (date.today() + timedelta(days=14)).isoformat())
    topic_id = "generative"  # a topic of flashcards only (practice problems are typed)
    page.check(f"input[name=topic][value={topic_id}]")
    page.click("button:has-text('Set the date')")
    page.wait_for_url(re.compile(r".*/interview-dates/\d+$"))
    date_id = page.url.rsplit("/", 1)[1]
    assert page.inner_text("#readiness") == "0%"
    before = httpx.get(f"{url}/api/interview-dates/{date_id}/forecast").json()
    in_scope = {c["card_id"] for c in before["cards"]}
    assert before["overall"] == 0 and [t["topic"] for t in before["topics"]] == [topic_id]

    page.click("text=Study the weakest first")
    page.wait_for_selector("text=Studying for")
    for _ in range(3):
        question = page.inner_text(".study-card .question")
        card_id = page.get_attribute(".study-card", "data-card-id")
        assert card_id in in_scope
        page.keyboard.press("Space")
        page.wait_for_selector("details.study-answer[open]")
        page.wait_for_timeout(600)  # study.js ignores a grade pressed within 400 ms of the answer
        page.keyboard.press("4")  # Easy: straight into review, recall on the day well above 0
        page.wait_for_function(
            "q => document.querySelector('.study-card .question')?.innerText !== q", arg=question
        )
    after = httpx.get(f"{url}/api/interview-dates/{date_id}/forecast").json()
    learned = [c for c in after["cards"] if c["retrievability"] > 0]
    assert len(learned) == 3 and after["overall"] > 0
    page.goto(f"/interview-dates/{date_id}")
    assert page.inner_text("#readiness") == f"{100 * after['overall']:.0f}%"
    page.goto("/")
    assert "Acme, ML engineer" in page.inner_text(".next-interview")


def test_a_mock_interview_for_the_date(fresh) -> None:
    """From the date's page to a mock interview of its scope, and back to see it listed."""
    page, url = fresh
    body = {
        "name": "Acme, ML engineer",
        "at": (date.today() + timedelta(days=14)).isoformat(),
        "topics": [{"topic": "generative", "weight": 1}],
    }
    date_id = httpx.post(f"{url}/api/interview-dates", json=body).json()["id"]
    in_scope = {
        c["card_id"]
        for c in httpx.get(f"{url}/api/interview-dates/{date_id}/forecast").json()["cards"]
    }
    page.goto(f"/interview-dates/{date_id}")
    page.click("text=Mock interview for it")
    assert page.input_value("#f-interview-date") == str(date_id)
    page.get_by_role("button", name=re.compile("Start")).click()
    page.locator("[data-countdown]").wait_for()
    assert page.inner_text(".interview-for") == "for: Acme, ML engineer"
    page.fill("#interview-answer", "I am not sure.")
    page.press("#interview-answer", "Control+Enter")
    page.wait_for_selector('input[name=position][value="2"]', state="attached")
    page.click("text=End the interview now")
    page.wait_for_url("**/summary")
    assert page.inner_text(".interview-for") == "for: Acme, ML engineer"
    interview_id = page.url.split("/")[-2]
    asked = httpx.get(f"{url}/api/interviews/{interview_id}/summary").json()["questions"]
    assert asked and {q["card_id"] for q in asked} <= in_scope
    page.click(".interview-for a")
    page.wait_for_url(f"**/interview-dates/{date_id}")
    assert page.locator("#tied-interviews tbody tr").count() == 1
