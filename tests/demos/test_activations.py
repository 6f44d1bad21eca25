"""Activations and softmax against hand-computed values; stable at ±1e4 (pytest runs -W error)."""

import math

import numpy as np
import pytest
from pydantic import ValidationError

from app.demos.activations import (
    DEMOS,
    ActivationParams,
    SoftmaxParams,
    activation,
    compute_activations,
    compute_softmax,
    softmax,
)

FNS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "silu", "step"]


def f(fn, x, alpha=0.01, pieces=((1, 0), (-1, 0))):
    y, dy = activation(fn, np.asarray(x, dtype=float), alpha, list(pieces))
    return y.tolist(), dy.tolist()


def test_sigmoid_at_zero():
    assert f("sigmoid", [0.0]) == ([0.5], [0.25])


def test_reference_values():
    phi1 = 0.5 * (1 + math.erf(1 / math.sqrt(2)))  # Φ(1) = 0.841344746
    cases = {
        "tanh": ([1.0], [math.tanh(1)], [1 - math.tanh(1) ** 2]),
        "relu": ([-2.0, 0.0, 3.0], [0, 0, 3], [0, 0, 1]),  # PyTorch: relu'(0) = 0
        "leaky_relu": ([-2.0, 3.0], [-0.02, 3], [0.01, 1]),
        "elu": ([-1.0, 2.0], [math.exp(-1) - 1, 2], [math.exp(-1), 1]),
        "softplus": ([0.0], [math.log(2)], [0.5]),
        "gelu": ([1.0], [phi1], [phi1 + math.exp(-0.5) / math.sqrt(2 * math.pi)]),
        "silu": ([1.0], [1 / (1 + math.exp(-1))], [0.9276705118714869]),
        "step": ([-0.1, 0.0, 2.0], [0, 1, 1], [0, 0, 0]),
    }
    for fn, (x, y, dy) in cases.items():
        got_y, got_dy = f(fn, x, alpha=1.0 if fn == "elu" else 0.01)
        assert got_y == pytest.approx(y, abs=1e-12), fn
        assert got_dy == pytest.approx(dy, abs=1e-12), fn


def test_gelu_matches_known_value():
    # GELU(1) = 0.8413447460685429 (x·Φ(x)); PyTorch's gelu(1.0) gives 0.8413
    assert f("gelu", [1.0])[0][0] == pytest.approx(0.8413447460685429)


def test_maxout_of_plus_and_minus_x_is_abs():
    y, dy = f("maxout", [-2.0, 3.0], pieces=[(1, 0), (-1, 0)])
    assert y == [2.0, 3.0] and dy == [-1.0, 1.0]


@pytest.mark.parametrize("fn", [*FNS, "maxout"])
def test_derivative_matches_central_difference(fn):
    x = np.array([-2.3, -0.7, 0.4, 1.9])
    h = 1e-6
    y_plus, _ = activation(fn, x + h, 0.1, [(1.0, 0.0), (-0.5, 1.0)])
    y_minus, _ = activation(fn, x - h, 0.1, [(1.0, 0.0), (-0.5, 1.0)])
    _, dy = activation(fn, x, 0.1, [(1.0, 0.0), (-0.5, 1.0)])
    assert dy == pytest.approx((y_plus - y_minus) / (2 * h), abs=1e-6)


def test_sigmoid_and_softplus_are_exact_at_plus_minus_1e4():
    assert f("sigmoid", [-1e4, 1e4]) == ([0.0, 1.0], [0.0, 0.0])
    y, dy = f("softplus", [-1e4, 1e4])
    assert y == [0.0, 1e4] and dy == [0.0, 1.0]
    for fn in [*FNS, "maxout"]:
        y, dy = f(fn, [-1e4, 1e4])
        assert all(math.isfinite(v) for v in y + dy), fn


