"""K-fold: every sample is validated exactly once; fold sizes as scikit-learn's KFold."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.kfold import DEMO, KFoldParams, compute, fold_assignment
from app.demos.overfitting import fit_polynomial, mse
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(KFoldParams(**kw))


@pytest.mark.parametrize(("k", "n"), [(5, 30), (3, 10), (7, 7), (20, 200), (4, 13)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_every_sample_is_validated_exactly_once(k, n, shuffle):
    r = run(k=k, n=n, shuffle=shuffle)
    grid = np.array(r["grid"])
    assert grid.shape == (k, n)
    assert grid.sum(axis=0).tolist() == [1] * n
    assert sorted(set(r["fold_of"])) == list(range(k))


def test_fold_sizes_follow_kfold():
    # 13 samples in 4 folds: the first 13 mod 4 = 1 fold gets one more
    assert run(k=4, n=13)["fold_sizes"] == [4, 3, 3, 3]
    assert fold_assignment(5, 2, np.arange(5)).tolist() == [0, 0, 0, 1, 1]


def test_scores_are_the_held_out_mse_and_summaries_match():
    r = run(k=3, n=12, shuffle=False, degree=1)
    x, y = np.array(r["x"]), np.array(r["y"])
    held = np.arange(12) < 4  # fold 0 is the first four samples without shuffling
    coef = fit_polynomial(x[~held], y[~held], 1)
    assert r["scores"][0] == pytest.approx(mse(coef, x[held], y[held]))
    assert r["mean"] == pytest.approx(np.mean(r["scores"]))
    assert r["std"] == pytest.approx(np.std(r["scores"]))


def test_unshuffled_sorted_data_extrapolate_worse():
    shuffled = [run(seed=s)["mean"] for s in range(5)]
    contiguous = [run(seed=s, shuffle=False)["mean"] for s in range(5)]
    assert np.mean(contiguous) > 2 * np.mean(shuffled)


def test_maximum_is_finite():
    r = run(**DEMO.examples["maximum"])
    assert np.isfinite(r["scores"]).all()


@pytest.mark.parametrize("bad", [{"k": 1}, {"k": 21}, {"n": 201}, {"k": 10, "n": 9}])
def test_bounds(bad):
    with pytest.raises(ValidationError, match="k|n"):
        KFoldParams(**bad)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 21),
    st.integers(1, 80),
    st.integers(0, 2**32),
    st.booleans(),
    st.integers(-1, 11),
)
def test_random_inputs_are_rejected_or_finite(k, n, seed, shuffle, degree):
    run_or_reject(DEMO, {"k": k, "n": n, "seed": seed, "shuffle": shuffle, "degree": degree})
