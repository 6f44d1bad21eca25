"""moe-router: top-k and gates, capacity in token order, Switch's aux loss, all by hand."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.moe_router import DEMO, MoeRouterParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

GIVEN = [[2, 0], [1, 0], [3, 0], [0, 1]]


def sig(x):
    return 1 / (1 + math.exp(-x))


def test_capacity_and_aux_loss_by_hand():
    # top-1 picks e0, e0, e0, e1; capacity ⌈1.0 · 4 · 1 / 2⌉ = 2, so token 2's slot drops
    r = compute(MoeRouterParams(logits=GIVEN, top_k=1, capacity_factor=1.0))
    assert r["experts"] == [[0], [0], [0], [1]]
    assert r["gates"] == [[1.0]] * 4
    assert r["capacity"] == 2
    assert r["dropped"] == [[2, 0]]
    assert r["load"] == [2, 1]
    # f = (3/4, 1/4); P0 = mean(σ(2), σ(1), σ(3), σ(−1)); aux = 2 (f0 P0 + f1 P1)
    p0 = (sig(2) + sig(1) + sig(3) + sig(-1)) / 4
    assert r["aux_loss"] == pytest.approx(2 * (0.75 * p0 + 0.25 * (1 - p0)))
    assert r["aux_loss"] == pytest.approx(1.208343, abs=1e-6)


def test_top_two_gates_are_a_softmax_over_the_chosen_logits():
    r = compute(MoeRouterParams(logits=[[1, 2, 0]], top_k=2, capacity_factor=None))
    assert r["experts"] == [[1, 0]]
    assert r["gates"][0] == pytest.approx([sig(1), sig(-1)])  # softmax([2, 1])
    assert r["dropped"] == [] and r["capacity"] is None


def test_ties_pick_the_lower_expert_and_a_uniform_router_scores_one():
    r = compute(MoeRouterParams(logits=[[0, 0, 0, 0]] * 4, top_k=1, capacity_factor=None))
    assert r["experts"] == [[0]] * 4
    # f = (1, 0, 0, 0), P = 1/4 each: 4 · (1 · 1/4) = 1
    assert r["aux_loss"] == pytest.approx(1.0)
    spread = compute(MoeRouterParams(logits=[[0, 1], [1, 0]], top_k=1))
    # f = (1/2, 1/2), P = (1/2, 1/2): 2 · (1/4 + 1/4) = 1
    assert spread["aux_loss"] == pytest.approx(1.0)


def test_capacity_fills_in_token_order_across_ranks():
    # top-2 over 3 experts, 3 tokens, factor 1: ⌈3 · 2 / 3⌉ = 2 slots each.
    # token 0 -> e0, e1; token 1 -> e0, e1; token 2 -> e0, e2: e0 is full, token 2's e0 drops
    logits = [[3, 2, 0], [3, 2, 0], [3, 0, 2]]
    r = compute(MoeRouterParams(logits=logits, top_k=2, capacity_factor=1.0))
    assert r["capacity"] == 2
    assert r["dropped"] == [[2, 0]]
    assert r["load"] == [2, 2, 1]
    assert r["routed"] == [3, 2, 1]


def test_noise_changes_the_choice_but_not_the_gates_of_the_clean_logits():
    clean = compute(MoeRouterParams(logits=[[1, 0.9, 0]] * 64, top_k=1, capacity_factor=None))
    noisy = compute(
        MoeRouterParams(
            logits=[[1, 0.9, 0]] * 64, top_k=1, capacity_factor=None, noise_std=1.0, seed=3
        )
    )
    assert {e[0] for e in clean["experts"]} == {0}
    assert len({e[0] for e in noisy["experts"]}) > 1
    assert noisy["mean_probability"] == clean["mean_probability"]  # P uses clean logits


def test_seeded_imbalance_drops_tokens():
    assert compute(MoeRouterParams(imbalance=0.0, capacity_factor=2.0))["dropped"] == []
    assert len(compute(MoeRouterParams(imbalance=3.0, capacity_factor=1.0))["dropped"]) > 5


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"logits": GIVEN, "top_k": 3}, "top_k (3) exceeds the 2 experts (columns) of logits"),
        ({"experts": 4, "top_k": 5}, "top_k (5) exceeds experts (4)"),
        ({"logits": [[1, 2], [1, 2, 3]]}, "rectangular"),
    ],
)
def test_contradictions_name_both_fields(params, words):
    with pytest.raises(ValidationError) as error:
        MoeRouterParams(**params)
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"top_k": 0}, "top_k"),
        ({"capacity_factor": 0}, "capacity_factor"),
        ({"logits": [[1]]}, "logits"),
    ],
)
def test_api_422_names_the_field(client, body, field):
    r = client.post("/api/demos/moe-router", json=body)
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", field] for e in r.json()["detail"])


def test_api_null_capacity_means_no_limit(client):
    r = client.post("/api/demos/moe-router", json={"imbalance": 5, "capacity_factor": None})
    assert r.status_code == 200 and r.json()["dropped"] == []


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(2, 5), st.integers(1, 5), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(n, e, k, data):
    logits = data.draw(
        st.lists(st.lists(st.floats(-1e3, 1e3), min_size=e, max_size=e), min_size=n, max_size=n)
    )
    factor = data.draw(st.one_of(st.none(), st.floats(0.01, 64)))
    run_or_reject(
        DEMO,
        {
            "logits": logits,
            "top_k": k,
            "capacity_factor": factor,
            "noise_std": data.draw(st.floats(0, 100)),
        },
    )


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)


def test_a_size_that_contradicts_the_logits_names_both():
    with pytest.raises(ValidationError) as error:
        MoeRouterParams(logits=GIVEN, top_k=1, experts=3)
    assert "logits gives experts = 2, but experts = 3 was given" in str(error.value)
    assert compute(MoeRouterParams(logits=GIVEN, top_k=1, tokens=4, experts=2))["load"]
