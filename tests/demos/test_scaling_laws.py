"""scaling-laws: the closed-form optimum against a grid search, hand values, the two fits."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.demos.scaling_laws import DEMO, ScalingLawsParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def grid_optimum(c, compute_budget):
    """Brute force: the loss on 2,000,001 values of log10 N along D = C/(6N)."""
    log_n = np.linspace(3, 16, 2_000_001)
    n = 10.0**log_n
    d = compute_budget / (6 * n)
    loss = c["E"] + c["A"] / n ** c["alpha"] + c["B"] / d ** c["beta"]
    i = int(np.argmin(loss))
    return n[i], d[i], loss[i]


@pytest.mark.parametrize(
    ("constants", "budget"),
    [
        (HOFFMANN, 5.76e23),
        (HOFFMANN, 1e20),
        ({"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}, 5.76e23),
        ({"E": 2.0, "A": 100.0, "B": 3000.0, "alpha": 0.5, "beta": 0.2}, 1e22),
    ],
)
def test_closed_form_equals_a_grid_search_on_the_budget(constants, budget):
    r = compute(ScalingLawsParams(compute=budget, **constants))
    n, d, loss = grid_optimum(constants, budget)
    assert r["optimal_params"] == pytest.approx(n, rel=1e-4)
    assert r["optimal_tokens"] == pytest.approx(d, rel=1e-4)
    assert r["optimal_loss"] == pytest.approx(loss, abs=1e-10)
    assert 6 * r["optimal_params"] * r["optimal_tokens"] == pytest.approx(budget)


def test_symmetric_law_splits_the_budget_evenly():
    # α = β = 1/2, A = B: N* = D* = sqrt(C/6) = 1e10 at C = 6e20; L = E + 2A/1e5
    r = compute(ScalingLawsParams(compute=6e20, E=1, A=100, B=100, alpha=0.5, beta=0.5))
    assert r["optimal_params"] == pytest.approx(1e10)
    assert r["optimal_tokens"] == pytest.approx(1e10)
    assert r["tokens_per_param"] == pytest.approx(1)
    assert r["optimal_loss"] == pytest.approx(1 + 2 * 100 / 1e5)


def test_hoffmann_approach_three_at_chinchilla_budget():
    # G = (0.34·406.4 / (0.28·410.7))^(1/0.62) = 1.3455, (9.6e22)^(0.28/0.62) = 2.392e10
    r = compute(ScalingLawsParams())
    assert r["optimal_params"] == pytest.approx(3.219e10, rel=1e-3)
    assert r["optimal_tokens"] == pytest.approx(2.982e12, rel=1e-3)
    assert 85 < r["tokens_per_param"] < 100  # the issue's "≈ 90", against approaches 1-2's 20
    assert r["exponents"]["a"] == pytest.approx(0.28 / 0.62)


def test_besiroglu_refit_gives_about_twenty_tokens_per_parameter():
    refit = next(
        a for a in compute(ScalingLawsParams())["alternatives"] if "Besiroglu" in a["name"]
    )
    assert 15 < refit["ratio"] < 25
    rule = next(a for a in compute(ScalingLawsParams())["alternatives"] if "20N" in a["name"])
    assert rule["params"] == pytest.approx(math.sqrt(5.76e23 / 120))  # 6.93e10, Chinchilla's 70B


def test_loss_at_a_chosen_allocation():
    r = compute(ScalingLawsParams(params=7e10, tokens=1.4e12))
    expected = 1.69 + 406.4 / 7e10**0.34 + 410.7 / 1.4e12**0.28
    assert r["loss"] == pytest.approx(expected)
    assert r["loss"] > r["optimal_loss"]
    only_n = compute(ScalingLawsParams(compute=6e22, params=1e10))
    assert only_n["tokens"] == pytest.approx(1e12)  # D = C / (6N)
    assert "loss" not in compute(ScalingLawsParams())


@pytest.mark.parametrize(
    ("body", "field"),
    [({"compute": 0}, "compute"), ({"alpha": 0}, "alpha"), ({"params": "big"}, "params")],
)
def test_api_422_names_the_field(client, body, field):
    r = client.post("/api/demos/scaling-laws", json=body)
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", field] for e in r.json()["detail"])


def test_api_contract_keys(client):
    r = client.post("/api/demos/scaling-laws", json={"params": 1e9, "tokens": 2e10}).json()
    for key in ("optimal_params", "optimal_tokens", "optimal_loss", "tokens_per_param", "loss"):
        assert isinstance(r[key], float)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(1e15, 1e30),
    st.floats(0.05, 2),
    st.floats(0.05, 2),
    st.floats(1, 1e5),
    st.floats(1, 1e5),
)
def test_random_inputs_are_rejected_or_give_finite_results(budget, alpha, beta, a, b):
    run_or_reject(DEMO, {"compute": budget, "alpha": alpha, "beta": beta, "A": a, "B": b})


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
