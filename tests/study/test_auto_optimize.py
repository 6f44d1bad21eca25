"""Automatic optimization: fit on the earlier answers, score on the later ones, adopt only a
fit with a lower held-out log loss; the trigger runs after every N new answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from fastapi.testclient import TestClient
from fsrs_rs_python import FSRSItem, FSRSReview
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.deps import get_fuzzing, get_now
from app.main import create_app
from app.models import ReviewLog
from app.study import optimize, preferences
from app.study.fit_log import ParameterFit
from tests.clock import T0, Clock
from tests.factories import add_cards
from tests.study.conftest import make_ctx


def history(session: Session, cards: int = 120, answers: int = 6) -> None:
    """Seeded answers a few days apart (some forgotten), ending before the clock's now."""
    rng = np.random.default_rng(7)
    ids = add_cards(session, cards, "alpha")
    for k, card_id in enumerate(ids):
        at = T0 - timedelta(days=200 - k % 30)
        for i in range(answers):
            rating = 1 if i and rng.random() < 0.15 else 3
            session.add(ReviewLog(user_id=1, card_id=card_id, rating=rating, reviewed_at=at,
                                  kind="learn" if i == 0 else "review"))  # fmt: skip
            at += timedelta(days=int(rng.integers(1, 2 + 3 * i)), hours=1)
    session.commit()


def test_time_split_holds_out_the_latest_answers() -> None:
    days = (5, 1, 9, 3, 7, 2, 8, 4, 6, 0)
    items = {d: FSRSItem([FSRSReview(3, 0), FSRSReview(3, d + 1)]) for d in days}
    train, test = optimize.time_split([(T0 + timedelta(days=d), items[d]) for d in days])
    assert test == [items[8], items[9]]  # the latest fifth
    assert train == [items[d] for d in range(8)]


def test_a_fit_is_adopted_only_when_held_out_log_loss_improves(session: Session) -> None:
    history(session)
    ctx = make_ctx()
    fit = optimize.auto_fit(session, ctx, T0)
    assert fit is not None and fit.train_items == 480 and fit.test_items == 120
    assert fit.adopted == (fit.new_log_loss < fit.old_log_loss)
    saved = preferences.fsrs_parameters(session, 1)
    assert saved == (fit.parameters if fit.adopted else None)


def test_a_worse_fit_is_never_adopted(session: Session, monkeypatch) -> None:
    history(session)
    worse = [min(max(p * 3, lo), hi) for p, lo, hi in zip(
        make_ctx().config.parameters, optimize.LOWER_BOUNDS_PARAMETERS,
        optimize.UPPER_BOUNDS_PARAMETERS, strict=True)]  # fmt: skip

    real = optimize.FSRS

    class BadFit:
        """fsrs-rs's model, except that fitting returns deliberately worse parameters."""

        def __init__(self, parameters: list[float]) -> None:
            self.model = real(parameters)

        def compute_parameters(self, items: list[FSRSItem]) -> list[float]:
            return worse

        def evaluate(self, items: list[FSRSItem]):
            return self.model.evaluate(items)

    monkeypatch.setattr(optimize, "FSRS", BadFit)
    fit = optimize.auto_fit(session, make_ctx(), T0)
    assert fit is not None and fit.new_log_loss > fit.old_log_loss and not fit.adopted
    assert preferences.fsrs_parameters(session, 1) is None  # the current parameters stay


def test_too_little_history_fits_nothing(session: Session) -> None:
    history(session, cards=20)
    assert optimize.auto_fit(session, make_ctx(), T0) is None


def test_the_trigger_runs_after_every_n_answers(
    settings: Settings, clock: Clock, session: Session
) -> None:
    app = create_app(settings.model_copy(update={"auto_optimize_every": 700}))
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    with TestClient(app) as client:
        history(session)  # 720 answers: due at once
        answer = {"card_id": "alpha-000", "rating": 3, "review_token": "a"}
        assert client.post("/api/reviews", json=answer).status_code == 200
        session.rollback()
        fits = session.scalars(select(ParameterFit)).all()
        assert len(fits) == 1 and fits[0].reviews == 721
        answer = {"card_id": "alpha-001", "rating": 3, "review_token": "b"}
        client.post("/api/reviews", json=answer)
        session.rollback()
        assert len(session.scalars(select(ParameterFit)).all()) == 1  # 1 new answer, not 700
        page = client.get("/settings").text
        assert "Automatic optimization" in page
        assert f"{fits[0].train_items} + {fits[0].test_items} held out" in page


