"""The forecast of recall on the day equals what `fsrs` computes for each stored state."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import fsrs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import ReviewState
from tests.clock import Clock


def study(client: TestClient, card_id: str, rating: int) -> None:
    """Answer ``card_id`` through the API the study screen uses."""
    answer = {"card_id": card_id, "rating": rating, "review_token": uuid.uuid4().hex}
    response = client.post("/api/reviews", json=answer)
    assert response.status_code == 200, response.text


def fsrs_retrievability(session: Session, card_id: str, at: datetime) -> float:
    """What the fsrs package itself says for the stored state (default parameters)."""
    row = session.get(ReviewState, (1, card_id))
    assert row is not None
    card = fsrs.Card(
        card_id=0, state=fsrs.State(row.state), step=row.step, stability=row.stability,
        difficulty=row.difficulty, due=row.due, last_review=row.last_review,
    )  # fmt: skip
    return fsrs.Scheduler().get_card_retrievability(card, at)


def test_forecast_is_fsrs_retrievability_at_the_moment(
    plan_client: TestClient, clock: Clock, session: Session, cards: Callable[..., list[str]]
) -> None:
    basics = cards(3, "alpha")
    maths = cards(2, "beta")
    for card_id, rating in ((basics[0], 3), (basics[1], 4), (maths[0], 3)):
        study(plan_client, card_id, rating)
        study(plan_client, card_id, 3)  # through the 10-minute step into review
    clock.advance(days=3)
    study(plan_client, basics[0], 3)
    study(plan_client, maths[0], 1)
    body = {
        "name": "Acme",
        "at": "2026-03-25T16:45",
        "topics": [{"topic": "alpha", "weight": 2}, {"topic": "beta", "weight": 1}],
    }
    date_id = plan_client.post("/api/interview-dates", json=body).json()["id"]
    result = plan_client.get(f"/api/interview-dates/{date_id}/forecast").json()
    assert set(result) == {"at", "overall", "topics", "cards"}
    at = datetime.fromisoformat(result["at"])
    assert at.isoformat() == "2026-03-25T16:45:00+00:00"
    session.rollback()
    got = {c["card_id"]: c["retrievability"] for c in result["cards"]}
    assert set(got) == set(basics + maths)
    for card_id in (basics[0], basics[1], maths[0]):
        assert got[card_id] == pytest.approx(fsrs_retrievability(session, card_id, at), abs=1e-12)
        assert 0 < got[card_id] < 1
    assert got[basics[2]] == got[maths[1]] == 0.0  # never studied: not known
    topics = {t["topic"]: t for t in result["topics"]}
    assert topics["alpha"] == {
        "topic": "alpha", "cards": 3, "learned": 2,
        "expected_recall": pytest.approx((got[basics[0]] + got[basics[1]]) / 3),
    }  # fmt: skip
    assert topics["beta"]["learned"] == 1 and topics["beta"]["cards"] == 2
    recalls = [t["expected_recall"] for t in result["topics"]]
    assert recalls == sorted(recalls)  # weakest first
    weighted = (2 * topics["alpha"]["expected_recall"] + topics["beta"]["expected_recall"]) / 3
    assert result["overall"] == pytest.approx(weighted)
    page = plan_client.get(f"/interview-dates/{date_id}").text
    assert f"{100 * result['overall']:.0f}%" in page and "Not yet learned (2)" in page


def test_whole_bank_counts_every_card_the_same(
    plan_client: TestClient, session: Session, cards: Callable[..., list[str]]
) -> None:
    basics = cards(3, "alpha")
    cards(1, "beta")
    study(plan_client, basics[0], 4)
    date_id = plan_client.post(
        "/api/interview-dates", json={"name": "Any", "at": "2026-03-05", "topics": []}
    ).json()["id"]
    result = plan_client.get(f"/api/interview-dates/{date_id}/forecast").json()
    assert len(result["cards"]) == 4 + 3  # and the three cards of the fixture bank
    total = sum(c["retrievability"] for c in result["cards"])
    assert total > 0 and result["overall"] == pytest.approx(total / 7)
