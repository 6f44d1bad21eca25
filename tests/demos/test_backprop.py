"""Backprop: hand-computed tiny networks, and analytic = central-difference gradients."""

import math
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.charts.scale import fmt
from app.demos.backprop import DEMO, BackpropParams, compute, view
from app.demos.forms import parse_query
from app.demos.links import demo_href
from tests.demos._finite import assert_pages_render, run_or_reject


def test_one_one_one_relu_network_by_hand():
    r = compute(
        BackpropParams(
            x=[[1]], y=[[0]], W1=[[1]], b1=[0], W2=[[1]], b2=[0], activation="relu", lr=0.5
        )
    )
    assert r["hidden"] == [[1.0]] and r["output"] == [[1.0]] and r["loss"] == 1.0
    # dL/dz2 = 2(z2 − y) = 2, passed unchanged through W2 = 1 and relu'(1) = 1
    assert r["grads"] == {"W1": [[2.0]], "b1": [2.0], "W2": [[2.0]], "b2": [2.0]}
    assert r["updated"] == {"W1": [[0.0]], "b1": [-1.0], "W2": [[0.0]], "b2": [-1.0]}
    assert r["loss_after"] == 1.0  # relu(0) = 0 → output b2 = −1, (−1 − 0)² = 1


def test_two_two_one_sigmoid_network_by_hand():
    p = dict(x=[[1, 2]], y=[[0]], W1=[[0, 0], [0, 0]], b1=[0, 0], W2=[[1, -1]], b2=[0.5])
    r = compute(BackpropParams(**p))
    assert r["hidden"] == [[0.5, 0.5]]
    assert r["output"] == [[0.5]] and r["loss"] == 0.25
    # δ2 = 2·0.5 = 1; ∂L/∂W2 = δ2·h; δ1 = δ2·W2·σ'(0) = [0.25, −0.25]; ∂L/∂W1 = δ1ᵀ x
    assert r["grads"]["W2"] == [[0.5, 0.5]] and r["grads"]["b2"] == [1.0]
    assert r["grads"]["W1"] == [[0.25, 0.5], [-0.25, -0.5]]
    assert r["grads"]["b1"] == [0.25, -0.25]
    assert r["updated"]["W2"] == [[0.75, -1.25]]

    bce = compute(BackpropParams(**p, loss="bce"))
    assert bce["output"][0][0] == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert bce["loss"] == pytest.approx(math.log1p(math.exp(0.5)))  # −log(1 − σ(0.5))
    assert bce["grads"]["b2"][0] == pytest.approx(1 / (1 + math.exp(-0.5)))  # σ(z) − y


def test_mse_is_the_mean_over_all_elements():
    p = dict(x=[[0], [0]], y=[[1, 2], [3, 4]], W1=[[0]], b1=[0], W2=[[0], [0]], b2=[0, 0])
    r = compute(BackpropParams(**p, activation="relu"))
    assert r["loss"] == pytest.approx((1 + 4 + 9 + 16) / 4)
    assert r["grads"]["b2"] == pytest.approx([2 * (-1 - 3) / 4, 2 * (-2 - 4) / 4])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_analytic_gradients_equal_central_differences(activation, loss):
    rng = np.random.default_rng(7)
    p = dict(
        x=rng.normal(size=(5, 3)).tolist(),
        y=rng.uniform(size=(5, 2)).tolist(),
        W1=rng.normal(size=(4, 3)).tolist(),
        b1=rng.normal(size=4).tolist(),
        W2=rng.normal(size=(2, 4)).tolist(),
        b2=rng.normal(size=2).tolist(),
    )
    r = compute(BackpropParams(**p, activation=activation, loss=loss))
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(r["grads"][name], r["numeric_grads"][name], atol=1e-6)
    assert r["max_grad_difference"] < 1e-6


def test_default_is_a_seeded_2_3_1_network_whose_step_lowers_the_loss():
    r = compute(BackpropParams())
    assert np.shape(r["weights"]["W1"]) == (3, 2) and np.shape(r["weights"]["W2"]) == (1, 3)
    assert r == compute(BackpropParams())
    assert r["weights"] != compute(BackpropParams(seed=1))["weights"]
    bound = 1 / math.sqrt(2)  # nn.Linear default init U(−1/√fan_in, 1/√fan_in)
    assert np.all(np.abs(r["weights"]["W1"]) <= bound)
    assert r["loss_after"] < r["loss"]


def test_maximum_example_is_valid_and_finite():
    r = compute(BackpropParams(**DEMO.examples["maximum"]))
    assert np.isfinite(r["loss"]) and r["max_grad_difference"] < 1e-6


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"W1": [[1, 2]], "b1": [0], "W2": [[1]], "b2": [0, 0]}, "b2"),
        ({"W1": [[1, 2, 3]], "b1": [0], "W2": [[1]], "b2": [0]}, "W1"),
        ({"W1": [[1, 2]]}, "b1"),
        ({"y": [[1], [2]]}, "y"),
        ({"x": [[1, 2], [3]], "y": [[1], [1]]}, "x"),
        ({"loss": "bce", "y": [[2.0]]}, "y"),
        ({"x": [[1.0] * 9]}, "x"),
        ({"lr": -1}, "lr"),
    ],
)
def test_bad_shapes_are_rejected_naming_the_field(bad, field):
    with pytest.raises(ValidationError, match=field):
        BackpropParams(**bad)


