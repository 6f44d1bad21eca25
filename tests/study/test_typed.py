"""Typed-answer study: check against key points, flip marks, grade as an FSRS review."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ReviewLog, ReviewState
from tests.clock import Clock

NEURON = "what-is-a-neuron"
ANSWER = "It applies a nonlinear activation function; its parameters are learned in training."


def _token(html: str) -> str:
    match = re.search(r'name="review_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_typed_page_shows_a_card_with_an_answer_box(study_client: TestClient) -> None:
    page = study_client.get("/study/typed?topic=basics")
    assert page.status_code == 200
    assert '<textarea id="typed-answer" name="answer"' in page.text
    assert 'action="/study/typed/check"' in page.text


def test_check_marks_points_highlights_words_and_preselects_the_grade(
    study_client: TestClient,
) -> None:
    page = study_client.post(
        "/study/typed/check", data={"card_id": NEURON, "answer": ANSWER, "review_token": "t1"}
    )
    assert page.status_code == 200
    html = page.text
    # only point 2 (the nonlinear activation) is covered: 1/3 -> Again is preselected
    assert 'name="mark" value="1">' in html
    assert 'name="mark" value="2" checked' in html
    assert 'name="mark" value="3">' in html  # "learned" alone is one shared word: not enough
    assert '<mark title="matches key point 2">nonlinear</mark>' in html
    assert 'name="rating" value="1" data-key="1" checked' in html
    assert 'name="rating" value="2" data-key="2">' in html


def test_flipped_marks_change_the_suggestion_without_javascript(study_client: TestClient) -> None:
    page = study_client.post(
        "/study/typed/check",
        data={"card_id": NEURON, "answer": ANSWER, "mark": ["1", "2", "3"], "recheck": "1"},
    )
    assert 'name="mark" value="3" checked' in page.text
    assert 'name="rating" value="3" data-key="3" checked' in page.text


def test_grade_records_an_fsrs_review_with_the_typed_answer(
    study_client: TestClient, session: Session, clock: Clock
) -> None:
    revealed = int(clock.now.timestamp() * 1000)
    clock.advance(seconds=42)
    response = study_client.post(
        "/study/typed/review",
        data={
            "card_id": NEURON,
            "review_token": "tok-1",
            "rating": "3",
            "answer": ANSWER,
            "revealed_ms": str(revealed),
            "topic": "basics",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/study/typed?topic=basics"
    log = session.scalars(select(ReviewLog)).one()
    assert (log.card_id, log.rating, log.kind) == (NEURON, 3, "learn")
    assert log.answer_text == ANSWER
    assert log.duration_ms == 42_000
    assert session.get(ReviewState, (1, NEURON)) is not None
    # the same token again (a double submit) records nothing more
    again = study_client.post(
        "/study/typed/review",
        data={"card_id": NEURON, "review_token": "tok-1", "rating": "1", "answer": "x"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert len(session.scalars(select(ReviewLog)).all()) == 1


def test_bad_grade_is_refused_with_a_message(study_client: TestClient, session: Session) -> None:
    page = study_client.post(
        "/study/typed/review",
        data={"card_id": NEURON, "review_token": "t", "rating": "7", "answer": ANSWER},
    )
    assert page.status_code == 422
    assert "rating must be" in page.text
    unknown = study_client.post("/study/typed/check", data={"card_id": "nope", "answer": "x"})
    assert unknown.status_code == 404
    assert session.scalars(select(ReviewLog)).all() == []


def test_htmx_grade_swaps_in_the_next_card(study_client: TestClient) -> None:
    first = study_client.get("/study/typed")
    fragment = study_client.post(
        "/study/typed/review",
        data={"card_id": NEURON, "review_token": _token(first.text), "rating": "3"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="typed"')
    assert "Recorded Good for what-is-a-neuron." in fragment.text


def test_json_check_and_review(study_client: TestClient, session: Session) -> None:
    checked = study_client.post("/api/typed/check", json={"card_id": NEURON, "answer": ANSWER})
    assert checked.status_code == 200
    body = checked.json()
    assert [p["covered"] for p in body["points"]] == [False, True, False]
    assert body["suggested_rating"] == 1
    assert body["points"][1]["matched"] == ["nonlinear", "activation", "function"]
    graded = study_client.post(
        "/api/typed/reviews",
        json={"card_id": NEURON, "answer": ANSWER, "rating": 2, "review_token": "api-1"},
    )
    assert graded.status_code == 200
    assert graded.json()["rating"] == 2
    assert session.scalars(select(ReviewLog.answer_text)).one() == ANSWER


def test_htmx_check_answers_with_the_checklist_fragment(study_client: TestClient) -> None:
    fragment = study_client.post(
        "/study/typed/check",
        data={"card_id": NEURON, "answer": ANSWER, "review_token": "t"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="typed"')
    assert '<ul class="checklist" data-checklist>' in fragment.text
