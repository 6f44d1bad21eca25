"""lstm-cell and gru-cell against hand computations in torch.nn.LSTMCell/GRUCell's layout."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.recurrent_cells import DEMOS, GRUParams, LSTMParams, compute_gru, compute_lstm
from tests.demos._finite import assert_pages_render, run_or_reject


def sig(x):
    return 1 / (1 + math.exp(-x))


def zeros(gates, hidden=3, inputs=2):
    rows = gates * hidden
    return {
        "w_ih": [[0] * inputs] * rows,
        "w_hh": [[0] * hidden] * rows,
        "b_ih": [0] * rows,
        "b_hh": [0] * rows,
    }


def test_lstm_with_zero_weights_opens_every_sigmoid_gate_halfway():
    result = compute_lstm(LSTMParams(x=[1, 2], h=[1, 1, 1], c=[1, 0, -2], weights=zeros(4)))
    gates = result["gates"]
    assert gates["i"] == gates["f"] == gates["o"] == [0.5] * 3
    assert gates["g"] == [0.0] * 3  # tanh(0): the candidate is 0, not 0.5
    assert result["c"] == [0.5, 0.0, -1.0]  # f·c + i·g = c / 2
    assert result["h"] == pytest.approx([0.5 * math.tanh(c) for c in (0.5, 0.0, -1.0)])


def test_gru_with_zero_weights_halves_the_state():
    result = compute_gru(GRUParams(x=[1, 2], h=[1, 0, -2], weights=zeros(3)))
    assert result["gates"] == {"r": [0.5] * 3, "z": [0.5] * 3, "n": [0.0] * 3}
    assert result["h"] == [0.5, 0.0, -1.0]  # (1 − z)·0 + z·h


def test_one_lstm_step_by_hand():
    weights = {
        "w_ih": [[0.5], [-0.5], [1.0], [0.0]],
        "w_hh": [[0.0], [1.0], [0.0], [0.5]],
        "b_ih": [0.0, 0.0, 0.0, 0.0],
        "b_hh": [0.0, 0.5, 0.0, 0.0],
    }
    params = LSTMParams(hidden=1, input_size=1, x=[2], h=[1], c=[0.5], weights=weights)
    result = compute_lstm(params)
    # pre-activations: i = 0.5·2 = 1, f = −0.5·2 + 1·1 + 0.5 = 0.5, g = 2, o = 0.5·1 = 0.5
    i, f, g, o = sig(1), sig(0.5), math.tanh(2), sig(0.5)
    assert result["gates"]["i"] == pytest.approx([i])
    assert result["gates"]["f"] == pytest.approx([f])
    assert result["gates"]["g"] == pytest.approx([g])
    assert result["gates"]["o"] == pytest.approx([o])
    c = f * 0.5 + i * g
    assert result["c"] == pytest.approx([c])
    assert result["h"] == pytest.approx([o * math.tanh(c)])
    assert result["c"] == pytest.approx([1.0159903])


def test_one_gru_step_by_hand_applies_r_after_the_hidden_matmul():
    weights = {
        "w_ih": [[1.0], [0.0], [2.0]],
        "w_hh": [[0.0], [1.0], [-1.0]],
        "b_ih": [0.0, 0.0, 0.0],
        "b_hh": [0.0, 0.0, 1.0],
    }
    result = compute_gru(GRUParams(hidden=1, input_size=1, x=[1], h=[0.5], weights=weights))
    r, z = sig(1), sig(0.5)
    n = math.tanh(2 + r * (-1 * 0.5 + 1))  # r scales W_hn·h + b_hn, as PyTorch
    assert result["gates"]["r"] == pytest.approx([r])
    assert result["gates"]["z"] == pytest.approx([z])
    assert result["gates"]["n"] == pytest.approx([n])
    assert result["h"] == pytest.approx([(1 - z) * n + z * 0.5])


@pytest.mark.parametrize(
    ("params", "compute"), [(LSTMParams, compute_lstm), (GRUParams, compute_gru)]
)
def test_a_sequence_is_the_chain_of_single_steps(params, compute):
    whole = compute(params(sequence=[[1, 0], [0, 1], [1, 1]], seed=3))
    state = {}
    for step, x in zip(whole["steps"], [[1, 0], [0, 1], [1, 1]], strict=True):
        one = compute(params(x=x, weights=whole["weights"], **state))
        assert one["h"] == pytest.approx(step["h"])
        state = {"h": one["h"], **({"c": one["c"]} if "c" in one else {})}
    assert whole["h"] == whole["steps"][-1]["h"]


def test_default_sequence_is_the_catalogue_one_and_weights_are_seeded_like_pytorch():
    result = compute_lstm(LSTMParams())
    assert [s["x"] for s in result["steps"]] == [[1, 0], [0, 1], [1, 1]]
    w = result["weights"]
    assert len(w["w_ih"]) == 12 and len(w["w_ih"][0]) == 2 and len(w["w_hh"][0]) == 3
    bound = 1 / math.sqrt(3)
    flat = [v for row in w["w_ih"] + w["w_hh"] for v in row] + w["b_ih"] + w["b_hh"]
    assert all(-bound <= v <= bound for v in flat)
    assert compute_lstm(LSTMParams()) == result
    assert compute_lstm(LSTMParams(seed=1))["weights"] != w


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"input_size": 2, "x": [1, 2, 3]}, "x", "needs 2 values (input_size), got 3"),
        ({"hidden": 3, "h": [1]}, "h", "needs 3 values (hidden), got 1"),
        ({"h": [1, 2, 3], "c": [1]}, "c", "needs 3 values"),
        ({"x": [1, 2, 3], "weights": zeros(4)}, "weights", "row of w_ih needs 3 values"),
        ({"input_size": 3, "sequence": [[1, 2]]}, "sequence", "needs 3 values"),
        ({"hidden": 9}, "hidden", "less than or equal to 8"),
        ({"weights": {**zeros(4), "w_hh": [[0, 0, 0]] * 11}}, "weights", "w_hh needs 12 rows"),
        ({"weights": {**zeros(4), "b_ih": [0] * 3}}, "weights", "b_ih needs 12 values"),
        ({"sequence": [[0, 0]] * 17}, "sequence", "at most 16"),
    ],
)
def test_bad_shapes_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        LSTMParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_sizes_are_inferred_from_arrays_in_pytorch_layout():
    """x of 3, h and c of 4, weights (16 × 3, 16 × 4): no input_size or hidden needed."""
    w = {
        "w_ih": [[0.0] * 3] * 16,
        "w_hh": [[0.0] * 4] * 16,
        "b_ih": [0.0] * 16,
        "b_hh": [0.0] * 16,
    }
    params = LSTMParams(x=[1, 2, 3], h=[0, 0, 0, 0], c=[1, 1, 1, 1], weights=w)
    assert (params.input_size, params.hidden) == (3, 4)
    (step,) = compute_lstm(params)["steps"]
    # all pre-activations 0: i = f = o = 0.5, g = 0, so c' = 0.5 · 1 and h' = 0.5 · tanh(0.5)
    assert step["c"] == [0.5] * 4
    assert step["h"] == pytest.approx([0.5 * math.tanh(0.5)] * 4)
    gru = GRUParams(
        x=[1, 2, 3],
        h=[0.5] * 4,
        weights={
            **w,
            "w_ih": [[0.0] * 3] * 12,
            "w_hh": [[0.0] * 4] * 12,
            "b_ih": [0.0] * 12,
            "b_hh": [0.0] * 12,
        },
    )
    assert (gru.input_size, gru.hidden) == (3, 4)


def test_sizes_are_inferred_through_the_json_api(client):
    response = client.post("/api/demos/gru-cell", json={"x": [1, 0, 0], "h": [0, 0, 0, 0]})
    assert response.status_code == 200
    assert len(response.json()["steps"][0]["h"]) == 4


def test_maximum_examples_are_valid():
    for demo in DEMOS:
        result = demo.compute(demo.params(**demo.examples["maximum"]))
        assert len(result["steps"]) == 16


VALUES = st.floats(-1e6, 1e6)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(DEMOS),
    st.integers(1, 4),
    st.integers(1, 3),
    st.data(),
)
def test_random_inputs_are_rejected_or_give_finite_results(demo, hidden, inputs, data):
    rows = (4 if demo.slug == "lstm-cell" else 3) * hidden
    vector = st.lists(VALUES, min_size=hidden, max_size=hidden)
    params = {
        "hidden": hidden,
        "input_size": inputs,
        "sequence": data.draw(
            st.lists(st.lists(VALUES, min_size=inputs, max_size=inputs), max_size=4)
        ),
        "h": data.draw(st.none() | vector),
        "seed": data.draw(st.integers(0, 2**32 - 1)),
    }
    if demo.slug == "lstm-cell":
        params["c"] = data.draw(st.none() | vector)
    if data.draw(st.booleans()):
        params["weights"] = {
            "w_ih": [[data.draw(VALUES)] * inputs] * rows,
            "w_hh": [[data.draw(VALUES)] * hidden] * rows,
            "b_ih": [data.draw(VALUES)] * rows,
            "b_hh": [data.draw(VALUES)] * rows,
        }
    run_or_reject(demo, params)


def test_views_draw_every_gate_and_a_row_per_step():
    for demo in DEMOS:
        params = demo.params()
        shown = demo.view(params, demo.compute(params))
        assert len(shown["rows"]) == 3
        first = "i1" if demo.slug == "lstm-cell" else "r1"
        assert f">{first}<" in shown["gates_svg"]
        assert (shown["rows"][0]["c"] is None) == (demo.slug == "gru-cell")


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.slug)
def test_presets_round_trip_and_render(client, demo):
    assert_pages_render(client, demo)
