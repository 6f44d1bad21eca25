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
