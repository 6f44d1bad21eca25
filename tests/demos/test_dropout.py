"""Dropout: p = 0 is the identity, inverted dropout preserves the mean, eval passes x through."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.dropout import DEMO, DropoutParams, compute
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(DropoutParams(**kw))


def test_zero_rate_is_the_identity():
    x = [0.5, -2.0, 3.0]
    r = run(x=x, p=0.0)
    assert r["mask"] == [1.0, 1.0, 1.0] and r["y"] == x


def test_kept_values_are_scaled_by_one_over_keep_probability():
    r = run(x=[2.0] * 100, p=0.75)
    for m, y in zip(r["mask"], r["y"], strict=True):
        assert y == (8.0 if m else 0.0)  # 2 / (1 − 0.75)
    assert r["kept"] == sum(r["mask"])


def test_not_inverted_keeps_values_and_scales_at_eval():
    r = run(x=[2.0] * 10, p=0.5, inverted=False)
    assert set(r["y"]) <= {0.0, 2.0}
    assert run(x=[2.0] * 10, p=0.5, inverted=False, training=False)["y"] == [1.0] * 10


def test_eval_returns_x_unchanged():
    x = [1.0, 2.0, -3.5]
    r = run(x=x, p=0.9, training=False)
    assert r["y"] == x and r["mask"] == [1.0, 1.0, 1.0]


def test_inverted_dropout_preserves_the_mean_in_expectation():
    x = np.linspace(-1, 3, 1000)
    means = [run(x=x.tolist(), p=0.5, seed=s)["mean_y"] for s in range(200)]
    # each mean has std ≈ rms(x)·√(p/(1−p))/√1000 ≈ 0.05; the average of 200 is ≈ 0.0035
    assert np.mean(means) == pytest.approx(x.mean(), abs=0.015)
    assert run(x=x.tolist())["expected_train_mean"] == pytest.approx(x.mean())


def test_higher_rate_means_more_noise_same_mean():
    sweep = run(x=[1.0] * 200)["sweep"]
    assert sweep["std"] == sorted(sweep["std"]) and sweep["std"][0] == 0
    # the spread of an inverted-dropout unit is x·√(p/(1 − p))
    assert sweep["std"][5] == pytest.approx(1.0, rel=0.1)
    assert sweep["std"][9] == pytest.approx(3.0, rel=0.1)
    np.testing.assert_allclose(sweep["mean"], 1.0, atol=0.1)


def test_maximum_is_finite():
    r = run(**DEMO.examples["maximum"])
    assert len(r["y"]) == 1000 and np.isfinite(r["y"]).all()


@pytest.mark.parametrize("bad", [{"p": 1.0}, {"p": -0.1}, {"x": []}, {"x": [0.0] * 1001}])
def test_bounds(bad):
    with pytest.raises(ValidationError):
        DropoutParams(**bad)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-2e6, 2e6), min_size=0, max_size=50),
    st.floats(-0.1, 1.0),
    st.booleans(),
    st.booleans(),
    st.integers(0, 2**32),
)
def test_random_inputs_are_rejected_or_finite(x, p, training, inverted, seed):
    run_or_reject(DEMO, {"x": x, "p": p, "training": training, "inverted": inverted, "seed": seed})
