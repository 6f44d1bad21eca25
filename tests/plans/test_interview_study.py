"""Interview-date study: after due learning cards, the in-scope cards FSRS predicts weakest on
the day come first (weighted by topic), due or not; each answer is an ordinary FSRS review."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import fsrs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ReviewLog, ReviewState
from tests.clock import T0, Clock

LAST = T0 - timedelta(days=1)


def reviewed(session: Session, card_id: str, stability: float) -> None:
    """A card in review, last answered a day ago with ``stability`` (so not due for days)."""
    session.add(
        ReviewState(
            user_id=1, card_id=card_id, state=int(fsrs.State.Review), step=None,
            stability=stability, difficulty=5.0, due=LAST + timedelta(days=round(stability)),
            last_review=LAST, reps=2, lapses=0, suspended=False,
        )
    )  # fmt: skip
    session.commit()


def fsrs_card(row: ReviewState) -> fsrs.Card:
    return fsrs.Card(
        card_id=0, state=fsrs.State(row.state), step=row.step, stability=row.stability,
        difficulty=row.difficulty, due=row.due, last_review=row.last_review,
    )  # fmt: skip


@pytest.fixture
def acme(plan_client: TestClient, session: Session, cards: Callable[..., list[str]]) -> int:
    a, b, c = cards(1, "alpha")[0], cards(1, "beta")[0], cards(1, "gamma")[0]
    # Recall on 12 March 09:00 (11 days after the last review): a 0.89, b 0.80, c far lower.
    reviewed(session, a, 9.0)
    reviewed(session, b, 3.0)
    reviewed(session, c, 0.5)  # not in the interview's topics
    body = {
        "name": "Acme",
        "at": "2026-03-12",
        "topics": [{"topic": "alpha", "weight": 3}, {"topic": "beta", "weight": 1}],
    }
    return plan_client.post("/api/interview-dates", json=body).json()["id"]


def test_weakest_weighted_first_including_cards_not_due(
    plan_client: TestClient, acme: int, session: Session
) -> None:
    scheduler = fsrs.Scheduler()
    at = T0.replace(day=12, hour=9)
    recall = {
        cid: scheduler.get_card_retrievability(fsrs_card(session.get(ReviewState, (1, cid))), at)
        for cid in ("alpha-000", "beta-000")
    }
    # alpha recalls better, but its weight makes its loss larger: 3 × (1 − 0.89) > 1 − 0.79.
    assert recall["alpha-000"] > recall["beta-000"]
    assert 3 * (1 - recall["alpha-000"]) > 1 - recall["beta-000"]
    normal = plan_client.get("/api/study/next").json()
    assert normal["card"]["id"] not in ("alpha-000", "beta-000")  # neither is due
    shown = plan_client.get(f"/api/study/next?interview_date={acme}").json()
    assert shown["card"]["id"] == "alpha-000"
    assert shown["queue"] == "interview" and shown["mode"] == "interview"
    answer = {"card_id": "alpha-000", "rating": 3, "review_token": shown["review_token"]}
    assert plan_client.post("/api/reviews", json=answer).status_code == 200
    shown = plan_client.get(f"/api/study/next?interview_date={acme}").json()
    assert shown["card"]["id"] == "beta-000"  # gamma-000 is out of scope, however weak


def test_an_interview_answer_is_scheduled_as_a_normal_review(
    plan_client: TestClient, acme: int, session: Session, clock: Clock
) -> None:
    clock.advance(hours=2)
    before = fsrs_card(session.get(ReviewState, (1, "alpha-000")))
    page = plan_client.get(f"/study?interview_date={acme}")
    assert "Studying for" in page.text and 'name="interview_date"' in page.text
    token = page.text.split('name="review_token" value="')[1].split('"')[0]
    posted = plan_client.post(
        "/study/review",
        data={"card_id": "alpha-000", "rating": "3", "review_token": token,
              "interview_date": str(acme)},
    )  # fmt: skip
    assert posted.status_code == 303
    assert posted.headers["location"].startswith(f"/study?interview_date={acme}")
    session.rollback()
    expected, _ = fsrs.Scheduler(enable_fuzzing=False).review_card(
        before, fsrs.Rating.Good, review_datetime=clock.now
    )
    row = session.get(ReviewState, (1, "alpha-000"))
    assert row.stability == pytest.approx(expected.stability, rel=1e-12)
    assert row.difficulty == pytest.approx(expected.difficulty, rel=1e-12)
    assert row.due == expected.due and row.last_review == clock.now
    log = session.scalars(select(ReviewLog)).one()
    assert log.kind == "review" and log.due_after == expected.due


def test_unknown_foreign_or_passed_dates_are_refused(
    plan_client: TestClient, acme: int, clock: Clock
) -> None:
    assert plan_client.get("/api/study/next?interview_date=999").status_code == 404
    assert plan_client.get("/api/study/next?interview_date=0").status_code == 422
    assert plan_client.get(f"/api/study/next?interview_date={2**70}").status_code == 422
    clock.advance(days=11)
    assert plan_client.get(f"/api/study/next?interview_date={acme}").status_code == 409
