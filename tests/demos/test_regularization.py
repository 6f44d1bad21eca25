"""Regularization: L2 is weight decay, L1's proximal step makes weights exactly zero."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.regularization import (
    DEMO,
    FEATURES,
    RegularizationParams,
    compute,
    make_dataset,
    soft_threshold,
)
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(RegularizationParams(**kw))


def test_soft_threshold_by_hand():
    out = soft_threshold(np.array([3.0, -0.5, 0.2, -2.0, 1.0]), 1.0)
    assert out.tolist() == [2.0, 0.0, 0.0, -1.0, 0.0]
    assert not np.signbit(out[1])  # a plain 0, not −0


def test_l2_equals_gradient_descent_on_the_penalized_loss():
    lam, lr = 0.3, 0.05
    r = run(penalty="l2", lam=lam, lr=lr, steps=100)
    x, y = make_dataset(0)
    w, path = np.zeros(len(FEATURES)), {0: np.zeros(len(FEATURES))}
    for t in range(1, 101):
        grad = x.T @ (x @ w - y) / len(y) + lam * w  # ∇[½ mean(r²) + (λ/2)‖w‖²]
        w = w - lr * grad
        path[t] = w
    for t, recorded in zip(r["steps"], r["paths"], strict=True):
        np.testing.assert_allclose(recorded, path[t], atol=1e-12)


def test_l1_sets_weights_to_exactly_zero_and_l2_does_not():
    l1 = run(penalty="l1", lam=0.1)
    zeros = [name for name, w in zip(FEATURES, l1["weights"], strict=True) if w == 0.0]
    assert l1["zeros"] == len(zeros) >= 3
    assert set(zeros) >= {"noise 1", "noise 2", "noise 3"}
    assert run(penalty="l2", lam=0.1)["zeros"] == 0
    assert run(penalty="none")["zeros"] == 0
    assert run(penalty="l1", lam=0.5)["zeros"] > l1["zeros"]


def test_l1_solution_satisfies_the_lasso_optimality_conditions():
    lam = 0.2
    w = np.array(run(penalty="l1", lam=lam, lr=0.5, steps=2000)["weights"])
    x, y = make_dataset(0)
    g = x.T @ (x @ w - y) / len(y)
    assert np.all(np.abs(g[w == 0]) <= lam + 1e-9)
    np.testing.assert_allclose(g[w != 0], -lam * np.sign(w[w != 0]), atol=1e-3)


def test_no_penalty_recovers_the_signal_features():
    w = run(penalty="none", lr=0.5, steps=2000)["weights"]
    assert w[0] + w[3] == pytest.approx(2.0, abs=0.2)  # x1 and its copy share the weight 2
    assert w[1] + w[4] == pytest.approx(-1.0, abs=0.2)
    assert w[2] == pytest.approx(0.5, abs=0.15)


def test_losses_decrease_and_paths_are_recorded_sparsely():
    r = run(steps=2000)
    assert len(r["steps"]) == 201 and r["steps"][0] == 0 and r["steps"][-1] == 2000
    assert r["loss"] == sorted(r["loss"], reverse=True)
    assert r["paths"][0] == [0.0] * 8


def test_unstable_step_size_is_reported_not_overflowed():
    r = run(**DEMO.examples["unstable"])
    assert r["diverged_at"] is not None and np.isfinite(r["paths"]).all()
    assert run(**DEMO.examples["maximum"])["diverged_at"] is None


@pytest.mark.parametrize("bad", [{"lam": -1}, {"lr": 0}, {"steps": 2001}, {"penalty": "l3"}])
def test_bounds(bad):
    with pytest.raises(ValidationError):
        RegularizationParams(**bad)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["none", "l1", "l2"]),
    st.floats(-0.1, 2.5),
    st.floats(-0.1, 1.2),
    st.integers(0, 400),
    st.integers(0, 2**32),
)
def test_random_inputs_are_rejected_or_finite(penalty, lam, lr, steps, seed):
    run_or_reject(DEMO, {"penalty": penalty, "lam": lam, "lr": lr, "steps": steps, "seed": seed})
