"""Batch norm: training with biased variance, eval with running statistics, ε for zero variance."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.batchnorm import DEMO, BatchNormParams, compute
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(BatchNormParams(**kw))


def test_reference_batch_one_two_three_four():
    r = run(x=[[1], [2], [3], [4]], eps=1e-5)
    assert r["mean"] == [2.5] and r["var"] == [1.25]  # biased: Σ(x − 2.5)²/4
    np.testing.assert_allclose(np.ravel(r["x_hat"]), [-1.3416, -0.4472, 0.4472, 1.3416], atol=5e-5)
    assert r["y"] == r["x_hat"]


def test_gamma_beta_and_per_feature_statistics():
    r = run(x=[[1, 10], [3, 10]], gamma=[2, 1], beta=[0.5, -1])
    assert r["mean"] == [2.0, 10.0] and r["var"] == [1.0, 0.0]
    scale = 1 / np.sqrt(1 + 1e-5)
    np.testing.assert_allclose(r["y"], [[0.5 - 2 * scale, -1], [0.5 + 2 * scale, -1]])
    assert r["zero_variance"] == [False, True]


def test_zero_variance_stays_finite_thanks_to_eps():
    r = run(**DEMO.examples["zero-variance"])
    assert r["x_hat"] == [[0.0]] * 4


def test_running_statistics_follow_pytorch_momentum_and_unbiased_variance():
    r = run(x=[[1], [2], [3], [4]], momentum=0.1)
    assert r["running_mean"] == [pytest.approx(0.25)]  # 0.9·0 + 0.1·2.5
    assert r["running_var"] == [pytest.approx(0.9 + 0.1 * 5 / 3)]  # unbiased var = 5/3


def test_eval_uses_running_statistics():
    r = run(x=[[1], [2], [3], [4]], training=False, momentum=0.1)
    expected = (np.array([1, 2, 3, 4]) - 0.25) / np.sqrt(0.9 + 0.5 / 3 + 1e-5)
    np.testing.assert_allclose(np.ravel(r["y"]), expected)
    full = run(x=[[1], [2], [3], [4]], training=False, momentum=1.0)
    np.testing.assert_allclose(
        np.ravel(full["x_hat"]), (np.arange(1, 5) - 2.5) / np.sqrt(5 / 3 + 1e-5)
    )


def test_maximum_is_finite():
    r = run(**DEMO.examples["maximum"])
    assert np.isfinite(r["y"]).all() and len(r["y"]) == 256


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"x": [[1, 2], [3]]}, "x"),
        ({"x": [[1]]}, "x"),
        ({"gamma": [1, 2]}, "gamma"),
        ({"beta": [1, 2]}, "beta"),
        ({"eps": 0}, "eps"),
        ({"x": [[1.0] * 17] * 2}, "x"),
    ],
)
def test_bad_inputs_name_the_field(bad, field):
    with pytest.raises(ValidationError, match=field):
        BatchNormParams(**bad)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 3), st.data())
def test_random_inputs_are_rejected_or_finite(rows, cols, data):
    values = st.floats(-2e6, 2e6)
    params = {
        "x": data.draw(
            st.lists(st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
        ),
        "eps": data.draw(st.floats(-1e-5, 1.5)),
        "training": data.draw(st.booleans()),
        "momentum": data.draw(st.floats(-0.1, 1.1)),
    }
    if data.draw(st.booleans()):
        params["gamma"] = data.draw(st.lists(values, min_size=cols, max_size=cols))
        params["beta"] = data.draw(st.lists(values, min_size=cols, max_size=cols))
    run_or_reject(DEMO, params)
