"""preference: DPO loss and rewards by hand (Rafailov et al. 2023), GRPO advantages (torch.std)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.preference import DEMO, PreferenceParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

ONE_PAIR = {
    "policy_chosen": [-10.0],
    "policy_rejected": [-12.0],
    "reference_chosen": [-11.0],
    "reference_rejected": [-11.0],
}


def test_one_pair_by_hand():
    # rewards 0.5·(−10 + 11) = 0.5 and 0.5·(−12 + 11) = −0.5; margin 1; loss log(1 + e^−1)
    r = compute(PreferenceParams(**ONE_PAIR, beta=0.5))
    assert r["chosen_rewards"] == [pytest.approx(0.5)]
    assert r["rejected_rewards"] == [pytest.approx(-0.5)]
    assert r["margins"] == [pytest.approx(1.0)]
    assert r["loss"] == pytest.approx(math.log(1 + math.exp(-1)))
    assert r["loss"] == pytest.approx(0.3132617)
    assert r["preference_probability"][0] == pytest.approx(1 / (1 + math.exp(-1)))


@pytest.mark.parametrize("beta", [0.01, 0.1, 1.0, 10.0])
def test_policy_equal_to_reference_gives_log_two(beta):
    same = {
        "policy_chosen": [-3.0, -50.0],
        "policy_rejected": [-7.0, -20.0],
        "reference_chosen": [-3.0, -50.0],
        "reference_rejected": [-7.0, -20.0],
    }
    assert compute(PreferenceParams(**same, beta=beta))["loss"] == pytest.approx(math.log(2))


def test_mean_over_pairs_and_a_huge_margin_is_stable():
    pairs = {
        "policy_chosen": [-10.0, -1.0],
        "policy_rejected": [-12.0, -5000.0],
        "reference_chosen": [-11.0, -1.0],
        "reference_rejected": [-11.0, -1.0],
    }
    r = compute(PreferenceParams(**pairs, beta=0.5))
    # pair 2: margin 0.5·4999 = 2499.5, loss ≈ e^−2499.5 = 0 without overflow
    assert r["losses"][1] == pytest.approx(0.0, abs=1e-300)
    assert r["loss"] == pytest.approx(math.log(1 + math.exp(-1)) / 2)
    wrong = compute(PreferenceParams(**{**pairs, "policy_rejected": [-12.0, 0.0]}, beta=10))
    assert wrong["losses"][1] == pytest.approx(10 + math.log1p(math.exp(-10)))  # softplus(10)
    assert wrong["accuracy"] == 0.5


def test_grpo_advantages_with_the_unbiased_std():
    # rewards 1, 0, 0, 1: mean 0.5, std = sqrt((4 · 0.25) / 3) = 0.57735
    r = compute(PreferenceParams(group_rewards=[1, 0, 0, 1]))
    expected = 0.5 / (math.sqrt(1 / 3) + 1e-4)  # 0.865876
    assert r["advantages"] == pytest.approx([expected, -expected, -expected, expected])
    assert r["group_std"] == pytest.approx(math.sqrt(1 / 3))
    assert expected == pytest.approx(0.865876, abs=1e-6)


def test_equal_rewards_give_zero_advantages_and_none_means_no_key():
    assert compute(PreferenceParams(group_rewards=[2, 2, 2]))["advantages"] == [0, 0, 0]
    assert "advantages" not in compute(PreferenceParams(group_rewards=None))


def test_lists_of_different_lengths_name_both_fields():
    with pytest.raises(ValidationError) as error:
        PreferenceParams(**{**ONE_PAIR, "reference_rejected": [-1.0, -2.0]})
    assert "reference_rejected has 2 values but policy_chosen has 1" in str(error.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"beta": 0}, "beta"),
        ({"group_rewards": [1]}, "group_rewards"),
        ({"policy_chosen": [1.0, -1.0, -1.0, -1.0]}, "policy_chosen"),
    ],
)
def test_api_422_names_the_field(client, body, field):
    r = client.post("/api/demos/preference", json=body)
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", field] for e in r.json()["detail"])


def test_api_422_for_a_length_mismatch(client):
    r = client.post("/api/demos/preference", json={"policy_chosen": [-1.0]})
    assert r.status_code == 422
    assert "policy_rejected has 4 values but policy_chosen has 1" in r.text


LOGP = st.floats(-1e5, 0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.floats(1e-6, 10), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(n, beta, data):
    lists = {k: data.draw(st.lists(LOGP, min_size=n, max_size=n)) for k in ONE_PAIR}
    rewards = data.draw(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=8))
    run_or_reject(DEMO, {**lists, "beta": beta, "group_rewards": rewards})


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
