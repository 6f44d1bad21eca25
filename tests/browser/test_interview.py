"""Journey: a 5-question mock interview end to end, then its history; typed-answer study."""

from __future__ import annotations

import re

ANSWERS = [
    "It outputs zero for negative inputs and the input itself otherwise; cheap, no saturation "
    "for positive inputs, but units can die when the pre-activation stays negative.",
    "",
    "Momentum keeps a velocity, a running sum of past gradients, and steps along it.",
    "The gradient gets multiplied by many small factors so it vanishes.",
    "I am not sure.",
]


def test_five_question_mock_interview(page) -> None:
    page.goto("/interview")
    page.check("input[value=activations]")
    page.check("input[value=optimization]")
    page.fill("#f-questions", "5")
    page.get_by_role("button", name=re.compile("Start")).click()
    page.locator("[data-countdown]").wait_for()
    for position, text in enumerate(ANSWERS, start=1):
        page.wait_for_selector(f'input[name=position][value="{position}"]', state="attached")
        assert page.locator("h1.question").inner_text().strip()
        page.fill("#interview-answer", text)
        page.press("#interview-answer", "Control+Enter")
    page.wait_for_url("**/summary")
    assert page.locator("h1", has_text="Interview summary").is_visible()
    assert page.locator("text=Weakest topics").count() == 1
    assert page.locator(".checklist li, .key-point").count() >= 5
    page.get_by_role("button", name="Schedule these for review").click()
    page.wait_for_url(re.compile(r"scheduled="))
    page.goto("/interview/history")
    assert page.locator("svg[role=img]").count() >= 1


def test_typed_answer_marks_key_points(page) -> None:
    page.goto("/study/typed?topic=activations")
    page.fill(
        "#typed-answer",
        "A dead ReLU always outputs zero because its pre-activation is negative for every input, "
        "so its gradient is zero and it never updates. Use leaky ReLU, He initialization and a "
        "smaller learning rate.",
    )
    page.press("#typed-answer", "Control+Enter")
    page.locator(".checklist").wait_for()
    assert page.locator(".checklist input[type=checkbox]").count() >= 3
    assert page.locator(".grade-choice input:checked").count() == 1  # a suggested grade
