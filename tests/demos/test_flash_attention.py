"""flash-attention: the tiled pass equals softmax attention; running max and sum by hand."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.flash_attention import DEMO, FlashAttentionParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject


def plain_attention(q, k, v, causal):
    """softmax(q kᵀ / √d) v written out directly, the reference."""
    q, k, v = (np.array(m, dtype=float) for m in (q, k, v))
    s = q @ k.T / math.sqrt(q.shape[1])
    if causal:
        s[np.triu_indices(s.shape[0], k=1, m=s.shape[1])] = -np.inf
    w = np.exp(s - s.max(axis=1, keepdims=True))
    return (w / w.sum(axis=1, keepdims=True)) @ v


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 64])
@pytest.mark.parametrize("causal", [False, True])
def test_tiled_output_equals_plain_attention(block, causal):
    rng = np.random.default_rng(block)
    q, k, v = rng.standard_normal((3, 13, 6)) * 3
    result = compute(FlashAttentionParams(q=q.tolist(), k=k.tolist(), v=v.tolist(),
                                          block_size=block, causal=causal))  # fmt: skip
    expected = plain_attention(q, k, v, causal)
    assert np.abs(np.array(result["output"]) - expected).max() < 1e-9
    assert result["max_abs_diff"] < 1e-9


def test_more_keys_than_queries():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((5, 3)), rng.standard_normal((9, 3)), rng.standard_normal((9, 2))
    for causal in (False, True):
        result = compute(FlashAttentionParams(q=q.tolist(), k=k.tolist(), v=v.tolist(),
                                              block_size=2, causal=causal))  # fmt: skip
        np.testing.assert_allclose(result["output"], plain_attention(q, k, v, causal), atol=1e-12)


def test_running_max_and_sum_by_hand():
    # scores q·k/√2 = 0, 1/√2, 2√2, √2, one key per tile
    result = compute(FlashAttentionParams(**DEMO.examples["max-jumps"]))
    a, b, c = 1 / math.sqrt(2), 2 * math.sqrt(2), math.sqrt(2)
    l1 = 1.0
    l2 = l1 * math.exp(-a) + 1  # 1.4931: the max rose from 0 to a
    l3 = l2 * math.exp(a - b) + 1  # 1.1790: the max rose to b, the sum shrank
    l4 = l3 + math.exp(c - b)  # 1.4221: below the max, simply added
    assert [s["m"][0] for s in result["steps"]] == pytest.approx([0, a, b, b])
    assert [s["l"][0] for s in result["steps"]] == pytest.approx([l1, l2, l3, l4])
    assert l3 < l2
    assert [s["rescaled"] for s in result["steps"]] == [False, True, True, False]
    # output: Σ exp(sᵢ − b) vᵢ / l4 with v = (1,0), (0,1), (1,1), (2,2)
    w = [math.exp(-b), math.exp(a - b), 1.0, math.exp(c - b)]
    expected = [(w[0] + w[2] + 2 * w[3]) / l4, (w[1] + w[2] + 2 * w[3]) / l4]
    assert result["output"][0] == pytest.approx(expected)


def test_causal_skips_the_tiles_above_the_diagonal():
    # 8 rows in 4 blocks of 2: 4 + 3 + 2 + 1 = 10 tiles, 6 skipped
    result = compute(FlashAttentionParams(causal=True))
    assert len(result["steps"]) == 10 and len(result["skipped_tiles"]) == 6
    assert [0, 1] in result["skipped_tiles"] and [3, 3] not in result["skipped_tiles"]


def test_memory_traffic_by_hand():
    # n = 8, d = 4: plain 8·4 + 8·4 + 4·64 + 8·4 + 8·4 = 384 elements; tiled (blocks of 2):
    # q and O once (64) + 16 tiles × 2 keys × (4 + 4) = 320
    result = compute(FlashAttentionParams())
    assert result["traffic"] == {"naive": 384, "tiled": 320}
    # n = 64, d = 4 in blocks of 16: plain 4 · 64·4 + 4 · 4096 = 17,408; tiled 2 · 64·4 +
    # 16 tiles × 16 keys × 8 = 2,560
    assert compute(FlashAttentionParams(seq_len=64, block_size=16))["traffic"] == {
        "naive": 17_408, "tiled": 2_560,
    }  # fmt: skip


def test_step_shows_the_state_part_way():
    params = FlashAttentionParams(step=1)
    shown = DEMO.view(params, compute(params))
    assert shown["current"]["rows"] == [0, 2] and shown["current"]["cols"] == [0, 2]
    assert shown["rows"][0]["status"].startswith("running") and shown["rows"][2]["m"] == ""
    done = DEMO.view(FlashAttentionParams(), compute(FlashAttentionParams()))
    assert done["step"] == 16 and all(r["status"] == "done" for r in done["rows"])


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"q": [[1, 0]], "k": [[1]], "v": [[1]]}, "k", "needs 2 columns, as q"),
        ({"q": [[1]], "k": [[1]]}, "v", "give q, k and v together"),
        ({"q": [[1]], "k": [[1], [2]], "v": [[1]]}, "v", "one row per key (2)"),
        ({"q": [[1], [2]], "k": [[1]], "v": [[1]], "seq_len": 3}, "q", "seq_len = 3 was given"),
        ({"block_size": 0}, "block_size", "greater than or equal to 1"),
        ({"seq_len": 65}, "seq_len", "less than or equal to 64"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        FlashAttentionParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/flash-attention", json={"q": [[1, 2]], "k": [[1]], "v": [[1]]})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "k"] for e in r.json()["detail"])


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 3), st.integers(1, 7), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(rows, keys, d, block, data):
    def matrix(r, c):
        return st.lists(st.lists(st.floats(-1e3, 1e3), min_size=c, max_size=c),
                        min_size=r, max_size=r)  # fmt: skip

    params = {"q": data.draw(matrix(rows, d)), "k": data.draw(matrix(keys, d)),
              "v": data.draw(matrix(keys, 2)), "block_size": block,
              "causal": data.draw(st.booleans())}  # fmt: skip
    run_or_reject(DEMO, params)
    result = compute(FlashAttentionParams(**params))
    ref = plain_attention(params["q"], params["k"], params["v"], params["causal"])
    assert np.abs(np.array(result["output"]) - ref).max() <= 1e-9 * max(1.0, np.abs(ref).max())


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
