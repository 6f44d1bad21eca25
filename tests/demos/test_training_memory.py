"""training-memory against the ZeRO paper's 7.5B example, Korthikanti et al.'s formula and GPipe."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.training_memory import DEMO, TrainingMemoryParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

N = 7.5e9  # the ZeRO paper's figure 1: Ψ = 7.5B, N_d = 64, K = 12


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (0, 120e9),  # (2 + 2 + 12)·Ψ
        (1, 31.40625e9),  # (2 + 2 + 12/64)·Ψ = 31.4 GB
        (2, 16.640625e9),  # (2 + 14/64)·Ψ = 16.6 GB
        (3, 1.875e9),  # 16Ψ/64 = 1.9 GB
    ],
)
def test_zero_paper_figure_one(stage, expected):
    r = compute(TrainingMemoryParams(params=N, gpus=64, zero_stage=stage))
    assert r["weights"] + r["gradients"] + r["optimizer_states"] == pytest.approx(expected)
    assert r["total"] == pytest.approx(expected + r["activations"])


def test_mixed_precision_adam_is_sixteen_bytes_per_parameter():
    r = compute(TrainingMemoryParams(params=N, zero_stage=0))
    assert (r["weights"], r["gradients"], r["optimizer_states"]) == (15e9, 15e9, 90e9)


@pytest.mark.parametrize(
    ("precision", "optimizer", "expected"),
    [
        ("fp32", "sgd", (4, 4, 0)),
        ("fp32", "momentum", (4, 4, 4)),
        ("fp32", "adam", (4, 4, 8)),
        ("bf16-mixed", "sgd", (2, 2, 4)),
        ("bf16-mixed", "momentum", (2, 2, 8)),
    ],
)
def test_bytes_per_parameter(precision, optimizer, expected):
    r = compute(TrainingMemoryParams(params=1e6, precision=precision, optimizer=optimizer))
    assert (r["weights"], r["gradients"], r["optimizer_states"]) == tuple(1e6 * b for b in expected)


def test_activations_korthikanti():
    # one layer, s = 2048, b = 1, h = 4096, a = 32: sbh = 8,388,608; 5as/h = 80 -> 114 sbh
    one = {"layers": 1, "seq_len": 2048, "micro_batch": 1, "hidden": 4096, "heads": 32}
    assert compute(TrainingMemoryParams(**one))["activations"] == 956_301_312
    assert compute(TrainingMemoryParams(**one, checkpointing="full"))["activations"] == 16_777_216
    fp32 = compute(TrainingMemoryParams(**one, precision="fp32"))
    assert fp32["activations"] == 2 * 956_301_312
    # L = 3 layers, b = 2: 3 · 2 · 8,388,608 · 114
    assert (
        compute(TrainingMemoryParams(**one | {"layers": 3, "micro_batch": 2}))["activations"]
        == 3 * 2 * 956_301_312
    )


@pytest.mark.parametrize(("p", "m", "expected"), [(1, 8, 0.0), (4, 8, 3 / 11), (8, 1, 7 / 8)])
def test_bubble(p, m, expected):
    r = compute(TrainingMemoryParams(pipeline_stages=p, micro_batches=m))
    assert r["bubble_fraction"] == pytest.approx(expected)


def test_pipeline_does_not_change_the_bytes():
    a = compute(TrainingMemoryParams(pipeline_stages=1, micro_batches=1))
    b = compute(TrainingMemoryParams(pipeline_stages=16, micro_batches=64))
    assert a["total"] == b["total"]


def test_heads_must_divide_hidden():
    with pytest.raises(ValidationError) as error:
        TrainingMemoryParams(hidden=100, heads=3)
    assert "heads (3) must divide hidden (100)" in str(error.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"zero_stage": 4}, "zero_stage"), ({"precision": "fp8"}, "precision"), ({"gpus": 0}, "gpus")],
)
def test_api_422_names_the_field(client, body, field):
    r = client.post("/api/demos/training-memory", json=body)
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", field] for e in r.json()["detail"])


def test_api_422_for_heads_names_both_fields(client):
    r = client.post("/api/demos/training-memory", json={"hidden": 100, "heads": 3})
    assert r.status_code == 422
    assert "heads (3) must divide hidden (100)" in r.text


def test_api_contract_keys(client):
    r = client.post("/api/demos/training-memory", json={"zero_stage": 1})
    keys = {"weights", "gradients", "optimizer_states", "activations", "total", "bubble_fraction"}
    assert keys <= set(r.json())


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 3),
    st.integers(1, 5000),
    st.sampled_from(["fp32", "bf16-mixed"]),
    st.sampled_from(["none", "full"]),
    st.integers(1, 2000),
)
def test_random_inputs_are_rejected_or_give_finite_results(stage, gpus, precision, ckpt, heads):
    run_or_reject(
        DEMO,
        {
            "zero_stage": stage,
            "gpus": gpus,
            "precision": precision,
            "checkpointing": ckpt,
            "heads": heads,
        },
    )


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
