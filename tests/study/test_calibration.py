"""Calibration: each review answer's predicted recall is fsrs's retrievability of the state
before it, after the days since the card's previous (non-cram) answer; bins and RMSE(bins)."""

from __future__ import annotations

from datetime import timedelta

import fsrs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import ReviewLog
from tests.clock import T0
from tests.factories import add_cards


def log(session: Session, card_id: str, at, kind: str, rating: int, stability=None) -> None:
    session.add(
        ReviewLog(
            user_id=1, card_id=card_id, rating=rating, reviewed_at=at, kind=kind,
            state_before=int(fsrs.State.Review) if stability else None,
            stability_before=stability,
        )
    )  # fmt: skip


def test_bins_compare_fsrs_predictions_with_outcomes(
    study_client: TestClient, session: Session
) -> None:
    a, b = add_cards(session, 2, "alpha")
    for card_id, rating in ((a, 3), (b, 1)):
        log(session, card_id, T0, "learn", 3)
        log(session, card_id, T0 + timedelta(days=5, hours=3), "review", rating, stability=10.0)
    log(session, a, T0 + timedelta(days=2), "cram", 1)  # cram answers are not reviews
    session.commit()
    card = fsrs.Card(card_id=0, state=fsrs.State.Review, stability=10.0, difficulty=5.0,
                     last_review=T0)  # fmt: skip
    expected = fsrs.Scheduler().get_card_retrievability(card, T0 + timedelta(days=5, hours=3))
    result = study_client.get("/api/stats").json()["calibration"]
    assert result["reviews"] == 2
    (only,) = result["bins"]
    assert only["count"] == 2 and only["low"] == 0.9
    assert only["predicted"] == pytest.approx(expected, abs=1e-12)
    assert only["actual"] == 0.5
    assert result["rmse_bins"] == pytest.approx(abs(expected - 0.5))
    page = study_client.get("/stats").text
    assert "Calibration: predicted vs actual recall" in page and "2 review answers" in page


def test_no_reviews_no_bins(study_client: TestClient) -> None:
    result = study_client.get("/api/stats").json()["calibration"]
    assert result == {"reviews": 0, "rmse_bins": None, "bins": []}
    assert "No review answers yet." in study_client.get("/stats").text


def test_bins_by_hand_and_the_latest_answers_only(
    study_client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three review answers in two bins; with the window at two, the oldest (b's) drops out."""
    a, b, c = add_cards(session, 3, "alpha")
    answers = [  # card, days since its learn answer, stability before, rating
        (a, 40, 2.0, 1),
        (b, 1, 30.0, 3),  # the oldest review answer
        (c, 30, 3.0, 1),
    ]
    for n, (card_id, days, stability, rating) in enumerate(answers):
        log(session, card_id, T0 + timedelta(hours=n), "learn", 3)
        at = T0 + timedelta(days=days, hours=n)
        log(session, card_id, at, "review", rating, stability=stability)
    session.commit()

    def predicted(days: int, stability: float) -> float:
        card = fsrs.Card(card_id=0, state=fsrs.State.Review, stability=stability,
                         difficulty=5.0, last_review=T0)  # fmt: skip
        return float(fsrs.Scheduler().get_card_retrievability(card, T0 + timedelta(days=days)))

    old, recent, forgot = predicted(40, 2.0), predicted(1, 30.0), predicted(30, 3.0)
    assert int(old * 10) == int(forgot * 10) != int(recent * 10)  # two bins
    result = study_client.get("/api/stats").json()["calibration"]
    low, high = result["bins"]
    assert (low["count"], high["count"], result["reviews"]) == (2, 1, 3)
    assert low["predicted"] == pytest.approx((old + forgot) / 2, abs=1e-12)
    assert (low["actual"], high["actual"]) == (0.0, 1.0)
    assert high["predicted"] == pytest.approx(recent, abs=1e-12)
    rmse = ((2 * ((old + forgot) / 2) ** 2 + (1 - recent) ** 2) / 3) ** 0.5
    assert result["rmse_bins"] == pytest.approx(rmse)

    monkeypatch.setattr("app.study.calibration.MAX_REVIEWS", 2)
    result = study_client.get("/api/stats").json()["calibration"]
    assert [(b["count"], b["actual"]) for b in result["bins"]] == [(2, 0.0)]
    assert result["bins"][0]["predicted"] == pytest.approx((old + forgot) / 2, abs=1e-12)
    assert "the latest 2 review answers" in study_client.get("/stats").text
