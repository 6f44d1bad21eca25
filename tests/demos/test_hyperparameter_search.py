"""Grid vs random search: n distinct values on the important axis against ⌊√n⌋."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.hyperparameter_search import (
    DEMO,
    RIPPLE,
    SearchParams,
    compute,
    points_per_axis,
    score,
)
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(SearchParams(**kw))


@pytest.mark.parametrize(("budget", "per_axis"), [(9, 3), (16, 4), (100, 10), (10, 3)])
def test_random_gives_budget_distinct_values_grid_gives_its_square_root(budget, per_axis):
    r = run(budget=budget, important=1, unimportant=1)
    assert r["random"]["distinct"][0] == budget
    assert r["grid"]["distinct"] == [per_axis, per_axis]
    assert len(r["grid"]["points"]) == per_axis**2 <= budget
    assert len(r["random"]["points"]) == budget


def test_points_per_axis_is_exact_for_perfect_powers():
    assert points_per_axis(27, 3) == 3 and points_per_axis(26, 3) == 2
    assert points_per_axis(100, 3) == 4 and points_per_axis(1, 5) == 1
    assert points_per_axis(64, 2) == 8


def test_score_peaks_at_the_centre_of_the_important_axes():
    centers = np.array([0.3])
    assert score(np.array([[0.3, 0.0]]), centers)[0] == pytest.approx(1 + RIPPLE)
    assert score(np.array([[0.3, 0.5]]), centers)[0] == pytest.approx(1 - RIPPLE)
    assert score(np.array([[0.9]]), centers)[0] < 1e-20


def test_random_search_beats_grid_on_average_when_axes_do_not_matter():
    grid, rand = [], []
    for seed in range(100):
        r = run(budget=9, important=1, unimportant=2, seed=seed)
        grid.append(r["grid"]["best"])
        rand.append(r["random"]["best"])
    assert np.mean(rand) > np.mean(grid) + 0.2


def test_surface_and_maximum():
    r = run(**DEMO.examples["maximum"])
    assert np.array(r["surface"]["z"]).shape == (41, 41)
    assert r["grid"]["distinct"] == [1] * 8  # 2⁸ > 100: a grid over 8 axes cannot even start
    assert r["random"]["distinct"] == [100] * 8


@pytest.mark.parametrize(
    "bad", [{"budget": 0}, {"budget": 101}, {"important": 4}, {"unimportant": 6}]
)
def test_bounds(bad):
    with pytest.raises(ValidationError):
        SearchParams(**bad)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 101), st.integers(0, 4), st.integers(-1, 6), st.integers(0, 2**32))
def test_random_inputs_are_rejected_or_finite(budget, important, unimportant, seed):
    run_or_reject(
        DEMO,
        {"budget": budget, "important": important, "unimportant": unimportant, "seed": seed},
    )
