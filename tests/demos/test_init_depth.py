"""Init vs depth: symmetry of zeros, vanishing of σ = 0.01, stability of He + ReLU."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.init_depth import BATCH, DEMO, InitDepthParams, compute, weight_std
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(InitDepthParams(**kw))


def test_weight_std_of_each_init():
    assert weight_std("zeros", 256, 0.5) == 0
    assert weight_std("normal", 256, 0.5) == 0.5
    assert weight_std("xavier", 256, 0.5) == pytest.approx(math.sqrt(1 / 256))
    assert weight_std("he", 256, 0.5) == pytest.approx(math.sqrt(2 / 256))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_zero_init_makes_every_unit_of_a_layer_identical(activation):
    r = run(init="zeros", activation=activation, depth=5)
    assert all(r["identical_units"])
    assert r["activation_std"] == [0.0] * 5
    assert r["grad_norm"][:4] == [0.0] * 4  # nothing flows back through zero weights


def test_he_relu_is_stable_while_small_normal_vanishes():
    # finite width makes log ‖h‖ a random walk, so judge He over a few seeds (geometric mean)
    runs = [run(init="he", activation="relu", depth=50, seed=s) for s in range(6)]
    std_ratio = np.exp(
        np.mean([np.log(r["activation_std"][-1] / r["activation_std"][0]) for r in runs])
    )
    grad_ratio = np.exp(np.mean([np.log(r["grad_norm"][0] / r["grad_norm"][-1]) for r in runs]))
    assert 0.5 < std_ratio < 2 and 0.5 < grad_ratio < 2
    assert not any(runs[0]["identical_units"])

    small = run(init="normal", std=0.01, activation="relu", depth=50)
    # each layer multiplies the std by about 0.01·√(256/2) ≈ 0.11
    assert small["activation_std"][-1] < 1e-40 * small["activation_std"][0]
    assert small["activation_std"][9] / small["activation_std"][8] == pytest.approx(0.113, rel=0.3)


def test_xavier_halves_relu_variance_per_layer():
    stds = np.array(run(init="xavier", activation="relu", depth=20)["activation_std"])
    assert stds[-1] / stds[0] == pytest.approx(0.5 ** (19 / 2), rel=0.5)


def _full_simulation(p: InitDepthParams, seed: int) -> np.ndarray:
    """The same network with every weight matrix drawn in full, for comparison."""
    rng = np.random.default_rng(seed)
    sigma = weight_std(p.init, p.width, p.std)
    h = rng.standard_normal((BATCH, p.width))
    weights, inputs, stds = [], [], []
    for _ in range(p.depth):
        w = sigma * rng.standard_normal((p.width, p.width))
        weights.append(w)
        inputs.append(h)
        h = np.tanh(h @ w.T)
        stds.append(np.std(h))
    grad_h, norms = rng.standard_normal((BATCH, p.width)) / BATCH, [0.0] * p.depth
    for layer in reversed(range(p.depth)):
        grad_a = grad_h * (1 - np.tanh(inputs[layer] @ weights[layer].T) ** 2)
        norms[layer] = np.linalg.norm(grad_a.T @ inputs[layer])
        grad_h = grad_a @ weights[layer]
    return np.array([stds, norms])


def test_row_space_sampling_matches_full_weight_matrices_in_distribution():
    p = InitDepthParams(depth=6, width=24, init="normal", std=0.4, activation="tanh")
    seeds = range(400)
    full = np.mean([_full_simulation(p, s) for s in seeds], axis=0)
    demo = np.mean(
        [
            [compute(p.model_copy(update={"seed": s}))[k] for k in ("activation_std", "grad_norm")]
            for s in seeds
        ],
        axis=0,
    )
    np.testing.assert_allclose(demo, full, rtol=0.05)


def test_maximum_is_finite_and_seeded():
    r = run(**DEMO.examples["maximum"])
    assert len(r["activation_std"]) == len(r["grad_norm"]) == 100
    assert np.isfinite(r["activation_std"]).all() and np.isfinite(r["grad_norm"]).all()
    assert run(seed=3) == run(seed=3)


@pytest.mark.parametrize("bad", [{"depth": 101}, {"width": 513}, {"std": -1}, {"init": "ortho"}])
def test_bounds(bad):
    with pytest.raises(ValidationError):
        InitDepthParams(**bad)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 30),
    st.integers(1, 64),
    st.sampled_from(["zeros", "normal", "xavier", "he"]),
    st.floats(-0.1, 1.1),
    st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    st.integers(0, 2**32),
)
def test_random_inputs_are_rejected_or_finite(depth, width, init, std, activation, seed):
    run_or_reject(
        DEMO,
        {
            "depth": depth,
            "width": width,
            "init": init,
            "std": std,
            "activation": activation,
            "seed": seed,
        },
    )
