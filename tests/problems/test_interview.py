"""Practice problems as "compute" questions of the mock interview: drawn once per question,
shown with their numbers, checked exactly."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.deps import get_now
from app.models import Card
from app.problems.parse import expected_text
from app.problems.service import pose_for_interview
from tests.clock import Clock


@pytest.fixture
def client(app: FastAPI, clock: Clock) -> Iterator[TestClient]:
    app.dependency_overrides[get_now] = lambda: clock.now
    with TestClient(app) as client:
        yield client


def test_compute_questions_are_shown_with_numbers_and_checked_exactly(
    client: TestClient, add_problem: Callable, session: Session
) -> None:
    add_problem("compute-conv-output-size")
    add_problem("compute-softmax-temperature")
    created = client.post("/api/interviews", json={"topics": ["cnn"], "questions": 5})
    interview_id = created.json()["id"]
    right = {}
    for position in (1, 2):
        card_id = client.get(f"/api/interviews/{interview_id}").json()["current"]["card_id"]
        card = session.get(Card, card_id)
        posed = pose_for_interview(card, interview_id, position)
        page = client.get(f"/interview/{interview_id}").text
        assert posed.question_md.split("$")[0].strip()[:20] in page
        answer = expected_text(posed.draw.answer) if position == 1 else "0"
        right[position] = position == 1
        client.post(
            f"/api/interviews/{interview_id}/answers",
            json={"position": position, "answer": answer},
        )
        session.expire_all()
    summary = client.get(f"/api/interviews/{interview_id}/summary").json()
    assert [q["score"] for q in summary["questions"]] == [1.0, 0.0]
