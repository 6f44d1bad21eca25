"""Journeys: keyboard-only study with undo; a demo driven past its divergence threshold;
grading with JavaScript off."""

from __future__ import annotations

import re


def dashboard(page) -> dict[str, str]:
    page.goto("/")
    terms = page.locator(".dashboard-stats dt").all_text_contents()
    values = page.locator(".dashboard-stats dd").all_text_contents()
    return dict(zip(terms, values, strict=True))


def cards_seen(page) -> int:
    page.goto("/stats")
    cells = page.locator("table[aria-labelledby=mastery-heading] tbody td:nth-child(2)")
    return sum(int(text.split("/")[0]) for text in cells.all_text_contents())


def current_card(page) -> str:
    return page.locator("article.study-card").get_attribute("data-card-id")


def test_keyboard_only_study_with_undo(page) -> None:
    answered_before = int(dashboard(page)["Answered today"])
    seen_before = cards_seen(page)
    page.goto("/study?topic=llm-evaluation")  # a topic no other browser test studies
    first = current_card(page)
    page.keyboard.press("Space")
    page.locator("details.study-answer[open]").wait_for()
    page.wait_for_timeout(300)  # grade keys count once the answer was on screen for 250 ms
    page.keyboard.press("3")  # Good
    page.wait_for_function(
        "id => document.querySelector('article.study-card')?.dataset.cardId !== id", arg=first
    )
    second = current_card(page)
    assert page.url.endswith("/study?topic=llm-evaluation")  # swapped by htmx, no navigation
    page.keyboard.press("Space")
    page.locator("details.study-answer[open]").wait_for()
    page.wait_for_timeout(300)
    page.keyboard.press("1")  # Again
    page.wait_for_function(
        "id => document.querySelector('article.study-card')?.dataset.cardId !== id", arg=second
    )
    page.keyboard.press("u")  # undo the Again: the same card comes back
    page.wait_for_function(
        "id => document.querySelector('article.study-card')?.dataset.cardId === id", arg=second
    )
    assert int(dashboard(page)["Answered today"]) == answered_before + 1
    assert cards_seen(page) == seen_before + 1


def test_gradient_descent_diverges_past_threshold(page, watch) -> None:
    page.goto("/demos/gradient-descent?function=bowl&optimizer=sgd&lr=0.05&steps=40")
    assert "diverg" not in page.locator("#demo-result").inner_text().lower()
    page.evaluate("window.__loaded = true")  # survives only if the page is not reloaded
    lr = page.locator("#f-lr")
    lr.fill("0.21")
    page.wait_for_url(re.compile(r"lr=0\.21"))
    page.locator("#demo-result", has_text=re.compile("diverg", re.I)).wait_for()
    assert page.evaluate("window.__loaded") is True
    assert "0.2" in page.locator("#demo-result").inner_text()
    page.reload()
    assert lr.input_value() == "0.21"
    assert re.search("diverg", page.locator("#demo-result").inner_text(), re.I)
    watch.expected_statuses.add(422)  # the invalid value below is answered with a 422 fragment
    lr.fill("-3")
    page.locator("#error-lr", has_text=re.compile(r"\S")).wait_for()


def test_grade_without_javascript(nojs_page) -> None:
    page = nojs_page
    answered_before = int(dashboard(page)["Answered today"])
    page.goto("/study?topic=alignment")  # concept cards first; no other browser test studies it
    page.locator("summary", has_text="Show answer").click()  # <details> needs no script
    page.get_by_role("button", name=re.compile("^Good")).click()
    page.wait_for_url(re.compile(r"/study"))
    assert int(dashboard(page)["Answered today"]) == answered_before + 1