def test_off_when_zero(settings: Settings, clock: Clock, session: Session) -> None:
    app = create_app(settings.model_copy(update={"auto_optimize_every": 0}))
    app.dependency_overrides[get_now] = lambda: datetime(2026, 3, 2, tzinfo=UTC)
    with TestClient(app) as client:
        history(session)
        client.post("/api/reviews", json={"card_id": "alpha-000", "rating": 3, "review_token": "a"})
        session.rollback()
        assert session.scalars(select(ParameterFit)).all() == []


def test_no_second_fit_starts_while_one_of_the_user_runs(
    settings: Settings, clock: Clock, session: Session
) -> None:
    """Every answer during a long fit found the user still due and started a fit of its own."""
    app = create_app(settings.model_copy(update={"auto_optimize_every": 700}))
    app.dependency_overrides[get_now] = lambda: clock.now
    with TestClient(app) as client:
        history(session)  # 720 answers: due at once
        with optimize.first_fit(1) as free:  # a fit of user 1 is running
            assert free
            answer = {"card_id": "alpha-000", "rating": 3, "review_token": "a"}
            assert client.post("/api/reviews", json=answer).status_code == 200
            session.rollback()
            assert session.scalars(select(ParameterFit)).all() == []  # skipped, not queued
            with optimize.first_fit(1) as second, optimize.first_fit(2) as other_user:
                assert not second and other_user
        answer = {"card_id": "alpha-001", "rating": 3, "review_token": "b"}
        assert client.post("/api/reviews", json=answer).status_code == 200
        session.rollback()
        assert [f.reviews for f in session.scalars(select(ParameterFit))] == [722]


def test_a_refit_waits_for_n_new_answers_and_a_tenth_of_what_the_last_fit_saw(
    session: Session,
) -> None:
    """Counted from review_hours since the last fit (the trigger runs after every grade, so it
    must not count the whole log); cram answers do not count."""
    history(session)  # 720 answers before T0
    assert optimize.answers_before_fit(session, 1, 700) == 0
    assert optimize.answers_before_fit(session, 1, 721) == 1
    fit = optimize.auto_fit(session, make_ctx(), T0)
    assert fit is not None and fit.reviews == 720
    assert optimize.answers_before_fit(session, 1, 1) == 72  # a tenth of 720

    def answer(kind: str, count: int) -> None:
        for minute in range(count):
            at = T0 + timedelta(hours=5, minutes=minute)
            session.add(ReviewLog(user_id=1, card_id="alpha-000", rating=3, reviewed_at=at,
                                  kind=kind))  # fmt: skip
        session.commit()

    answer("review", 71)
    answer("cram", 5)
    assert optimize.answers_before_fit(session, 1, 2) == 1  # 71 of 720 / 10
    answer("relearn", 1)
    assert optimize.answers_before_fit(session, 1, 2) == 0
    assert optimize.answers_before_fit(session, 1, 72) == 0
    assert optimize.answers_before_fit(session, 1, 80) == 8


def test_the_database_is_asked_only_when_the_answers_still_needed_run_out(
    settings: Settings, clock: Clock, session: Session, monkeypatch
) -> None:
    """Asking after every grade cost a third of a grade's CPU: after a check, the trigger
    counts the answers still needed in memory and asks again only when they have been given."""
    asked = []
    real = optimize.answers_before_fit

    def counted(session: Session, user_id: int, every: int) -> int:
        asked.append(real(session, user_id, every))
        return asked[-1]

    monkeypatch.setattr(optimize, "answers_before_fit", counted)
    app = create_app(settings.model_copy(update={"auto_optimize_every": 50}))
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    with TestClient(app) as client:
        history(session)  # 720 answers: due at once; the next fit waits for 720 / 10 more

        def grade(n: int) -> None:
            answer = {"card_id": f"alpha-{n % 120:03d}", "rating": 3, "review_token": f"t{n}"}
            assert client.post("/api/reviews", json=answer).status_code == 200

        grade(1)
        assert asked == [0]  # due: fitted
        grade(2)
        assert asked == [0, 70]  # 72 needed, 2 given since the fit
        for n in range(3, 72):
            grade(n)
        assert asked == [0, 70]  # counted in memory
        grade(72)
        assert asked == [0, 70, 0]
        session.rollback()
        assert [f.reviews for f in session.scalars(select(ParameterFit))] == [721, 792]