VALUES = st.floats(-120, 120)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.data())
def test_random_inputs_are_rejected_or_finite(samples, inputs, hidden, outputs, data):
    def matrix(rows, cols):
        return data.draw(
            st.lists(st.lists(VALUES, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
        )

    params = {
        "x": matrix(samples, inputs),
        "y": matrix(samples, outputs),
        "activation": data.draw(st.sampled_from(["sigmoid", "tanh", "relu"])),
        "loss": data.draw(st.sampled_from(["mse", "bce"])),
        "lr": data.draw(st.floats(-1, 11)),
    }
    if data.draw(st.booleans()):
        params |= {
            "W1": matrix(hidden, inputs),
            "b1": matrix(1, hidden)[0],
            "W2": matrix(outputs, hidden),
            "b2": matrix(1, outputs)[0],
        }
    run_or_reject(DEMO, params)


PRESETS = {name: p for name, p in DEMO.examples.items() if name != "maximum"}


def test_dead_relu_preset_by_hand():
    r = compute(BackpropParams(**PRESETS["dead-relu-unit"]))
    # z1 = W1 x + b1 = [0.75, −1.25, 0.3]; h = relu(z1) = [0.75, 0, 0.3]
    assert r["hidden"][0] == pytest.approx([0.75, 0.0, 0.3])
    # ŷ = 0.6·0.75 + 0.8·0 − 0.4·0.3 = 0.33; L = (0.33 − 1)² = 0.4489; δ2 = 2(0.33 − 1) = −1.34
    assert r["loss"] == pytest.approx(0.4489)
    assert r["grads"]["W2"][0] == pytest.approx([-1.005, 0.0, -0.402])  # δ2·h
    # δ1 = δ2·W2 ⊙ relu′(z1) = [−0.804, 0, 0.536]: the dead unit passes no gradient
    np.testing.assert_allclose(r["grads"]["W1"], [[-0.804, -0.402], [0, 0], [0.536, 0.268]])
    assert r["grads"]["W1"][1] == [0.0, 0.0] and r["updated"]["W1"][1] == [-1.0, -0.5]


def test_a_step_that_raises_the_loss_says_why_and_what_lowers_it():
    too_large = BackpropParams(**PRESETS["step-too-large"])
    r = compute(too_large)
    assert r["loss_after"] > r["loss"] and r["step_losses"][0] == r["loss_after"]
    learning = compute(BackpropParams(**PRESETS["learning"]))  # the same network, lr halved
    assert r["smaller_lr"] == {"lr": 0.25, "loss_after": learning["loss_after"]}
    assert learning["loss_after"] < learning["loss"] and learning["smaller_lr"] is None
    # the second and third steps: each is an SGD step from the weights the previous one left
    second = compute(too_large.model_copy(update=_weights(r["updated"])))
    assert r["step_losses"][1] == pytest.approx(second["loss_after"])
    text = view(too_large, r)["step_text"]
    assert text.startswith("The step raised the loss: lr = 0.5")
    assert f"{fmt(r['step_losses'][1])}, then {fmt(r['step_losses'][2])}" in text
    assert f"With lr = 0.25 the same step lowers the loss to {fmt(learning['loss_after'])}" in text
    drop = 100 * (learning["loss"] - learning["loss_after"]) / learning["loss"]
    assert view(BackpropParams(**PRESETS["learning"]), learning)["step_text"].startswith(
        f"The step lowered the loss by {fmt(drop)} %"
    )


def _weights(w):
    return {name: w[name] for name in ("W1", "b1", "W2", "b2")}


def test_page_shows_the_legend_the_step_text_and_every_preset(client):
    page = client.get("/demos/backprop", headers={"Accept": "text/html"}).text
    assert 'class="demo-legend"' in page
    for words in ("positive weight", "negative weight (dashed)", "thickness ∝ |w|", "∂L/∂z"):
        assert words in page
    r = compute(BackpropParams())
    largest = fmt(max(abs(v) for row in r["weights"]["W1"] for v in row))
    assert f"the thickest edge is |w| = {largest} into the hidden layer" in page
    assert view(BackpropParams(), r)["step_text"] in page
    for preset in PRESETS.values():
        assert f'href="{demo_href("backprop", preset)}"'.replace("&", "&amp;") in page


def test_each_preset_link_reproduces_its_parameters_and_numbers(client):
    assert_pages_render(client, DEMO)
    for preset in PRESETS.values():
        href = demo_href("backprop", preset)
        query = {k: v for k, v in parse_qs(urlsplit(href).query).items()}
        assert parse_query(BackpropParams, query).params == BackpropParams(**preset)
        r = compute(BackpropParams(**preset))
        page = client.get(href, headers={"Accept": "text/html"}).text
        assert f"Loss <strong>{fmt(r['loss'])}</strong>" in page
        assert f"<strong>{fmt(r['loss_after'])}</strong>" in page


def test_edges_and_nodes_carry_their_numbers_for_a_tap(client):
    href = demo_href("backprop", PRESETS["dead-relu-unit"])
    page = client.get(href, headers={"Accept": "text/html"}).text
    dead = 'class="edge series-2 negative" tabindex="0" data-detail="W1[1,0] = -1: ∂L/∂w = 0,'
    assert dead + ' after the step -1"' in page
    # W2[0,0] ← 0.6 − 0.25·(−1.005) = 0.85125
    assert 'data-detail="W2[0,0] = 0.6: ∂L/∂w = -1.005, after the step 0.8513"' in page
    assert 'class="node" tabindex="0" data-detail="h2: z -1.25 → 0, δ 0 = ∂L/∂z"' in page
    assert 'class="demo-detail" aria-live="polite"' in page
