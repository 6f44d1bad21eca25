"""decoding: each stage of the pipeline against hand-computed values, its tie rules and order."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.decoding import DEMO, DecodingParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject


def run(**values):
    return compute(DecodingParams(**values))


def test_plain_softmax_by_hand():
    result = run(logits=[1, 2, 3])
    total = math.e + math.e**2 + math.e**3
    expected = [math.e / total, math.e**2 / total, math.e**3 / total]
    assert result["probs"] == pytest.approx(expected)
    assert result["kept"] == [0, 1, 2]
    assert result["entropy"] == pytest.approx(-sum(p * math.log(p) for p in expected))


def test_temperature_divides_the_logits():
    # logits [0, ln 4] at T = 2 are [0, ln 2]: probabilities 1/3 and 2/3
    result = run(logits=[0, math.log(4)], temperature=2)
    assert result["probs"] == pytest.approx([1 / 3, 2 / 3])


def test_repetition_penalty_divides_positive_and_multiplies_negative_logits_once():
    # history [0, 0, 1]: token 0 (logit 2) -> 1, token 1 (logit -2) -> -4, token 2 untouched
    result = run(logits=[2, -2, 1], history=[0, 0, 1], repetition_penalty=2)
    assert result["penalized_logits"] == pytest.approx([1, -4, 1])
    e = [math.e, math.exp(-4), math.e]
    assert result["probs"] == pytest.approx([v / sum(e) for v in e])


def test_top_k_ties_go_to_the_lower_index():
    result = run(logits=[1, 3, 1, 1], top_k=2)
    assert result["kept"] == [0, 1]
    e3 = math.exp(3)
    assert result["probs"] == pytest.approx([math.e / (math.e + e3), e3 / (math.e + e3), 0, 0])


def test_top_p_keeps_up_to_and_including_the_token_that_reaches_p():
    # four equal tokens: the cumulative sum reaches 0.5 exactly at the second (ties -> lower index)
    assert run(logits=[0, 0, 0, 0], top_p=0.5)["kept"] == [0, 1]
    assert run(logits=[0, 0, 0, 0], top_p=0.51)["kept"] == [0, 1, 2]
    # probabilities 0.5, 0.3, 0.15, 0.05: p = 0.8 is reached at the second token
    probs = [0.5, 0.3, 0.15, 0.05]
    result = run(logits=[math.log(p) for p in probs], top_p=0.8)
    assert result["kept"] == [0, 1]
    assert result["probs"] == pytest.approx([0.625, 0.375, 0, 0])
    # below the largest probability: only the arg-max survives
    assert run(logits=[math.log(p) for p in probs], top_p=0.1)["kept"] == [0]
    assert run(logits=[math.log(p) for p in probs], top_p=1.0)["kept"] == [0, 1, 2, 3]


def test_min_p_scales_with_the_largest_probability():
    # min_p 0.2 × 0.5 = 0.1: tokens 0, 1, 2 stay; renormalized over 0.95
    probs = [0.5, 0.3, 0.15, 0.05]
    result = run(logits=[math.log(p) for p in probs], min_p=0.2)
    assert result["kept"] == [0, 1, 2]
    assert result["probs"] == pytest.approx([0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0])


def test_filters_work_on_the_renormalized_output_of_the_previous_one():
    # top_k 3 leaves 0.5, 0.3, 0.15 -> 0.5263, 0.3158, 0.1579; top_p 0.8 then stops at the
    # second token (0.8421 ≥ 0.8), where on the raw distribution it would also stop there;
    # top_p 0.85 needs the third after top_k (0.8421 < 0.85) — and min_p 0.35 then keeps
    # tokens ≥ 0.35 × 0.5263 = 0.1842: the first two.
    probs = [0.5, 0.3, 0.15, 0.05]
    logits = [math.log(p) for p in probs]
    assert run(logits=logits, top_k=3, top_p=0.85)["kept"] == [0, 1, 2]
    result = run(logits=logits, top_k=3, top_p=0.85, min_p=0.35)
    assert result["kept"] == [0, 1]
    assert result["probs"] == pytest.approx([0.625, 0.375, 0, 0])
    assert [s["kept"] for s in result["stages"]] == [4, 3, 3, 2]


def test_entropy_of_two_equal_tokens_is_ln_2():
    assert run(logits=[5, 5, -20], top_k=2)["entropy"] == pytest.approx(math.log(2))


def test_samples_come_from_the_kept_set_and_follow_the_distribution():
    result = run(logits=[0, math.log(3), -5], top_p=0.9, samples=10_000, seed=3)
    assert set(result["samples"]) <= set(result["kept"]) == {0, 1}
    assert np.mean(np.array(result["samples"]) == 1) == pytest.approx(0.75, abs=0.02)
    assert run(logits=[0, math.log(3), -5], samples=50, seed=3) == run(
        logits=[0, math.log(3), -5], samples=50, seed=3
    )


def test_preset_context_has_twenty_named_tokens_and_its_words_as_history():
    result = run()
    assert len(result["tokens"]) == 20 and result["tokens"][0] == "mat"
    assert [result["tokens"][i] for i in result["history"]] == ["the", "cat", "sat", "on", "the"]
    assert run(logits=[1, 2])["history"] == []
    assert run(context="two-plus-two-is")["history"] == [3, 13, 3, 14]  # two, plus, two, is


def test_a_low_temperature_is_nearly_greedy_and_a_confident_context_needs_one_token():
    assert run(temperature=0.05, samples=200)["samples"] == [0] * 200
    assert run(context="two-plus-two-is", top_p=0.8)["kept"] == [0]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"logits": [1, 2], "top_k": 3}, "top_k", "more than the 2 logits"),
        ({"top_k": 21}, "top_k", "context's 20 tokens"),
        ({"logits": [1, 2], "history": [2]}, "history", "token 2 is not one of the 2 logits"),
        ({"history": [25]}, "history", "context's 20 tokens"),
        ({"temperature": 0}, "temperature", "greater than 0"),
        ({"top_p": 0}, "top_p", "greater than 0"),
        ({"min_p": 1}, "min_p", "less than 1"),
        ({"repetition_penalty": 0.5}, "repetition_penalty", "greater than or equal to 1"),
        ({"logits": [0.0] * 257}, "logits", "at most 256"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        DecodingParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/decoding", json={"logits": [1, 2], "top_k": 5})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "top_k"] for e in r.json()["detail"])
    ok = client.post("/api/demos/decoding", json={"logits": [1, 2, 3], "top_k": 1})
    assert ok.status_code == 200 and ok.json()["kept"] == [2]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=12),
    st.floats(0.01, 100),
    st.one_of(st.none(), st.integers(1, 14)),
    st.one_of(st.none(), st.floats(0.001, 1)),
    st.one_of(st.none(), st.floats(0, 0.999)),
    st.lists(st.integers(0, 14), max_size=5),
)
def test_random_inputs_are_rejected_or_give_finite_results(logits, t, k, p, m, history):
    run_or_reject(
        DEMO,
        {"logits": logits, "temperature": t, "top_k": k, "top_p": p, "min_p": m,
         "history": history, "repetition_penalty": 1.5, "samples": 5},
    )  # fmt: skip


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
