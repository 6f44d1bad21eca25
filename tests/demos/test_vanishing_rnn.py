"""Vanishing RNN: ‖∂h_t/∂h_0‖ is radiusᵗ for a linear RNN, decays below 1, grows above, clips."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.vanishing_rnn import DEMO, VanishingRnnParams, compute, orthogonal
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(VanishingRnnParams(**kw))


def test_orthogonal_is_orthogonal():
    q = orthogonal(8, np.random.default_rng(0))
    np.testing.assert_allclose(q @ q.T, np.eye(8), atol=1e-12)


@pytest.mark.parametrize("radius", [0.5, 0.9, 1.0, 1.1])
def test_linear_rnn_gradient_norm_is_radius_to_the_t(radius):
    r = run(activation="linear", radius=radius, length=40)
    np.testing.assert_allclose(r["grad_norm"], radius ** np.arange(41), rtol=1e-9)
    assert r["t"] == list(range(41))


def test_tanh_gradient_vanishes_below_one_and_grows_above():
    small = run(radius=0.9)["grad_norm"]
    assert small[0] == pytest.approx(1.0)
    assert small[-1] < 0.9**50 * (1 + 1e-9) and small[-1] < 1e-2
    assert all(b <= a * 0.9 * (1 + 1e-9) for a, b in zip(small, small[1:], strict=False))
    large = run(radius=1.5)["grad_norm"]
    assert large[-1] > 10


def test_relu_kills_the_gradient_of_inactive_units():
    relu = np.array(run(radius=0.9, activation="relu")["grad_norm"])
    assert np.all(relu <= 0.9 ** np.arange(51) * (1 + 1e-9))


def test_clipping_caps_the_norm_but_leaves_small_gradients_alone():
    r = run(radius=1.2, activation="linear", clip=5.0)
    norms, clipped = np.array(r["grad_norm"]), np.array(r["clipped_norm"])
    assert norms.max() > 5 and clipped.max() == 5.0
    np.testing.assert_array_equal(clipped[norms <= 5], norms[norms <= 5])
    assert run()["clipped_norm"] is None


def test_maximum_stays_finite():
    r = run(**DEMO.examples["maximum"])
    assert np.isfinite(r["grad_norm"]).all() and np.isfinite(r["hidden_norm"]).all()
    assert r["grad_norm"][-1] == pytest.approx(3.0**200, rel=1e-9)


@pytest.mark.parametrize("bad", [{"length": 201}, {"radius": 3.5}, {"clip": 0}, {"hidden": 33}])
def test_bounds(bad):
    with pytest.raises(ValidationError):
        VanishingRnnParams(**bad)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 210),
    st.floats(-0.1, 3.2),
    st.sampled_from(["tanh", "relu", "linear"]),
    st.one_of(st.none(), st.floats(-1, 1e7)),
    st.integers(0, 33),
)
def test_random_inputs_are_rejected_or_finite(length, radius, activation, clip, hidden):
    run_or_reject(
        DEMO,
        {
            "length": length,
            "radius": radius,
            "activation": activation,
            "clip": clip,
            "hidden": hidden,
        },
    )
