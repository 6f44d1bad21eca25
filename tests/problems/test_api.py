"""GET /api/problems/<id>/draw and POST /api/problems/<id>/check."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import ReviewLog
from app.problems.registry import GENERATORS
from tests.factories import card_row

CONV = "compute-conv-output-size"


def test_draw_is_a_pure_function_of_the_seed(client: TestClient, add_problem: Callable) -> None:
    add_problem(CONV)
    first = client.get(f"/api/problems/{CONV}/draw", params={"seed": 42}).json()
    again = client.get(f"/api/problems/{CONV}/draw", params={"seed": 42}).json()
    other = client.get(f"/api/problems/{CONV}/draw", params={"seed": 43}).json()
    assert first == again and first["params"] != other["params"]
    expected = GENERATORS["conv-output-size"].draw(42, {"n": (7, 28)}).params
    assert first["seed"] == 42 and first["params"] == expected
    n, k = expected["n"], expected["k"]
    assert f"A {n}×{n} input, a {k}×{k} kernel" in first["question_html"]
    assert first["answer_format"] == {"kind": "integer", "hint": "", "tolerance": None}


def test_check_right_wrong_and_the_worked_solution(
    client: TestClient, add_problem: Callable
) -> None:
    add_problem(CONV)
    p = client.get(f"/api/problems/{CONV}/draw", params={"seed": 7}).json()["params"]
    side = (p["n"] + 2 * p["p"] - p["k"]) // p["s"] + 1
    right = client.post(f"/api/problems/{CONV}/check", json={"seed": 7, "answer": f"{side}.0"})
    assert right.status_code == 200
    body = right.json()
    assert body["correct"] is True and body["expected"] == str(side)
    assert body["tolerance"] is None
    assert f"<strong>{side}</strong>" in body["steps_html"]
    assert body["demo_url"].startswith("/demos/conv-pool?image=")
    assert f"stride={p['s']}" in body["demo_url"] and f"padding={p['p']}" in body["demo_url"]
    wrong = client.post(f"/api/problems/{CONV}/check", json={"seed": 7, "answer": str(side + 1)})
    assert wrong.json()["correct"] is False and wrong.json()["expected"] == str(side)


def test_numbers_answers_state_their_tolerance(client: TestClient, add_problem: Callable) -> None:
    add_problem("compute-softmax-temperature")
    drawn = GENERATORS["softmax-temperature"].draw(3)
    typed = ", ".join(f"{p:.3f}" for p in drawn.answer.value)
    body = client.post(
        "/api/problems/compute-softmax-temperature/check", json={"seed": 3, "answer": typed}
    ).json()
    assert body["correct"] is True and body["tolerance"] == {"rel": 0.006, "abs": 0.0006}
    fmt = client.get("/api/problems/compute-softmax-temperature/draw?seed=3").json()
    assert fmt["answer_format"]["kind"] == "numbers"
    assert fmt["answer_format"]["count"] == len(drawn.answer.value)


def test_an_unreadable_answer_is_a_422_message_and_writes_nothing(
    client: TestClient, add_problem: Callable, session: Session
) -> None:
    add_problem(CONV)
    response = client.post(f"/api/problems/{CONV}/check", json={"seed": 1, "answer": "ten-ish"})
    assert response.status_code == 422
    assert "not a number" in response.json()["detail"]
    assert session.scalar(select(func.count()).select_from(ReviewLog)) == 0


def test_unknown_plain_or_out_of_range_requests_are_refused(
    client: TestClient, add_problem: Callable, session: Session
) -> None:
    add_problem(CONV)
    plain = card_row("plain-card", "cnn", question="Q?")
    session.add(plain)
    session.commit()
    assert client.get("/api/problems/nope/draw?seed=1").status_code == 404
    assert client.get("/api/problems/plain-card/draw?seed=1").status_code == 404
    assert client.get(f"/api/problems/{CONV}/draw?seed=-1").status_code == 422
    assert client.get(f"/api/problems/{CONV}/draw?seed=4294967296").status_code == 422
    assert client.get(f"/api/problems/{CONV}/draw").status_code == 422
    too_long = client.post(f"/api/problems/{CONV}/check", json={"seed": 1, "answer": "1" * 501})
    assert too_long.status_code == 422
