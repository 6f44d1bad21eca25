"""A practice problem in the study flow, with plain forms only (no JavaScript)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deps import get_fuzzing, get_now
from app.models import LOCAL_USER_ID, ReviewLog
from app.problems.registry import GENERATORS, review_seed
from app.problems.service import suggested_rating
from tests.clock import Clock

CONV = "compute-conv-output-size"
RANGES = {"n": (7.0, 28.0)}


@pytest.fixture
def client(app: FastAPI, clock: Clock) -> Iterator[TestClient]:
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    with TestClient(app) as client:
        yield client


def _params(attempt: int) -> dict:
    seed = review_seed(LOCAL_USER_ID, CONV, attempt)
    return GENERATORS["conv-output-size"].draw(seed, RANGES).params


def _side(p: dict) -> int:
    return (p["n"] + 2 * p["p"] - p["k"]) // p["s"] + 1


def _field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return html.unescape(match.group(1))


def test_a_problem_asks_for_the_number_and_a_reload_shows_the_same(
    client: TestClient, add_problem: Callable
) -> None:
    add_problem(CONV)
    page = client.get("/study", params={"topic": "cnn"}).text
    p = _params(0)
    assert f"A {p['n']}×{p['n']} input, a {p['k']}×{p['k']} kernel" in page
    assert 'action="/study/problem"' in page and 'name="answer"' in page
    assert "Show answer" not in page
    assert f"A {p['n']}×{p['n']} input" in client.get("/study", params={"topic": "cnn"}).text


def test_right_answer_shows_solution_suggests_good_and_logs_the_draw(
    client: TestClient, add_problem: Callable, session: Session, clock: Clock
) -> None:
    add_problem(CONV)
    page = client.get("/study", params={"topic": "cnn"}).text
    shown_at = _field(page, "shown_at")
    clock.advance(seconds=12)
    p = _params(0)
    checked = client.post(
        "/study/problem",
        data={"card_id": CONV, "answer": f"{_side(p)}", "shown_at": shown_at, "topic": "cnn"},
    )
    assert checked.status_code == 200
    text = checked.text
    assert "Right." in text and "Worked solution" in text
    assert "/demos/conv-pool?image=" in text
    assert re.search(r'value="3" class="grade grade-good suggested"[^>]*autofocus', text)
    form = {
        name: _field(text, name) for name in ("card_id", "review_token", "duration_ms", "answer")
    }
    assert form["duration_ms"] == "12000" and form["answer"] == str(_side(p))
    graded = client.post(
        "/study/review", data={**form, "rating": "3", "topic": "cnn"}, follow_redirects=False
    )
    assert graded.status_code == 303
    log = session.scalars(select(ReviewLog).where(ReviewLog.card_id == CONV)).one()
    assert log.rating == 3 and log.answer_text == str(_side(p)) and log.duration_ms == 12000
    assert log.problem == {
        "seed": review_seed(LOCAL_USER_ID, CONV, 0),
        "params": p,
        "expected": _side(p),
        "correct": True,
    }


def test_next_review_draws_fresh_numbers(
    client: TestClient, add_problem: Callable, clock: Clock
) -> None:
    add_problem(CONV)
    page = client.post("/study/problem", data={"card_id": CONV, "answer": "1", "topic": "cnn"}).text
    form = {"card_id": CONV, "review_token": _field(page, "review_token"), "rating": "3"}
    client.post("/study/review", data={**form, "answer": "1", "topic": "cnn"})
    clock.advance(days=30)
    again = client.get("/study", params={"topic": "cnn"}).text
    first, second = _params(0), _params(1)
    assert first != second
    assert f"A {second['n']}×{second['n']} input, a {second['k']}×{second['k']} kernel" in again


def test_wrong_answer_suggests_again_and_shows_the_expected_value(
    client: TestClient, add_problem: Callable
) -> None:
    add_problem(CONV)
    side = _side(_params(0))
    text = client.post(
        "/study/problem", data={"card_id": CONV, "answer": str(side + 1), "topic": "cnn"}
    ).text
    assert "Wrong." in text and f"the answer is <strong>{side}</strong>" in text
    assert re.search(r'value="1" class="grade grade-again suggested"[^>]*autofocus', text)
    assert "See these numbers in the demo" in text


def test_unreadable_answer_is_shown_next_to_the_field_and_nothing_is_logged(
    client: TestClient, add_problem: Callable, session: Session
) -> None:
    add_problem(CONV)
    response = client.post(
        "/study/problem", data={"card_id": CONV, "answer": "eleven", "topic": "cnn"}
    )
    assert response.status_code == 422
    assert 'id="problem-answer-error"' in response.text and "not a number" in response.text
    assert session.scalars(select(ReviewLog)).first() is None


def test_study_next_json_carries_the_problem(client: TestClient, add_problem: Callable) -> None:
    add_problem(CONV)
    body = client.get("/api/study/next", params={"topic": "cnn"}).json()
    assert body["card"]["id"] == CONV
    assert body["problem"]["seed"] == review_seed(LOCAL_USER_ID, CONV, 0)
    assert body["problem"]["params"] == _params(0)
    assert body["problem"]["answer_format"]["kind"] == "integer"


@pytest.mark.parametrize(
    ("correct", "ms", "median", "rating"),
    [
        (False, 1000, 10_000.0, 1),  # wrong: Again, however fast
        (True, None, 10_000.0, 3),  # untimed: Good
        (True, 4000, None, 3),  # no median yet: Good
        (True, 4000, 10_000.0, 4),  # under half the median: Easy
        (True, 10_000, 10_000.0, 3),
        (True, 25_000, 10_000.0, 2),  # over twice the median: Hard
    ],
)
def test_suggested_rating(correct: bool, ms: int | None, median: float | None, rating: int) -> None:
    assert suggested_rating(correct, ms, median) == rating


def test_median_time_makes_a_fast_right_answer_easy(
    client: TestClient, add_problem: Callable, session: Session, clock: Clock
) -> None:
    add_problem(CONV)
    for attempt, ms in enumerate([20_000, 30_000, 40_000]):
        session.add(ReviewLog(user_id=LOCAL_USER_ID, card_id=CONV, rating=3,
                              reviewed_at=clock.now - timedelta(days=10 - attempt),
                              duration_ms=ms, kind="review",
                              problem={"correct": True}))  # fmt: skip
    session.commit()
    shown = clock.now.isoformat()
    clock.advance(seconds=10)  # a third of the 30 s median
    p = _params(3)
    text = client.post(
        "/study/problem",
        data={"card_id": CONV, "answer": str(_side(p)), "shown_at": shown, "topic": "cnn"},
    ).text
    assert re.search(r'value="4" class="grade grade-easy suggested"[^>]*autofocus', text)


def test_study_by_json_logs_a_problem_answer_with_its_draw(
    client: TestClient, add_problem: Callable, session: Session
) -> None:
    add_problem(CONV)
    nxt = client.get("/api/study/next", params={"topic": "cnn"}).json()
    side = _side(nxt["problem"]["params"])
    check = client.post(
        f"/api/problems/{CONV}/check", json={"seed": nxt["problem"]["seed"], "answer": str(side)}
    ).json()
    assert check["correct"] is True
    review = {"card_id": CONV, "rating": 3, "review_token": nxt["review_token"],
              "duration_ms": 9000, "answer": f"{side:,}"}  # fmt: skip
    assert client.post("/api/reviews", json=review).status_code == 200
    log = session.scalars(select(ReviewLog)).one()
    assert log.answer_text == f"{side:,}" and log.problem["correct"] is True
    assert log.problem["seed"] == nxt["problem"]["seed"]
