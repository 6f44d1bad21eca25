"""Overfitting: train error falls with degree, validation error is U-shaped, early stopping."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.overfitting import DEMO, OverfittingParams, compute, early_stopping
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(OverfittingParams(**kw))


def test_train_error_never_increases_with_degree():
    for seed in range(5):
        train = run(seed=seed)["train_error"]
        assert all(b <= a * (1 + 1e-9) + 1e-12 for a, b in zip(train, train[1:], strict=False))


def test_validation_error_is_u_shaped():
    r = run()
    val, best = r["val_error"], r["best_degree"]
    assert 3 <= best <= 8
    assert val[0] > 5 * val[best] and val[1] > 5 * val[best]  # underfit: a line cannot bend
    assert max(val[12:]) > 5 * val[best]  # overfit: the noise is fitted


def test_enough_degrees_interpolate_the_training_points():
    r = run(n_points=10)
    assert r["train_error"][9] < 1e-20
    assert r["val_error"][9] > r["val_error"][r["best_degree"]]


def test_early_stopping_rule_by_hand():
    assert early_stopping(np.array([5, 4, 3, 3.5, 3.6, 3.7]), patience=2) == (4, 2)
    assert early_stopping(np.array([5, 4, 3, 3.5, 2.9, 3.0]), patience=2) == (None, 4)


def test_gradient_descent_curve_reaches_least_squares_and_stops_early_when_overfitting():
    r = run(degree=3)
    epochs = r["epochs"]["train_error"]
    assert epochs[0] == pytest.approx(np.mean(np.square(r["train"]["y"])))
    assert all(b <= a + 1e-12 for a, b in zip(epochs, epochs[1:], strict=False))
    assert epochs[-1] == pytest.approx(r["train_error"][3], rel=1e-6)

    high = run(degree=15)["epochs"]
    assert high["stop_epoch"] is not None and high["best_epoch"] < high["stop_epoch"]
    assert high["stop_epoch"] - high["best_epoch"] == 10
    assert high["val_error"][-1] > high["val_error"][high["best_epoch"]]


def test_maximum_is_finite():
    r = run(**DEMO.examples["maximum"])
    assert np.isfinite(r["val_error"]).all() and np.isfinite(r["curve"]["fit"]).all()


@pytest.mark.parametrize("bad", [{"degree": 16}, {"n_points": 4}, {"noise": -1}, {"patience": 0}])
def test_bounds(bad):
    with pytest.raises(ValidationError):
        OverfittingParams(**bad)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(-1, 16),
    st.integers(4, 60),
    st.floats(-0.1, 2.1),
    st.integers(0, 2**32),
    st.integers(0, 501),
)
def test_random_inputs_are_rejected_or_finite(degree, n_points, noise, seed, patience):
    run_or_reject(
        DEMO,
        {
            "degree": degree,
            "n_points": n_points,
            "noise": noise,
            "seed": seed,
            "patience": patience,
        },
    )