def test_compute_reads_out_at_a_point_and_finds_saturation():
    result = compute_activations(ActivationParams(fn="sigmoid", at=0.0))
    assert result["at"] == {"x": 0.0, "y": 0.5, "dy": 0.25}
    assert len(result["x"]) == len(result["y"]) == len(result["dy"]) == 401
    # sigmoid'(x) < 0.01 for |x| > ~4.6: two saturated tails on [-6, 6]
    (left, right) = result["saturated"]
    assert left[0] == -6 and -4.7 < left[1] < -4.5
    assert 4.5 < right[0] < 4.7 and right[1] == 6


def test_explicit_x_overrides_the_range_and_compare_adds_curves():
    result = compute_activations(
        ActivationParams(fn="relu", x=[-1, 0, 1], compare=["leaky_relu", "relu", "elu"])
    )
    assert result["y"] == [0, 0, 1]
    assert list(result["compare"]) == ["leaky_relu", "elu"]
    assert result["compare"]["leaky_relu"]["y"] == [-0.01, 0, 1]
    assert result["compare"]["elu"]["dy"] == pytest.approx([math.exp(-1), 1, 1])


def test_alpha_applies_to_leaky_relu():
    result = compute_activations(ActivationParams(fn="leaky_relu", x=[-2.0], alpha=0.2))
    assert result["y"] == [pytest.approx(-0.4)] and result["dy"] == [0.2]


@pytest.mark.parametrize(
    "bad",
    [
        {"x_min": 2, "x_max": 1},
        {"x": [0.0] * 10002},
        {"fn": "swish"},
        {"alpha": -1},
        {"pieces": []},
        {"pieces": [[1, 0]] * 17},
        {"at": float("nan")},
        {"x_max": float("inf")},
    ],
)
def test_invalid_activation_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        ActivationParams(**bad)


def test_softmax_reference_values():
    result = compute_softmax(SoftmaxParams(z=[1, 2, 3]))
    assert result["p"] == pytest.approx([0.0900, 0.2447, 0.6652], abs=5e-5)
    assert result["p"] == pytest.approx([0.09003057, 0.24472847, 0.66524096], abs=1e-8)
    assert sum(result["p"]) == pytest.approx(1.0)
    assert result["argmax"] == 2


def test_softmax_is_shift_invariant_and_stable_at_1e4():
    base = softmax(np.array([1.0, 2.0, 3.0]))
    assert softmax(np.array([10001.0, 10002.0, 10003.0])) == pytest.approx(base, abs=1e-12)
    assert softmax(np.array([-1e4, -1e4 + 1, -1e4 + 2])) == pytest.approx(base, abs=1e-12)
    result = compute_softmax(SoftmaxParams(z=[1, 2, 3], shift=1e4))
    assert result["p"] == pytest.approx(base.tolist(), abs=1e-12)
    assert result["shift_difference"] < 1e-12
    extreme = compute_softmax(SoftmaxParams(z=[-1e4, 1e4]))
    assert extreme["p"] == [0.0, 1.0]


def test_temperature_limits():
    cold = compute_softmax(SoftmaxParams(z=[1, 2, 3], temperature=1e-3))
    assert cold["p"] == pytest.approx([0, 0, 1], abs=1e-12)
    hot = compute_softmax(SoftmaxParams(z=[1, 2, 3], temperature=1e3))
    assert hot["p"] == pytest.approx([1 / 3] * 3, abs=1e-3)
    assert hot["entropy"] == pytest.approx(math.log(3), abs=1e-5)
    # T = 2 equals softmax of z / 2
    half = compute_softmax(SoftmaxParams(z=[1, 2, 3], temperature=2))
    assert half["p"] == pytest.approx(softmax(np.array([0.5, 1.0, 1.5])).tolist())


@pytest.mark.parametrize(
    "bad",
    [{"z": []}, {"z": [0.0] * 51}, {"temperature": 0}, {"temperature": -1},
     {"z": [float("nan")]}, {"z": ["a"]}],
)  # fmt: skip
def test_invalid_softmax_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        SoftmaxParams(**bad)


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.slug)
def test_views_render_svg(demo):
    params = demo.params()
    result = demo.compute(params)
    view = demo.view(params, result)
    svgs = [v for v in view.values() if isinstance(v, str) and v.startswith("<svg")]
    assert svgs and all("nan" not in s.lower() for s in svgs)
