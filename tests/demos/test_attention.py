"""attention against a hand-computed 2×2 example; rows sum to 1; the causal mask; saturation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.attention import DEMO, AttentionParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

EYE = [[1, 0], [0, 1]]
V = [[1, 2], [3, 4]]


def test_two_by_two_by_hand():
    # scores = I/√2, so row 0 weighs key 0 by σ(1/√2) = 0.6698 and key 1 by 0.3302
    result = compute(AttentionParams(q=EYE, k=EYE, v=V))
    a = 1 / (1 + math.exp(-1 / math.sqrt(2)))
    np.testing.assert_allclose(result["weights"], [[a, 1 - a], [1 - a, a]])
    np.testing.assert_allclose(result["output"], [[3 - 2 * a, 4 - 2 * a], [1 + 2 * a, 2 + 2 * a]])
    assert result["output"][0] == pytest.approx([1.6604769, 2.6604769])
    assert result["scale"] == pytest.approx(1 / math.sqrt(2))


def test_causal_mask_keeps_only_the_past():
    result = compute(AttentionParams(q=EYE, k=EYE, v=V, causal=True))
    a = 1 / (1 + math.exp(-1 / math.sqrt(2)))
    np.testing.assert_allclose(result["weights"], [[1, 0], [1 - a, a]])
    assert result["masked"] == [[False, True], [False, False]]


@pytest.mark.parametrize("causal", [False, True])
def test_rows_sum_to_one_and_masked_weights_are_exactly_zero(causal):
    result = compute(AttentionParams(length=7, dim=5, causal=causal, seed=2))
    weights = np.array(result["weights"])
    np.testing.assert_allclose(weights.sum(axis=1), 1)
    if causal:
        assert np.all(weights[np.triu_indices(7, k=1)] == 0)
        assert result["entropy"][0] == 0  # the first position can only attend to itself


def test_unscaled_scores_saturate_the_softmax():
    scaled = compute(AttentionParams(dim=64, seed=1))
    raw = compute(AttentionParams(dim=64, seed=1, scaled=False))
    assert raw["score_std"]["used"] > 5 * scaled["score_std"]["used"]
    assert np.mean(raw["max_weight"]) > np.mean(scaled["max_weight"])
    assert np.mean(raw["entropy"]) < 0.5 * np.mean(scaled["entropy"])


def test_seeded_inputs_have_the_requested_shape_and_repeat():
    result = compute(AttentionParams(length=3, dim=4))
    assert np.shape(result["q"]) == (3, 4) and np.shape(result["output"]) == (3, 4)
    assert compute(AttentionParams(length=3, dim=4)) == result


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"q": EYE}, "v", "give q, k and v together"),
        ({"q": EYE, "k": [[1]], "v": [[1]]}, "k", "needs 2 columns, as q"),
        ({"q": EYE, "k": EYE, "v": [[1]]}, "v", "one row per key (2)"),
        ({"length": 17}, "length", "less than or equal to 16"),
        ({"dim": 65}, "dim", "less than or equal to 64"),
        ({"q": [[1] * 65], "k": EYE, "v": V}, "q", "at most 64"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        AttentionParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_maximum_example_is_valid():
    result = compute(AttentionParams(**DEMO.examples["maximum"]))
    assert np.shape(result["weights"]) == (16, 16)


VALUES = st.floats(-1e3, 1e3)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(queries, keys, d, data):
    def matrix(rows, cols):
        return st.lists(
            st.lists(VALUES, min_size=cols, max_size=cols), min_size=rows, max_size=rows
        )

    params = {
        "length": data.draw(st.integers(1, 17)),
        "dim": data.draw(st.integers(1, 65)),
        "causal": data.draw(st.booleans()),
        "scaled": data.draw(st.booleans()),
    }
    if data.draw(st.booleans()):
        params |= {"q": data.draw(matrix(queries, d)), "k": data.draw(matrix(keys, d))}
        params["v"] = data.draw(matrix(keys, data.draw(st.integers(1, 4))))
    run_or_reject(DEMO, params)


def test_view_blanks_the_masked_weights():
    params = AttentionParams(q=EYE, k=EYE, v=V, causal=True)
    shown = DEMO.view(params, compute(params))
    assert shown["weights"][0][1]["text"] == "−"
    assert shown["weights"][0][0]["text"] == "1"
    assert shown["scale"] == "0.7071"
    assert "uniform weights" in shown["entropy_svg"]


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
