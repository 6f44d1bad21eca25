"""kv-cache: cache bytes by hand (the 2 GiB of a 7B-class model), what fits, and GQA's mapping."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.kv_cache import DEMO, KVCacheParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

GIB = 2**30


def test_seven_b_class_cache_is_two_gib_for_4096_tokens():
    # 2 (K, V) × 32 layers × 32 heads × 128 × 4096 tokens × 2 bytes = 2^31 bytes
    result = compute(KVCacheParams(**DEMO.examples["7b-class"]))
    assert result["bytes"] == 32 * 32 * 128 * 4096 * 2 * 2 == 2 * GIB
    assert result["bytes_per_token"] == 2 * 32 * 32 * 128 * 2 == 512 * 1024
    assert [v["bytes"] for v in result["variants"]] == [2 * GIB, 2 * GIB, 2 * GIB // 32]


def test_batch_and_bytes_per_value_scale_the_cache():
    result = compute(KVCacheParams(batch=32, bytes_per_value=1))
    assert result["bytes"] == 32 * GIB  # 2 GiB × 32 sequences / 2 (fp8)
    assert result["bytes_per_token"] == 256 * 1024


def test_seventy_b_class_gqa_is_eight_times_smaller_than_mha():
    result = compute(KVCacheParams(**DEMO.examples["70b-class"]))
    # 2 × 80 × 8 × 128 × 2 = 327,680 B per token = 320 KiB; × 4096 = 1.25 GiB
    assert result["bytes_per_token"] == 327_680
    assert result["bytes"] == 1_342_177_280
    mha, gqa, mqa = result["variants"]
    assert mha["bytes"] == 8 * gqa["bytes"] == 64 * mqa["bytes"]
    # 2 × 80 GiB = 171,798,691,840 B minus 140e9 B of weights = 31,798,691,840 B free:
    # 23 sequences of 1.25 GiB (23.69), 2 of 10 GiB (2.96) for MHA
    assert result["free_bytes"] == 2 * 80 * GIB - 140e9
    assert (gqa["sequences_fit"], mha["sequences_fit"]) == (23, 2)
    assert mqa["sequences_fit"] == 189  # 31,798,691,840 // (2 × 80 × 128 × 2 × 4096)


def test_seven_b_fit_and_max_context():
    result = compute(KVCacheParams())
    free = 80 * GIB - 14e9  # 71,899,345,920 B
    assert result["variants"][0]["sequences_fit"] == math.floor(free / (2 * GIB)) == 33
    assert result["variants"][0]["max_tokens"] == math.floor(free / 524_288) == 137_137
    assert result["fits"]
    assert not compute(KVCacheParams(batch=34))["fits"]


def test_two_to_one_gqa_mapping_by_hand():
    # KV head 0 has value 1, KV head 1 has value 2: query heads 0, 1 read 1 and heads 2, 3 read 2
    result = compute(KVCacheParams(**DEMO.examples["given-2-to-1"]))
    assert result["kv_head_of"] == [0, 0, 1, 1]
    np.testing.assert_allclose(result["output"], [[[1, 1]], [[1, 1]], [[2, 2]], [[2, 2]]])


def test_gqa_by_hand_with_two_keys():
    # one KV head, two query heads, two tokens, d = 2; keys e1, e2; values [1, 0], [0, 1]
    q = [[[1, 0], [0, 1]], [[2, 0], [0, 0]]]
    k = [[[1, 0], [0, 1]]]
    v = [[[1, 0], [0, 1]]]
    result = compute(KVCacheParams(q=q, k=k, v=v))
    a = 1 / (1 + math.exp(-1 / math.sqrt(2)))  # scores 1/√2 vs 0
    b = 1 / (1 + math.exp(-2 / math.sqrt(2)))  # scores 2/√2 vs 0
    np.testing.assert_allclose(result["output"][0], [[a, 1 - a], [1 - a, a]])
    np.testing.assert_allclose(result["output"][1], [[b, 1 - b], [0.5, 0.5]])
    causal = compute(KVCacheParams(q=q, k=k, v=v, causal=True))
    np.testing.assert_allclose(causal["output"][0], [[1, 0], [1 - a, a]])


def test_gqa_equals_mha_with_repeated_kv_heads():
    rng = np.random.default_rng(1)
    q, k, v = (
        rng.standard_normal((4, 3, 2)),
        rng.standard_normal((2, 3, 2)),
        rng.standard_normal((2, 3, 2)),
    )
    grouped = compute(KVCacheParams(q=q.tolist(), k=k.tolist(), v=v.tolist()))["output"]
    full = compute(
        KVCacheParams(
            q=q.tolist(), k=np.repeat(k, 2, axis=0).tolist(), v=np.repeat(v, 2, axis=0).tolist()
        )
    )["output"]
    np.testing.assert_allclose(grouped, full)


def test_seeded_tensors_default_to_four_heads_in_two_groups():
    result = compute(KVCacheParams())
    assert result["q_shape"] == [4, 4, 4] and result["kv_shape"] == [2, 4, 4]
    assert compute(KVCacheParams(q_heads=6, groups=3, tokens=5, dim=2))["q_shape"] == [6, 5, 2]


def test_form_rows_are_split_into_heads():
    params = KVCacheParams(tokens=1, q=[[1, 0], [0, 1]], k=[[1, 0]], v=[[1, 1]])
    assert params.q == [[[1, 0]], [[0, 1]]]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"heads": 32, "kv_heads": 5}, "kv_heads", "must divide heads = 32"),
        ({"heads": 30}, "kv_heads", "kv_heads = 32 must divide heads = 30"),
        ({"q_heads": 4, "groups": 3}, "groups", "must divide q_heads = 4"),
        ({"q_heads": 3, "q": [[[1]], [[1]]], "k": [[[1]]], "v": [[[1]]]}, "q", "q_heads = 2"),
        ({"q": [[[1, 0]], [[1, 0]]], "k": [[[1]]], "v": [[[1]]]}, "k", "as q"),
        (
            {"q": [[[1]], [[1]], [[1]]], "k": [[[1]], [[1]]], "v": [[[1]], [[1]]]},
            "k",
            "must divide",
        ),
        ({"q": [[[1]]], "k": [[[1]]]}, "v", "give q, k and v together"),
        ({"q": [[1], [2]], "k": [[1]], "v": [[1]]}, "q", "needs tokens"),
        ({"seq_len": 0}, "seq_len", "greater than or equal to 1"),
        ({"head_dim": 2000}, "head_dim", "less than or equal to 1024"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        KVCacheParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/kv-cache", json={"heads": 64, "kv_heads": 6})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "kv_heads"] for e in r.json()["detail"])
    ok = client.post("/api/demos/kv-cache", json=DEMO.examples["7b-class"])
    assert ok.status_code == 200 and ok.json()["bytes"] == 2 * GIB


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(h, g, n, data):
    def tensor(heads, d):
        value = st.floats(-1e3, 1e3)
        return st.lists(
            st.lists(st.lists(value, min_size=d, max_size=d), min_size=n, max_size=n),
            min_size=heads,
            max_size=heads,
        )

    d = data.draw(st.integers(1, 3))
    params = {"causal": data.draw(st.booleans()), "kv_heads": data.draw(st.integers(1, 40))}
    if data.draw(st.booleans()):
        params |= {
            "q": data.draw(tensor(h, d)),
            "k": data.draw(tensor(g, d)),
            "v": data.draw(tensor(g, d)),
        }
    run_or_reject(DEMO, params)


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
