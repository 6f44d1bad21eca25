"""lstm-cell and gru-cell against hand computations in torch.nn.LSTMCell/GRUCell's layout."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.charts.scale import fmt
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


HAND_WEIGHTS = {  # as in test_one_lstm_step_by_hand: i, f, g, o rows of one unit
    "w_ih": [[0.5], [-0.5], [1.0], [0.0]],
    "w_hh": [[0.0], [1.0], [0.0], [0.5]],
    "b_ih": [0.0, 0.0, 0.0, 0.0],
    "b_hh": [0.0, 0.5, 0.0, 0.0],
}


def test_forget_bias_and_input_spike_by_hand():
    params = LSTMParams(sequence=[[2], [0]], weights=HAND_WEIGHTS, forget_bias=1.0, input_spike=1.0)
    first, second = compute_lstm(params)["steps"]
    # step 1: x = 2 + 1 (spike); i = 0.5·3 = 1.5, f = −0.5·3 + 0.5 + 1 (bias) = 0, g = 3, o = 0
    assert first["x"] == [3.0]
    c1 = sig(0) * 0 + sig(1.5) * math.tanh(3)  # c_t = f·c_{t−1} + i·g
    h1 = sig(0) * math.tanh(c1)
    assert first["gates"]["f"] == pytest.approx([0.5]) and first["c"] == pytest.approx([c1])
    assert first["h"] == pytest.approx([h1])
    # step 2: x = 0 (no spike), so g = tanh(0) = 0 and c_2 = f·c_1 with f = σ(h1 + 0.5 + 1)
    f2 = sig(h1 + 1.5)
    assert second["x"] == [0.0]
    assert second["gates"]["f"] == pytest.approx([f2])
    assert second["c"] == pytest.approx([f2 * c1])
    assert compute_lstm(params)["mean_forget"] == pytest.approx((0.5 + f2) / 2)


def test_the_presets_keep_and_forget_the_spike():
    kept = compute_lstm(LSTMParams(**DEMOS[0].examples["memory-kept"]))
    forgotten = compute_lstm(LSTMParams(**DEMOS[0].examples["memory-forgotten"]))
    assert kept["mean_forget"] > 0.99 and forgotten["mean_forget"] < 0.01
    # same spike, same first step: only f differs, and with f ≈ 0 c is just this step's i·g
    assert kept["steps"][0]["c"] == forgotten["steps"][0]["c"]
    last = forgotten["steps"][-1]
    i_g = [i * g for i, g in zip(last["gates"]["i"], last["gates"]["g"], strict=True)]
    assert last["c"] == pytest.approx(i_g, abs=0.01)
    spiked = max(range(3), key=lambda j: abs(kept["steps"][0]["c"][j]))
    assert abs(kept["c"][spiked]) > abs(kept["steps"][0]["c"][spiked])  # the spike is kept


@pytest.mark.parametrize("field", ["forget_bias", "input_spike"])
@pytest.mark.parametrize("value", [10.5, -11, "nan"])
def test_out_of_bounds_gate_controls_are_422_naming_the_field(client, field, value):
    response = client.post("/api/demos/lstm-cell", json={field: value})
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == [field]
    page = client.get(f"/demos/lstm-cell?{field}={value}", headers={"Accept": "text/html"})
    assert page.status_code == 422
    assert f'id="error-{field}" class="field-error">{field}:' in page.text


def test_the_page_has_the_forget_controls_and_their_presets(client):
    page = client.get(
        "/demos/lstm-cell?forget_bias=6&input_spike=3", headers={"Accept": "text/html"}
    )
    text = page.text
    assert page.status_code == 200
    assert 'name="forget_bias"' in text and 'data-sync="f-forget_bias"' in text
    assert 'name="input_spike"' in text and 'data-sync="f-input_spike"' in text
    mean = compute_lstm(LSTMParams(forget_bias=6, input_spike=3))["mean_forget"]
    assert f"<strong>{fmt(mean)}</strong>" in text and "(forget-gate bias 6.0)" in text
    assert "memory kept" in text and "memory forgotten" in text
