"""contrastive: InfoNCE and CLIP's symmetric loss on hand-computed 2 × 2 batches."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.contrastive import DEMO, ContrastiveParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

EYE = [[1, 0], [0, 1]]


@pytest.mark.parametrize(
    ("tau", "expected"), [(1.0, math.log(1 + math.exp(-1))), (0.5, math.log(1 + math.exp(-2)))]
)
def test_identity_batch(tau, expected):
    # logits = I/τ: each row's loss is −log(e^(1/τ) / (e^(1/τ) + 1)) = log(1 + e^(−1/τ))
    r = compute(ContrastiveParams(a=EYE, b=EYE, temperature=tau))
    assert r["loss"] == pytest.approx(expected)
    assert r["accuracy"] == 1
    np.testing.assert_allclose(r["similarity"], np.eye(2) / tau)


def test_asymmetric_batch_by_hand():
    # b = [[1, 0], [1, 1]/√2]: cosines [[1, c], [0, c]] with c = 1/√2
    c = 1 / math.sqrt(2)
    r = compute(ContrastiveParams(a=EYE, b=[[1, 0], [1, 1]], temperature=1, symmetric=False))
    rows = (math.log(1 + math.exp(c - 1)) + math.log(1 + math.exp(-c))) / 2  # 0.4791096
    assert r["loss"] == pytest.approx(rows)
    assert r["loss"] == pytest.approx(0.4791096, abs=1e-6)
    assert r["accuracy"] == 1
    both = compute(ContrastiveParams(a=EYE, b=[[1, 0], [1, 1]], temperature=1))
    columns = (math.log(1 + math.exp(-1)) + math.log(2)) / 2  # column 2 is a tie: log 2
    assert both["column_loss"] == pytest.approx(columns)
    assert both["loss"] == pytest.approx((rows + columns) / 2)
    # column 2 ties (c, c): the arg-max is the lower index, as torch.argmax -> 1 of 2 columns
    assert both["column_accuracy"] == 0.5 and both["accuracy"] == 0.75


def test_without_normalization_the_raw_dot_product_is_used():
    r = compute(
        ContrastiveParams(
            a=[[2, 0], [0, 1]], b=[[3, 0], [0, 1]], temperature=1, normalize=False, symmetric=False
        )
    )
    np.testing.assert_allclose(r["similarity"], [[6, 0], [0, 1]])
    assert r["loss"] == pytest.approx((math.log(1 + math.exp(-6)) + math.log(1 + math.exp(-1))) / 2)


def test_temperature_changes_the_loss_not_the_accuracy():
    sharp = compute(ContrastiveParams(temperature=0.07))
    flat = compute(ContrastiveParams(temperature=1.0))
    assert sharp["accuracy"] == flat["accuracy"]
    assert flat["loss"] != sharp["loss"]
    huge = compute(ContrastiveParams(temperature=100))
    assert huge["loss"] == pytest.approx(math.log(8), abs=0.01)


def test_hard_negatives_raise_the_loss():
    easy = compute(ContrastiveParams(noise=0.5, hard_negatives=0.0, batch=32))
    hard = compute(ContrastiveParams(noise=0.5, hard_negatives=0.95, batch=32))
    assert hard["loss"] > easy["loss"]
    cos = np.array(hard["cosine"])
    assert cos[0, 1] > 0.5  # the partner pair is similar


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"a": EYE}, "b", "give a and b together"),
        ({"a": EYE, "b": [[1, 0, 0], [0, 1, 0]]}, "b", "b is 2 × 3 but a is 2 × 2"),
        ({"a": [[1, 0], [1]], "b": EYE}, "a", "rectangular"),
        ({"temperature": 0}, "temperature", "greater than or equal to 0.001"),
        ({"batch": 65}, "batch", "less than or equal to 64"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        ContrastiveParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/contrastive", json={"a": EYE, "b": [[1, 0]]})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "b"] for e in r.json()["detail"])


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.integers(1, 4), st.floats(0.001, 100), st.booleans(), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(n, d, tau, normalize, data):
    m = st.lists(st.lists(st.floats(-1e3, 1e3), min_size=d, max_size=d), min_size=n, max_size=n)
    run_or_reject(
        DEMO, {"a": data.draw(m), "b": data.draw(m), "temperature": tau, "normalize": normalize}
    )


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)


def test_a_size_that_contradicts_the_arrays_names_both():
    with pytest.raises(ValidationError) as error:
        ContrastiveParams(a=EYE, b=EYE, batch=3)
    assert "a gives batch = 2, but batch = 3 was given" in str(error.value)
    assert compute(ContrastiveParams(a=EYE, b=EYE, batch=2, dim=2))["accuracy"] == 1
