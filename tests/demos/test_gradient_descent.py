"""Gradient descent: torch.optim update rules checked against steps computed by hand."""

import math

import pytest
from pydantic import ValidationError

from app.demos.gradient_descent import DEMO, GradientDescentParams, compute, divergence_text, view


def path(**kw):
    return compute(GradientDescentParams(**kw))["path"]


def xs(**kw):
    return [p[0] for p in path(function="parabola", start=[1.0], **kw)]


def test_sgd_on_the_bowl_by_hand():
    # g = (x, 10y) at (-4, 2) is (-4, 20): (-4, 2) - 0.1·(-4, 20) = (-3.6, 0)
    assert path(lr=0.1, steps=1) == [[-4.0, 2.0], [pytest.approx(-3.6), pytest.approx(0.0)]]


def test_sgd_on_the_parabola():
    # x ← x − lr·2x = 0.8x
    assert xs(optimizer="sgd", lr=0.1, steps=3) == pytest.approx([1, 0.8, 0.64, 0.512])


def test_momentum_by_hand():
    # b1 = g0 = 2 → x1 = 1 − 0.2 = 0.8; g1 = 1.6, b2 = 0.9·2 + 1.6 = 3.4 → x2 = 0.8 − 0.34
    assert xs(optimizer="momentum", lr=0.1, steps=2) == pytest.approx([1, 0.8, 0.46])


def test_nesterov_by_hand():
    # b1 = 2, step g + μb = 3.8 → x1 = 0.62; g1 = 1.24, b2 = 1.8 + 1.24 = 3.04,
    # step 1.24 + 0.9·3.04 = 3.976 → x2 = 0.62 − 0.3976 = 0.2224
    assert xs(optimizer="nesterov", lr=0.1, steps=2) == pytest.approx([1, 0.62, 0.2224])


def test_rmsprop_by_hand():
    # v1 = 0.01·4 = 0.04 → x1 = 1 − 0.01·2/0.2 = 0.9
    # v2 = 0.99·0.04 + 0.01·1.8² = 0.072 → x2 = 0.9 − 0.01·1.8/√0.072
    expected = [1, 0.9, 0.9 - 0.018 / math.sqrt(0.072)]
    assert xs(optimizer="rmsprop", lr=0.01, steps=2) == pytest.approx(expected, abs=1e-7)


def test_adagrad_by_hand():
    # s1 = 4 → x1 = 1 − 0.1·2/2 = 0.9; s2 = 4 + 3.24 = 7.24 → x2 = 0.9 − 0.18/√7.24
    expected = [1, 0.9, 0.9 - 0.18 / math.sqrt(7.24)]
    assert xs(optimizer="adagrad", lr=0.1, steps=2) == pytest.approx(expected, abs=1e-9)


def test_adam_by_hand():
    # step 1: m̂ = g, v̂ = g² → x1 = 1 − 0.1·sign(2) = 0.9
    # step 2: g = 1.8, m = 0.9·0.2 + 0.1·1.8 = 0.36, v = 0.999·0.004 + 0.001·3.24 = 0.007236
    #   x2 = 0.9 − (0.1/0.19)·0.36 / (√0.007236/√0.001999 + 1e-8) = 0.800412...
    step2 = (0.1 / 0.19) * 0.36 / (math.sqrt(0.007236) / math.sqrt(1 - 0.999**2) + 1e-8)
    assert xs(optimizer="adam", lr=0.1, steps=2) == pytest.approx([1, 0.9, 0.9 - step2])
    assert 0.9 - step2 == pytest.approx(0.800412, abs=1e-6)


def test_adam_first_step_is_minus_lr_times_sign_of_the_gradient():
    # at (-4, 2) on the bowl g = (-4, 20): the first step is (+lr, −lr) whatever the scale
    first = path(optimizer="adam", lr=0.3, steps=1)[1]
    assert first == [pytest.approx(-3.7), pytest.approx(1.7)]


def test_hyperparameters_are_used():
    slow = xs(optimizer="momentum", lr=0.1, momentum=0.5, steps=2)
    assert slow == pytest.approx([1, 0.8, 0.8 - 0.1 * (0.5 * 2 + 1.6)])
    custom = xs(optimizer="adam", lr=0.1, betas=(0.5, 0.5), eps=0.5, steps=1)
    assert custom == pytest.approx([1, 1 - 0.1 * 2 / (2 + 0.5)])


def test_bowl_diverges_exactly_above_lr_0_2():
    at = compute(GradientDescentParams(function="bowl", lr=0.2, steps=10_000))
    assert not at["diverged"] and at["diverged_at"] is None and len(at["path"]) == 10_001
    above = compute(GradientDescentParams(function="bowl", lr=0.21, steps=10_000))
    # y_k = 2·(−1.1)^k, loss ≥ 5·y² > 1e12 first when 20·1.21^k > 1e12, i.e. k = 130
    assert above["diverged"] and above["diverged_at"] == 130
    assert len(above["path"]) == len(above["loss"]) == 130
    assert max(above["loss"]) <= 1e12
    assert above["critical_lr"] == pytest.approx(0.2)


def test_divergence_is_explained():
    params = GradientDescentParams(function="bowl", lr=0.25, steps=500)
    result = compute(params)
    text = view(params, result)["runs"][0]["diverged"]
    assert f"step {result['diverged_at']}" in text and "2/λ_max = 0.2" in text
    assert divergence_text({"diverged": False}, params) == ""


