"""rope: the angles, both layouts and both scalings against hand-computed rotations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.rope import DEMO, RopeParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

X = [[1.0, 2.0, 3.0, 4.0]]


def test_inverse_frequencies_for_d_4():
    # base^(−2i/d) for i = 0, 1 with d = 4: 1 and 10000^(−1/2) = 0.01
    result = compute(RopeParams(x=X, positions=[3]))
    assert result["inv_freq"] == pytest.approx([1.0, 0.01])
    assert result["angles"][0] == pytest.approx([3.0, 0.03])


def test_half_layout_rotates_x_i_with_x_i_plus_half():
    # position 1: pair (x0, x2) = (1, 3) by 1 rad, pair (x1, x3) = (2, 4) by 0.01 rad
    result = compute(RopeParams(x=X, positions=[1]))
    c1, s1, c2, s2 = math.cos(1), math.sin(1), math.cos(0.01), math.sin(0.01)
    expected = [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2]
    assert result["rotated"][0] == pytest.approx(expected)


def test_interleaved_layout_rotates_adjacent_pairs():
    # pair (x0, x1) = (1, 2) by 1 rad, pair (x2, x3) = (3, 4) by 0.01 rad
    result = compute(RopeParams(x=X, positions=[1], layout="interleaved"))
    c1, s1, c2, s2 = math.cos(1), math.sin(1), math.cos(0.01), math.sin(0.01)
    expected = [1 * c1 - 2 * s1, 2 * c1 + 1 * s1, 3 * c2 - 4 * s2, 4 * c2 + 3 * s2]
    assert result["rotated"][0] == pytest.approx(expected)


def test_quarter_turn():
    # base 16, d = 4: inv_freq (1, 1/4); position π/2 turns pair 0 by a right angle
    result = compute(RopeParams(x=[[1, 0, 0, 0]], positions=[math.pi / 2], base=16))
    assert result["rotated"][0] == pytest.approx([0, 0, 1, 0], abs=1e-12)


def test_linear_scaling_divides_positions():
    result = compute(RopeParams(x=X, positions=[8], scaling="linear", factor=4))
    assert result["angles"][0] == pytest.approx([2.0, 0.02])
    assert result["inv_freq"] == pytest.approx([1.0, 0.01])


def test_ntk_scaling_enlarges_the_base():
    # d = 4: base' = 10000 · 4^(4/2) = 160000; inv_freq_1 = 160000^(−1/2) = 0.0025 = 0.01 / 4
    result = compute(RopeParams(x=X, positions=[1], scaling="ntk", factor=4))
    assert result["inv_freq"] == pytest.approx([1.0, 0.0025])
    # d = 8: base' = 10000 · 2^(8/6); the last pair (i = 3) is slowed by exactly 2
    result = compute(RopeParams(head_dim=8, seq_len=1, scaling="ntk", factor=2))
    base = 10000 * 2 ** (8 / 6)
    assert result["inv_freq"] == pytest.approx([base ** (-k / 8) for k in (0, 2, 4, 6)])
    assert result["frequency_ratio"] == pytest.approx([1, 2 ** (-1 / 3), 2 ** (-2 / 3), 0.5])


def test_dot_product_depends_only_on_the_relative_distance():
    rng = np.random.default_rng(4)
    q, k = rng.standard_normal(16), rng.standard_normal(16)
    for layout in ("half", "interleaved"):

        def rot(v, p, layout=layout):
            return np.array(
                compute(RopeParams(x=[v.tolist()], positions=[p], layout=layout))["rotated"][0]
            )

        assert rot(q, 7) @ rot(k, 3) == pytest.approx(rot(q, 104) @ rot(k, 100))
        assert rot(q, 5) @ rot(k, 5) == pytest.approx(q @ k)


def test_relative_scores_start_at_one_and_are_mean_cosines():
    result = compute(RopeParams(head_dim=4, max_distance=10))
    assert result["relative_scores"]["none"][0] == pytest.approx(1.0)
    # Δ = 10, inv_freq (1, 0.01): (cos 10 + cos 0.1) / 2
    assert result["relative_scores"]["none"][-1] == pytest.approx(
        (math.cos(10) + math.cos(0.1)) / 2
    )
    assert result["distances"][-1] == 10


def test_seeded_defaults_and_sizes_from_positions():
    result = compute(RopeParams())
    assert np.shape(result["rotated"]) == (32, 16) and np.shape(result["angles"]) == (32, 8)
    assert result["positions"] == list(range(32)) and result["norms_kept"]
    assert np.shape(compute(RopeParams(positions=[0, 100, 1000]))["rotated"]) == (3, 16)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"head_dim": 7}, "head_dim", "must be even"),
        ({"x": [[1, 2, 3, 4, 5]]}, "x", "must be even"),
        ({"x": [[1, 2, 3, 4]], "head_dim": 8}, "x", "head_dim = 8 was given"),
        ({"x": X, "positions": [0, 1]}, "positions", "for the 1 rows of x"),
        ({"seq_len": 3, "positions": [0, 1]}, "positions", "seq_len = 3"),
        ({"factor": 0.5}, "factor", "greater than or equal to 1"),
        ({"base": 1}, "base", "greater than 1"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        RopeParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/rope", json={"x": [[1, 2, 3, 4]], "positions": [1, 2]})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "positions"] for e in r.json()["detail"])


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.sampled_from([4, 6, 8]), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(n, d, data):
    x = data.draw(st.lists(st.lists(st.floats(-1e4, 1e4), min_size=d, max_size=d),
                           min_size=n, max_size=n))  # fmt: skip
    run_or_reject(
        DEMO,
        {"x": x, "positions": data.draw(st.lists(st.floats(-1e7, 1e7), min_size=n, max_size=n)),
         "base": data.draw(st.floats(1.001, 1e9)), "factor": data.draw(st.floats(1, 1000)),
         "scaling": data.draw(st.sampled_from(["none", "linear", "ntk"]))},
    )  # fmt: skip


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
