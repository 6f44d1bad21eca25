"""beam-search: Hugging Face's rules on a three-token model by hand, ties, greedy, exhaustive."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.beam_search import DEMO, WORDS, BeamSearchParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

GIVEN = DEMO.examples["given"]
LP = GIVEN["log_probs"]  # ln of [.5 .45 .05], [.05 .05 .9], [.34 .33 .33]; eos = 2


def test_three_token_model_by_hand():
    # step 1: 0 (.5), 1 (.45); the eos candidate ranks 3rd and is dropped.
    # step 2: "1 2" (.405) ranks 1st: finished; "0 0" (.25), "0 1" (.225) go on.
    # step 3: "0 1 2" (.2025) ranks 1st: finished; "0 0 0", "0 0 1" are cut off.
    result = compute(BeamSearchParams(**GIVEN))
    s12 = LP[0][1] + LP[1][2]
    s012 = LP[0][0] + LP[0][1] + LP[1][2]
    assert result["best"] == {"tokens": [1, 2], "score": pytest.approx(s12 / 2)}
    assert [b["tokens"] for b in result["beams"]] == [[1, 2], [0, 1, 2]]
    assert result["beams"][1]["score"] == pytest.approx(s012 / 3)
    assert all(b["finished"] for b in result["beams"])
    assert [[h["tokens"] for h in s["live"]] for s in result["history"]] == [
        [[0], [1]], [[0, 0], [0, 1]], [[0, 0, 0], [0, 0, 1]],
    ]  # fmt: skip
    # greedy: 0, 0, 0 (0.5 each), never reaching eos; mean log-probability ln 0.5
    assert result["greedy"]["tokens"] == [0, 0, 0]
    assert result["greedy"]["score"] == pytest.approx(3 * LP[0][0] / 3)
    assert result["exhaustive"]["tokens"] == [1, 2]


def test_length_penalty_zero_is_the_plain_sum():
    result = compute(BeamSearchParams(**{**GIVEN, "length_penalty": 0.0}))
    assert result["best"]["score"] == pytest.approx(LP[0][1] + LP[1][2])
    result = compute(BeamSearchParams(**{**GIVEN, "length_penalty": 2.0}))
    # "0 1 2": Σ / 9 = −0.1774 beats "1 2": Σ / 4 = −0.2260
    assert result["best"]["tokens"] == [0, 1, 2]


def test_ties_go_to_the_earlier_beam_and_the_lower_token():
    uniform = [[math.log(1 / 3)] * 3 for _ in range(3)]
    result = compute(BeamSearchParams(log_probs=uniform, beam_width=2, steps=2))
    assert [h["tokens"] for h in result["history"][0]["live"]] == [[0], [1]]
    assert [b["tokens"] for b in result["beams"]] == [[0, 0], [0, 1]]
    assert result["greedy"]["tokens"] == [0, 0]


def test_an_eos_ranked_below_the_beam_width_is_discarded():
    # from 0: token 1 (.6), token 0 (.3), eos 2 (.1): with width 2 the eos candidate is 3rd
    lp = [[math.log(0.3), math.log(0.6), math.log(0.1)]] * 3
    result = compute(BeamSearchParams(log_probs=lp, eos=2, beam_width=2, steps=1))
    assert result["history"][0]["finished"] == []
    wide = compute(BeamSearchParams(log_probs=lp, eos=2, beam_width=3, steps=1))
    assert [h["tokens"] for h in wide["history"][0]["finished"]] == [[2]]


def test_hugging_face_example_greedy_misses_the_dog():
    result = compute(BeamSearchParams(**DEMO.examples["greedy-misses"]))
    words = [WORDS[t] for t in result["best"]["tokens"]]
    assert words == ["dog", "has", "a"]
    assert [WORDS[t] for t in result["greedy"]["tokens"]] == ["nice", "woman", "."]
    # "dog has" ≈ 0.4 · 0.6 … the model keeps 1e-4 for every other word, renormalized
    second = result["history"][1]["live"]
    assert [[WORDS[t] for t in h["tokens"]] for h in second] == [["dog", "has"], ["nice", "woman"]]
    assert math.exp(second[0]["sum"]) == pytest.approx(0.4 * 0.9, rel=0.01)


def test_beam_of_one_without_eos_is_greedy():
    result = compute(BeamSearchParams(model="seeded", vocab=6, beam_width=1, steps=6, seed=3))
    assert result["best"]["tokens"] == result["greedy"]["tokens"]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(1, 4), st.booleans(),
       st.floats(-1, 2))  # fmt: skip
def test_exhaustive_equals_brute_force_and_bounds_beam(seed, vocab, steps, with_eos, penalty):
    params = BeamSearchParams(model="seeded", vocab=vocab, seed=seed, steps=steps,
                              eos=vocab - 1 if with_eos else None, beam_width=2,
                              length_penalty=penalty)  # fmt: skip
    result = compute(params)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((vocab, vocab)) * 2.0
    lp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    eos = vocab - 1 if with_eos else None
    best = -math.inf
    for length in range(1, steps + 1):
        for seq in itertools.product(range(vocab), repeat=length):
            if eos is not None and eos in seq[:-1]:
                continue
            if length < steps and seq[-1] != eos:
                continue
            total, last = 0.0, 0
            for t in seq:
                total, last = total + lp[last, t], t
            best = max(best, total / length**penalty)
    assert result["exhaustive"]["score"] == pytest.approx(best)
    assert result["best"]["score"] <= best + 1e-12


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"log_probs": [[-1, -1, -1], [-1, -1, -1]]}, "log_probs", "must be square"),
        ({"log_probs": [[-1, -1], [-1, -1]], "start": 2}, "start", "not one of the 2 tokens"),
        ({"log_probs": [[-1, -1], [-1, -1]], "eos": 5}, "eos", "not one of the 2 tokens"),
        ({"model": "seeded", "vocab": 4, "eos": 4}, "eos", "not one of the 4 tokens"),
        ({"log_probs": [[0.5, -1], [-1, -1]]}, "log_probs", "less than or equal to 0"),
        ({"beam_width": 0}, "beam_width", "greater than or equal to 1"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        BeamSearchParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/beam-search", json={"log_probs": [[-1, -1], [-1, -1]], "start": 3})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "start"] for e in r.json()["detail"])


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(v, data):
    lp = data.draw(st.lists(st.lists(st.floats(-1e4, 0), min_size=v, max_size=v),
                            min_size=v, max_size=v))  # fmt: skip
    run_or_reject(DEMO, {"log_probs": lp, "eos": data.draw(st.one_of(st.none(), st.integers(0, 4))),
                         "beam_width": data.draw(st.integers(1, 5)),
                         "steps": data.draw(st.integers(1, 5)),
                         "length_penalty": data.draw(st.floats(-5, 5))})  # fmt: skip


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