def test_overflow_stops_the_run_without_warnings():
    result = compute(GradientDescentParams(function="rosenbrock", lr=10, steps=10_000))
    assert result["diverged"] and result["diverged_at"] < 10
    assert all(math.isfinite(v) for p in result["path"] for v in p)


def test_the_saddle_escapes_along_y():
    result = compute(GradientDescentParams(function="saddle", start=[1.0, 0.5], lr=0.1, steps=200))
    # y grows by 1.2 per step: |loss| ≈ (0.5·1.2^k)² passes 1e12 at k = 80
    assert result["diverged"] and result["diverged_at"] == 80


def test_minima_are_reached():
    r = compute(GradientDescentParams(function="himmelblau", start=[1, 1], lr=0.01, steps=500))
    assert r["path"][-1] == [pytest.approx(3.0, abs=1e-4), pytest.approx(2.0, abs=1e-4)]
    r = compute(GradientDescentParams(function="double-well", start=[2.0], lr=0.01, steps=500))
    x = r["path"][-1][0]
    assert 4 * x**3 - 6 * x + 1 == pytest.approx(0, abs=1e-6)  # a stationary point


def test_compare_runs_a_second_optimizer():
    r = compute(GradientDescentParams(compare_optimizer="adam", compare_lr=0.3, steps=5))
    assert r["compare"]["optimizer"] == "adam" and r["compare"]["lr"] == 0.3
    assert len(r["compare"]["path"]) == 6
    assert "compare" not in compute(GradientDescentParams())


def test_batch_view_iterations_per_epoch():
    r = compute(GradientDescentParams(view="batch", batch_size=8, steps=40))
    runs = {run["batch_size"]: run for run in r["batch"]["runs"]}
    assert sorted(runs) == [1, 8, 64]
    assert runs[8]["iterations_per_epoch"] == 8 and runs[8]["epochs"] == 5
    assert runs[1]["iterations_per_epoch"] == 64 and runs[64]["iterations_per_epoch"] == 1
    assert r["path"] == runs[8]["path"] and len(r["path"]) == 41
    # full batch is deterministic gradient descent: its loss never increases at a small lr
    loss = runs[64]["loss"]
    assert all(b <= a + 1e-12 for a, b in zip(loss, loss[1:], strict=False))


def test_batch_view_with_a_huge_learning_rate_diverges_cleanly():
    r = compute(GradientDescentParams(view="batch", lr=10, steps=1000))
    assert r["diverged"]


def test_one_dimensional_functions_use_the_first_start_value():
    assert path(function="parabola", start=[3.0, 9.0], steps=0) == [[3.0]]


@pytest.mark.parametrize(
    "bad",
    [
        {"lr": 0},
        {"lr": 11},
        {"steps": 10_001},
        {"steps": -1},
        {"start": [1.0]},
        {"start": [1.0, 2.0, 3.0]},
        {"start": [1e3, 0]},
        {"betas": [0.9, 1.0]},
        {"momentum": 1.0},
        {"eps": 0},
        {"optimizer": "lbfgs"},
        {"function": "ackley"},
        {"lr": float("nan")},
        {"batch_size": 65},
    ],
)
def test_invalid_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        GradientDescentParams(**bad)


@pytest.mark.parametrize("name", sorted(DEMO.examples))
def test_examples_render(name):
    params = GradientDescentParams(**DEMO.examples[name])
    result = compute(params)
    rendered = view(params, result)
    svgs = [v for v in rendered.values() if isinstance(v, str) and v.startswith("<svg")]
    assert len(svgs) >= 1 and not any("nan" in s.lower() for s in svgs)


def test_rosenbrock_paths_are_told_apart_by_colour_and_marker_with_start_end_and_minimum():
    """Issue 18: Adam's path was pale pink on a pale valley and its end had the colour of "min"."""
    params = GradientDescentParams(**DEMO.examples["rosenbrock-sgd-vs-adam"])
    result = compute(params)
    sgd_plot, adam_plot = view(params, result)["path_plots"]
    for svg in (sgd_plot, adam_plot):
        assert "tone-grey" in svg  # a neutral map under the coloured paths
        assert svg.count('class="mark start') == 1 and svg.count('class="mark minimum') == 1
        assert svg.count('class="mark end') == 1
    # each run its own colour-blind-safe colour and marker, also on its end point
    assert 'class="series cb-1"' in sgd_plot and "<circle" in sgd_plot
    assert 'class="series cb-2"' in adam_plot and 'class="marker"' in adam_plot
    assert 'class="mark end cb-2' in adam_plot and 'class="mark end cb-1' in sgd_plot
    # the minimum is a star at (1, 1), not a dot of a path's colour
    assert 'class="mark minimum mark-star"' in adam_plot
    # the end mark sits at the run's last point: Adam stops near the valley floor
    x_end, y_end = result["compare"]["path"][-1]
    assert 0 < x_end < 1 and 0 < y_end < 1
    # a long path shows at most 30 markers, so the line itself stays visible
    assert adam_plot.count('class="marker"') <= 31  # 30 on the path, 1 in the legend
    # both runs in the loss plot keep their colours
    loss = view(params, result)["loss_plot"]
    assert 'class="series cb-1"' in loss and 'class="series cb-2"' in loss
