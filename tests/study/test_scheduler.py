"""The FSRS wrapper: golden sequences with fuzzing off, previews, fuzz bounds, labels."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from app.study.scheduler import (
    NEW_CARD,
    Rating,
    SchedulerConfig,
    State,
    format_interval,
    fuzz_unit,
    fuzzed_days,
    preview,
    retrievability,
    review,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NO_FUZZ = SchedulerConfig(enable_fuzzing=False)
W = NO_FUZZ.parameters


def grade_at_due(config: SchedulerConfig, ratings: list[int]) -> list[timedelta]:
    """Grade a new card, each answer given exactly when the previous one fell due."""
    state, now, intervals = NEW_CARD, T0, []
    for rating in ratings:
        outcome = review(config, state, rating, now, "golden")
        intervals.append(outcome.interval)
        state, now = outcome.after, outcome.after.due
    return intervals


def test_golden_good_good_again_good_then_goods() -> None:
    intervals = grade_at_due(NO_FUZZ, [3, 3, 1, 3, 3, 3])
    assert [format_interval(i) for i in intervals] == ["10m", "2d", "10m", "1d", "2d", "6d"]
    assert intervals[:2] == [timedelta(minutes=10), timedelta(days=2)]


def test_first_good_matches_fsrs6_formulas_by_hand() -> None:
    outcome = review(NO_FUZZ, NEW_CARD, Rating.Good, T0, "k")
    # S0(G) = w2; D0(G) = w4 - e^(w5 * (G - 1)) + 1.
    assert outcome.after.stability == pytest.approx(2.3065)
    assert outcome.after.difficulty == pytest.approx(6.4133 - math.exp(0.8334 * 2) + 1)
    assert (outcome.after.state, outcome.after.step, outcome.kind) == (State.Learning, 1, "learn")
    # Graduating the same day: short-term factor e^(w17 (G-3+w18)) S^-w19 < 1 is clamped to 1,
    # and at retention 0.9 the interval equals the stability, rounded: round(2.3065) = 2 days.
    second = review(NO_FUZZ, outcome.after, Rating.Good, outcome.after.due, "k")
    factor = math.exp(W[17] * W[18]) * 2.3065 ** -W[19]
    assert factor < 1
    assert second.after.stability == pytest.approx(2.3065)
    assert second.interval == timedelta(days=2)
    assert second.after.reps == 2


def test_lapse_counts_and_relearning_kind() -> None:
    state = NEW_CARD
    now = T0
    kinds = []
    for rating in [4, 1, 3]:
        outcome = review(NO_FUZZ, state, rating, now, "k")
        kinds.append(outcome.kind)
        state, now = outcome.after, outcome.after.due
    assert kinds == ["learn", "review", "relearn"]
    assert (state.reps, state.lapses, state.state) == (3, 1, State.Review)


def test_preview_new_card_gives_anki_like_labels() -> None:
    labels = {r: format_interval(i) for r, i in preview(NO_FUZZ, NEW_CARD, T0, "k").items()}
    # Hard on the first step is the mean of the first two steps, (1m + 10m) / 2.
    assert labels == {Rating.Again: "1m", Rating.Hard: "6m", Rating.Good: "10m", Rating.Easy: "8d"}


def test_preview_equals_grade_with_fuzzing_on() -> None:
    config = SchedulerConfig(enable_fuzzing=True)
    state = review(config, NEW_CARD, 4, T0, "card-a").after
    now = state.due
    shown = preview(config, state, now, "card-a")
    later = now + timedelta(seconds=20)
    for rating, interval in shown.items():
        graded = review(config, state, rating, later, "card-a")
        assert graded.interval == interval


def test_fuzz_stays_in_fsrs_range_and_varies_by_card() -> None:
    config = SchedulerConfig(enable_fuzzing=True)
    state = review(NO_FUZZ, NEW_CARD, 4, T0, "x").after
    base = review(NO_FUZZ, state, 3, state.due, "x").interval.days
    fuzzed = {review(config, state, 3, state.due, f"c{i}").interval.days for i in range(200)}
    assert len(fuzzed) > 1
    # FSRS fuzz: delta = 1 + 0.15 * (min(ivl, 7) - 2.5) + 0.1 * (min(ivl, 20) - 7) + ...
    delta = (
        1 + 0.15 * (min(base, 7) - 2.5) + 0.1 * max(min(base, 20) - 7, 0) + 0.05 * max(base - 20, 0)
    )
    # fsrs 6.3 draws round(u * (high - low + 1) + low), which can reach high + 1; we mirror it.
    assert min(fuzzed) == round(base - delta)
    assert max(fuzzed) <= round(base + delta) + 1


def test_fuzz_unit_is_uniform_and_stable() -> None:
    draws = [fuzz_unit(f"u:{i}", 3) for i in range(4000)]
    assert all(0 <= d < 1 for d in draws)
    assert sum(draws) / len(draws) == pytest.approx(0.5, abs=0.02)
    assert fuzz_unit("u:1", 3) == fuzz_unit("u:1", 3) != fuzz_unit("u:1", 4)


def test_retrievability_power_curve() -> None:
    state = review(NO_FUZZ, NEW_CARD, 4, T0, "k").after
    s = state.stability
    decay = -W[20]
    factor = 0.9 ** (1 / decay) - 1
    at = T0 + timedelta(days=10)
    assert retrievability(NO_FUZZ, state, at) == pytest.approx((1 + factor * 10 / s) ** decay)
    assert retrievability(NO_FUZZ, NEW_CARD, at) == 0.0


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        review(NO_FUZZ, NEW_CARD, 3, datetime(2026, 1, 1), "k")


@pytest.mark.parametrize(
    ("interval", "label"),
    [
        (timedelta(seconds=30), "30s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=1, minutes=30), "1.5h"),
        (timedelta(hours=2), "2h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=72), "2.4mo"),
        (timedelta(days=402), "1.1y"),
    ],
)
def test_interval_labels(interval: timedelta, label: str) -> None:
    assert format_interval(interval) == label


@pytest.mark.parametrize("unit", [0.0, 0.25, 0.5, 0.999])
def test_fixed_draw_fuzz_equals_the_packages_fuzz(unit: float, monkeypatch) -> None:
    import fsrs.scheduler as package

    monkeypatch.setattr(package, "random", lambda: unit)
    scheduler = package.Scheduler(enable_fuzzing=True, maximum_interval=400)
    for days in (1, 2, 3, 5, 8, 13, 21, 60, 200, 399, 400):
        theirs = scheduler._get_fuzzed_interval(interval=timedelta(days=days)).days
        assert fuzzed_days(days, unit, 400) == theirs
