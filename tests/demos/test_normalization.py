"""Normalization: z-scored features are well conditioned and converge in far fewer steps."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.normalization import (
    DEMO,
    TOLERANCE,
    NormalizationParams,
    compute,
    make_features,
    rescale,
)
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(NormalizationParams(**kw))


def test_zscore_converges_in_fewer_steps():
    cmp = run()["comparison"]
    assert cmp["zscore"]["steps_at_best_lr"] < cmp["none"]["steps_at_best_lr"] / 20
    assert cmp["none"]["steps_at_lr"] is None  # lr = 0.1 is past 2/λ_max unnormalized
    assert cmp["zscore"]["steps_at_lr"] is not None
    assert cmp["zscore"]["condition_number"] < 2 < 50 < cmp["none"]["condition_number"]


def test_zscored_hessian_is_the_correlation_matrix():
    raw, _ = make_features(10.0)
    rho = np.corrcoef(raw.T)[0, 1]
    kappa = run(method="zscore")["condition_number"]
    assert kappa == pytest.approx((1 + abs(rho)) / (1 - abs(rho)))


def test_minmax_maps_each_feature_onto_minus_one_to_one():
    x = rescale(make_features(10.0)[0], "minmax")
    np.testing.assert_allclose(x.min(axis=0), -1)
    np.testing.assert_allclose(x.max(axis=0), 1)


def test_step_count_matches_explicit_iteration():
    r = run(method="zscore", lr=0.1, steps=1000)
    losses = np.array(r["loss"])
    excess = losses - r["min_loss"]
    first = int(np.argmax(excess <= TOLERANCE * excess[0]))
    assert r["converged_at"] == first == 40


def test_unnormalized_divergence_is_detected_past_two_over_lambda_max():
    stable = run(lr=0.02)
    assert stable["max_stable_lr"] == pytest.approx(0.0224, abs=1e-4)
    assert stable["diverged_at"] is None
    unstable = run(lr=0.03)
    assert unstable["diverged_at"] is not None
    assert np.isfinite(unstable["path"]).all() and max(unstable["loss"]) <= 1e12


def test_path_starts_at_zero_and_reaches_the_optimum():
    r = run(method="zscore", steps=300)
    assert r["path"][0] == [0.0, 0.0]
    np.testing.assert_allclose(r["path"][-1], r["optimum"], atol=1e-6)
    assert np.array(r["contour"]["loss"]).shape == (41, 41)


def test_maximum_is_finite():
    r = run(**DEMO.examples["maximum"])
    assert np.isfinite(r["loss"]).all() and r["comparison"]["none"]["condition_number"] > 1e5


@pytest.mark.parametrize("bad", [{"scale": 0.5}, {"lr": 0}, {"steps": 1001}, {"method": "l2"}])
def test_bounds(bad):
    with pytest.raises(ValidationError):
        NormalizationParams(**bad)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(0.5, 1100),
    st.sampled_from(["none", "minmax", "zscore"]),
    st.floats(-0.1, 11),
    st.integers(0, 1001),
)
def test_random_inputs_are_rejected_or_finite(scale, method, lr, steps):
    run_or_reject(DEMO, {"scale": scale, "method": method, "lr": lr, "steps": steps})
