"""Journeys through the bank: browse to a card, reveal it, search, and do it without JS."""

from __future__ import annotations

import re

from tests.browser.conftest import screenshot


def test_home_topic_card_reveal_and_demo_link(page) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile("Activation functions")).click()
    page.wait_for_url("**/topics/activations")
    page.get_by_role("link", name=re.compile("softmax", re.IGNORECASE)).first.click()
    page.wait_for_url("**/cards/*")
    url_before = page.url
    page.get_by_role("link", name="Show answer").click()
    answer = page.locator("section.answer")
    answer.wait_for()
    assert page.url == url_before  # swapped in by htmx, no navigation
    page.locator(".answer .katex").first.wait_for()  # math typeset by KaTeX after the swap
    assert page.locator(".answer h2", has_text="Key points").is_visible()
    demo = page.locator("a.demo-link").first
    href = demo.get_attribute("href")
    assert href and href.startswith("/demos/")
    demo.click()
    page.wait_for_url(re.compile(r"/demos/"))
    assert page.locator("svg[role=img]").count() > 0
    screenshot(page, "journey-demo-from-card")


def test_space_reveals_answer_and_code_is_highlighted(page) -> None:
    page.goto("/cards/softmax-numerical-stability")
    page.keyboard.press("Space")
    page.locator("section.answer").wait_for()
    assert page.locator(".answer pre.highlight .kn").count() > 0


def test_search_and_open_a_result(page) -> None:
    page.goto("/search")
    page.get_by_role("searchbox", name="Search cards").last.fill("vanishing gradient")
    first = page.locator("#results ol.search-results li a").first
    first.wait_for()
    assert page.locator("#results mark").count() > 0
    assert "q=vanishing" in page.url  # hx-push-url keeps the query shareable
    first.click()
    page.wait_for_url("**/cards/*")
    assert page.locator("h1.question").is_visible()


def test_hostile_query_shows_a_normal_page(page) -> None:
    page.goto('/search?q=NEAR(%22*%20AND')
    assert page.locator("#results").is_visible()
    assert page.locator("h1", has_text="Search").is_visible()


def test_reveal_without_javascript(nojs_page) -> None:
    nojs_page.goto("/cards/sigmoid")
    nojs_page.get_by_role("link", name="Show answer").click()
    nojs_page.wait_for_url("**/cards/sigmoid?reveal=true")
    assert nojs_page.locator("section.answer").is_visible()
