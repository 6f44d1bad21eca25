"""lora: singular values and Eckart–Young errors by hand, parameter counts, the two scales."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.lora import DEMO, LoRAParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

DIAGONAL = [[3, 0, 0], [0, 2, 0], [0, 0, 1]]


def test_diagonal_update_by_hand():
    result = compute(LoRAParams(delta_w=DIAGONAL, rank=2, alpha=16))
    assert result["singular_values"] == pytest.approx([3, 2, 1])
    # r = 0: √(9 + 4 + 1); r = 1: √(4 + 1); r = 2: 1; r = 3: 0
    assert result["error_by_rank"] == pytest.approx([math.sqrt(14), math.sqrt(5), 1, 0])
    assert result["params_full"] == 9 and result["params_lora"] == 2 * (3 + 3)
    assert result["scale"] == 8 and result["scale_rslora"] == pytest.approx(16 / math.sqrt(2))
    np.testing.assert_allclose(
        result["approximation"], [[3, 0, 0], [0, 2, 0], [0, 0, 0]], atol=1e-12
    )


def test_rank_one_matrix():
    # [[1, 2], [2, 4]] = (1, 2)ᵀ(1, 2): σ = (5, 0)
    result = compute(LoRAParams(delta_w=[[1, 2], [2, 4]], rank=1))
    assert result["singular_values"] == pytest.approx([5, 0], abs=1e-12)
    assert result["error_by_rank"] == pytest.approx([5, 0, 0], abs=1e-12)  # r = 0, 1, 2
    assert result["energy_kept"] == pytest.approx(1)


def test_parameter_counts_of_a_large_layer():
    result = compute(LoRAParams(m=128, n=96, rank=8, true_rank=8))
    assert result["params_full"] == 128 * 96 == 12_288
    assert result["params_lora"] == 8 * (128 + 96) == 1_792
    assert len(result["error_by_rank"]) == 96 + 1


def test_seeded_low_rank_without_noise_is_exact_at_its_true_rank():
    result = compute(LoRAParams(noise=0, true_rank=4, rank=4))
    errors = result["error_by_rank"]
    assert errors[4] < 1e-10 * errors[0] and errors[3] > 0.1 * errors[0]
    assert sum(s > 1e-9 for s in result["singular_values"]) == 4


def test_the_truncated_svd_beats_any_other_rank_r_product():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((6, 5))
    result = compute(LoRAParams(delta_w=w.tolist(), rank=2))
    for _ in range(20):
        b, a = rng.standard_normal((6, 2)), rng.standard_normal((2, 5))
        # the best rank-2 fit with columns of B fixed: least squares for A
        a = np.linalg.lstsq(b, w, rcond=None)[0]
        assert np.linalg.norm(w - b @ a) >= result["error_by_rank"][2] - 1e-12


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"delta_w": DIAGONAL, "rank": 4}, "rank", "exceeds min(m, n) = 3"),
        ({"m": 10, "n": 6, "rank": 7}, "rank", "min(m, n) = 6"),
        ({"m": 2}, "rank", "rank = 4 exceeds min(m, n) = 2"),  # the default rank is checked too
        ({"delta_w": DIAGONAL, "m": 4}, "delta_w", "m = 4 was given"),
        ({"delta_w": [[1, 2], [3]]}, "delta_w", "rectangular"),
        ({"rank": 0}, "rank", "greater than or equal to 1"),
        ({"alpha": 0}, "alpha", "greater than 0"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        LoRAParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/lora", json={"delta_w": DIAGONAL, "rank": 5})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "rank"] for e in r.json()["detail"])


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 6), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(m, n, rank, data):
    w = data.draw(st.lists(st.lists(st.floats(-1e4, 1e4), min_size=n, max_size=n),
                           min_size=m, max_size=m))  # fmt: skip
    run_or_reject(DEMO, {"delta_w": w, "rank": rank, "alpha": data.draw(st.floats(1e-3, 1e4))})


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
