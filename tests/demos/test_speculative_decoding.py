"""speculative-decoding: α = Σ min(p, q), (1 − α^(γ+1))/(1 − α), and the output follows p."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.speculative_decoding import DEMO, SpeculativeDecodingParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

P = [0.35, 0.2, 0.15, 0.1, 0.08, 0.06, 0.04, 0.02]
Q = [0.25, 0.25, 0.1, 0.15, 0.05, 0.1, 0.05, 0.05]
CHI2_999 = {7: 24.322, 3: 16.266, 1: 10.828}  # chi-square 99.9% quantiles by degrees of freedom


def chi_square(counts, probs):
    counts, probs = np.array(counts, dtype=float), np.array(probs, dtype=float)
    expected = counts.sum() * probs
    seen = expected > 0
    assert counts[~seen].sum() == 0  # never a token the target gives probability 0
    return float(((counts[seen] - expected[seen]) ** 2 / expected[seen]).sum())


def test_acceptance_rate_and_expected_tokens_by_hand():
    # Σ min = .25 + .2 + .1 + .1 + .05 + .06 + .04 + .02 = 0.82
    r = compute(SpeculativeDecodingParams(target=P, draft=Q, gamma=4))
    assert r["acceptance_rate"] == pytest.approx(0.82)
    assert r["expected_tokens"] == pytest.approx((1 - 0.82**5) / (1 - 0.82))  # 3.4959
    assert r["expected_tokens"] == pytest.approx(3.49589, abs=1e-5)


def test_unnormalized_weights_are_normalized():
    r = compute(SpeculativeDecodingParams(target=[3, 1], draft=[1, 1], gamma=1))
    assert r["target"] == [0.75, 0.25]
    assert r["acceptance_rate"] == pytest.approx(0.5 + 0.25)
    assert r["expected_tokens"] == pytest.approx(1 + 0.75)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_first_emitted_token_follows_the_target(seed):
    r = compute(SpeculativeDecodingParams(target=P, draft=Q, trials=10_000, seed=seed))
    assert chi_square(r["counts"], P) < CHI2_999[7]
    # and not the draft: q is far from p at 10,000 trials
    assert chi_square(r["counts"], Q) > 10 * CHI2_999[7]


def test_empirical_tokens_match_the_formula():
    r = compute(SpeculativeDecodingParams(target=P, draft=Q, gamma=4, trials=10_000, seed=3))
    # tokens per call take values 1..5; their std is below 2, so 4 standard errors < 0.08
    assert abs(r["empirical_tokens"] - r["expected_tokens"]) < 0.08
    assert abs(r["empirical_acceptance"] - 0.82) < 4 * np.sqrt(0.82 * 0.18 / 10_000)


def test_identical_models_accept_everything():
    r = compute(SpeculativeDecodingParams(target=P, draft=P, gamma=5, trials=500))
    assert r["acceptance_rate"] == pytest.approx(1.0)
    assert r["expected_tokens"] == 6 and r["empirical_tokens"] == 6


def test_disjoint_models_resample_from_the_target():
    r = compute(
        SpeculativeDecodingParams(
            target=[0.5, 0.5, 0, 0], draft=[0, 0, 0.5, 0.5], trials=4000, seed=2
        )
    )
    assert r["acceptance_rate"] == 0 and r["expected_tokens"] == 1 and r["empirical_tokens"] == 1
    assert r["counts"][2] == r["counts"][3] == 0
    assert chi_square(r["counts"], [0.5, 0.5, 0, 0]) < CHI2_999[1]


def test_trace_is_consistent():
    r = compute(SpeculativeDecodingParams(gamma=3))
    for t in r["trace"]:
        assert len(t["emitted"]) == t["accepted"] + 1
        assert t["emitted"][: t["accepted"]] == t["drafted"][: t["accepted"]]


def test_same_seed_same_result():
    assert compute(SpeculativeDecodingParams(seed=5)) == compute(SpeculativeDecodingParams(seed=5))


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"draft": [0.5, 0.5]}, "draft", "draft has 2 tokens but target has 8"),
        ({"target": [0, 0]}, "target", "at least one positive weight"),
        ({"target": [-1, 2], "draft": [1, 1]}, "target", "greater than or equal to 0"),
        ({"gamma": 17}, "gamma", "less than or equal to 16"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        SpeculativeDecodingParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/speculative-decoding", json={"draft": [1, 2, 3]})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "draft"] for e in r.json()["detail"])
    assert "target has 8" in r.text


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 8), st.integers(1, 16), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(n, gamma, data):
    weights = st.lists(st.floats(0, 1e6), min_size=n, max_size=n)
    run_or_reject(
        DEMO,
        {"target": data.draw(weights), "draft": data.draw(weights), "gamma": gamma, "trials": 200},
    )


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
