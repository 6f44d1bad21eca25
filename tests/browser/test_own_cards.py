"""The own-card journey in a real browser: write a card with a formula and watch the live
preview typeset it, save it, study it by keyboard, then import a small Anki deck."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import genanki
import pytest

from bench.serve import running_server
from tests.browser.conftest import PageWatch


@pytest.fixture
def fresh(browser) -> Iterator[object]:
    with running_server() as url:
        context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        watch = PageWatch(origin=url)
        watch.attach(page)
        yield page
        context.close()
        watch.assert_clean()


def test_write_preview_study_and_import(fresh, tmp_path: Path) -> None:
    page = fresh
    page.goto("/")
    page.click("a.button:has-text('New card')")
    page.wait_for_url(re.compile(r".*/cards/new$"))
    page.fill("#question", "What is the gradient of the softmax cross-entropy?")
    page.fill("#answer", "It is $\\nabla_z L = p - y$, the predicted minus the true distribution.")
    page.wait_for_selector("#preview .katex")  # htmx posted it, KaTeX typeset the fragment
    assert "predicted minus the true" in page.inner_text("#preview")
    page.fill("#key_points", "p minus y")
    page.fill("#topic", "my-notes")
    page.fill("#topic_title", "My notes")
    page.click("button:has-text('Save card')")
    page.wait_for_url(re.compile(r".*/cards/what-is-the-gradient-of-the-softmax-cross-entropy"))
    assert page.locator(".answer .katex").count() >= 1
    assert "yours" in page.inner_text("h1.question")

    page.goto("/study?topic=my-notes")
    assert "gradient of the softmax" in page.inner_text(".study-card .question")
    page.keyboard.press("Space")
    page.wait_for_selector("details.study-answer[open]")
    page.wait_for_timeout(600)  # study.js ignores a grade pressed within 400 ms of the answer
    page.keyboard.press("4")  # Easy: into review, so the topic has nothing left today
    page.wait_for_function(
        "() => !document.querySelector('.study-card .question')?.innerText.includes('softmax')"
    )

    deck = genanki.Deck(2059400111, "Small")
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=["What is \\(e^0\\)?", "One."]))
    genanki.Package(deck).write_to_file(str(tmp_path / "small.apkg"))
    page.goto("/import")
    page.set_input_files("#file", str(tmp_path / "small.apkg"))
    page.select_option("#format", "anki")
    page.click("button:has-text('Preview')")
    page.click("button:has-text('Import 1 card')")
    page.wait_for_url(re.compile(r".*/import\?created=1$"))
    page.goto("/topics/imported")
    assert page.locator(".card-row .katex, .card-row").count() == 1
