"""Optimize: fsrs-rs items from the log, and a fit on answers of a synthetic learner."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session

from app.study import optimize
from app.study.days import StudyCalendar
from app.study.scheduler import NEW_CARD, SchedulerConfig, State, retrievability, review
from tests.factories import add_cards
from tests.study.conftest import make_ctx

T0 = datetime(2026, 1, 1, 9, tzinfo=UTC)


def _reviews(item) -> list[tuple[int, int]]:
    # The binding exposes ratings and delta_t only through its repr.
    return [tuple(int(v) for v in re.findall(r"\d+", repr(r))) for r in item.reviews]


def test_training_items_use_study_days_and_keep_later_day_answers() -> None:
    cal = StudyCalendar.of("UTC")
    history = [
        (3, datetime(2026, 1, 1, 9, tzinfo=UTC)),
        (3, datetime(2026, 1, 1, 9, 10, tzinfo=UTC)),
        (1, datetime(2026, 1, 3, 3, 59, tzinfo=UTC)),  # before 04:00: still study day Jan 2
        (3, datetime(2026, 1, 3, 4, 0, tzinfo=UTC)),  # study day Jan 3
    ]
    items = optimize.training_items([history], cal)
    assert [_reviews(i) for i in items] == [
        [(3, 0), (3, 0), (1, 1)],
        [(3, 0), (3, 0), (1, 1), (3, 1)],
    ]


def test_a_very_long_log_is_fitted_on_a_sample_of_cards_up_to_a_budget_of_reviews() -> None:
    """Each item carries its card's history so far; a long log keeps whole cards, not the
    latest items only (those would all be long, and fsrs-rs needs first answers too)."""
    cal = StudyCalendar.of("UTC")
    long = [(3, T0 + timedelta(days=d)) for d in (0, 1, 2, 3)]  # items of 2 + 3 + 4 reviews
    short = [(1, T0 + timedelta(days=d)) for d in (10, 12)]  # one item of 2 reviews
    everything = optimize.timed_training_items([long, short], cal)
    assert [len(_reviews(i)) for _, i in everything] == [2, 3, 4, 2]
    for budget, sizes in ((11, [2, 3, 4, 2]), (9, [2, 3, 4]), (8, [2]), (1, [])):
        kept = optimize.timed_training_items([long, short], cal, budget=budget)
        assert sorted(len(_reviews(i)) for _, i in kept) == sorted(sizes), budget
    kept = optimize.timed_training_items([long, short], cal, budget=8)
    assert [(at, _reviews(i)) for at, i in kept] == [(T0 + timedelta(days=12), [(1, 0), (1, 2)])]


def simulate_learner(
    true_parameters: tuple[float, ...], cards: int, days: int, seed: int
) -> list[list[tuple[int, datetime]]]:
    """Answers of a learner whose memory follows FSRS with ``true_parameters``.

    The app schedules with the default parameters; at each due date the learner recalls with
    the true model's retrievability, answering Again when they forget.
    """
    rng = np.random.default_rng(seed)
    app = SchedulerConfig(enable_fuzzing=False)
    truth = SchedulerConfig(parameters=true_parameters, enable_fuzzing=False)
    end = T0 + timedelta(days=days)
    histories = []
    for c in range(cards):
        now = T0 + timedelta(days=c // 8, minutes=c)
        shown, memory, history = NEW_CARD, NEW_CARD, []
        while now < end:
            if shown.is_new:
                rating = int(rng.choice([1, 2, 3, 4], p=[0.25, 0.1, 0.55, 0.1]))
            else:
                recall = retrievability(truth, memory, now) if memory.state == State.Review else 0.9
                rating = (3 if rng.random() < 0.85 else 2) if rng.random() < recall else 1
            history.append((rating, now))
            shown = review(app, shown, rating, now, str(c)).after
            memory = review(truth, memory, rating, now, str(c)).after
            assert shown.due is not None
            now = shown.due
        histories.append(history)
    return histories


def test_fit_on_synthetic_learner_lowers_log_loss() -> None:
    defaults = SchedulerConfig().parameters
    # A learner whose first memories are three times as stable as FSRS's defaults assume.
    true = tuple(p * 3 if i < 4 else p for i, p in enumerate(defaults))
    histories = simulate_learner(true, cards=400, days=180, seed=7)
    items = optimize.training_items(histories, StudyCalendar.of("UTC"))
    result = optimize.optimize(items, defaults)
    assert result.enough_history and result.needed == 0
    assert result.new_log_loss < result.old_log_loss
    assert result.new_parameters is not None and len(result.new_parameters) == 21
    # The fitted initial stability after Good moves from the default towards the truth.
    assert abs(result.new_parameters[2] - true[2]) < abs(defaults[2] - true[2])
    assert "log loss" in result.message


def test_too_little_history_says_how_many_more(session: Session) -> None:
    add_cards(session, 1)
    result = optimize.optimize_user(session, make_ctx())
    assert (result.items, result.needed, result.enough_history) == (0, 400, False)
    assert "400 more are needed" in result.message


def test_parse_parameters_checks_count_and_bounds() -> None:
    defaults = list(SchedulerConfig().parameters)
    text = ",".join(str(p) for p in defaults)
    assert optimize.parse_parameters(text) == pytest.approx(defaults)
    with pytest.raises(ValueError, match="expected 21"):
        optimize.parse_parameters("1,2,3")
    with pytest.raises(ValueError, match="outside"):
        optimize.parse_parameters(",".join(["500"] * 21))


def test_optimize_then_apply_through_the_settings_page(
    study_client,
    session: Session,
) -> None:
    from sqlalchemy import insert, select

    from app.models import LOCAL_USER_ID, ReviewLog, ReviewState

    histories = simulate_learner(SchedulerConfig().parameters, cards=120, days=150, seed=3)
    ids = add_cards(session, len(histories))
    session.execute(
        insert(ReviewLog),
        [
            {
                "user_id": LOCAL_USER_ID,
                "card_id": card_id,
                "rating": rating,
                "reviewed_at": at,
                "kind": "review",
            }
            for card_id, history in zip(ids, histories, strict=True)
            for rating, at in history
        ],
    )
    session.commit()
    page = study_client.post("/settings/optimize")
    assert page.status_code == 200 and "Apply the fitted parameters" in page.text
    fitted = re.search(r'name="parameters" value="([^"]+)"', page.text).group(1)
    applied = study_client.post(
        "/settings/optimize/apply", data={"parameters": fitted}, follow_redirects=False
    )
    assert applied.status_code == 303 and applied.headers["location"] == "/settings?optimized=1"
    in_use = study_client.get("/api/settings").json()["fsrs_parameters"]
    assert in_use == pytest.approx([float(v) for v in fitted.split(",")])
    session.expire_all()
    assert len(session.scalars(select(ReviewState)).all()) == len(ids)
    bad = study_client.post("/settings/optimize/apply", data={"parameters": "1,2"})
    assert bad.status_code == 422 and "expected 21" in bad.text
