"""broadcasting: the rule gives NumPy's own result shape, and NumPy's own error text."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.broadcasting import DEMO, BroadcastingParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject


def run(a, b, op="elementwise"):
    return compute(BroadcastingParams(a_shape=a, b_shape=b, op=op))


def test_elementwise_4x3_by_3x2_fails_with_numpys_exact_message():
    result = run([4, 3], [3, 2])
    assert result["ok"] is False
    assert result["error"] == "operands could not be broadcast together with shapes (4,3) (3,2) "
    assert [s["note"] for s in result["steps"]] == [
        "3 ≠ 2 and neither is 1: cannot broadcast",
        "4 ≠ 3 and neither is 1: cannot broadcast",
    ]


def test_matmul_4x3_by_3x2_gives_4x2():
    result = run([4, 3], [3, 2], "matmul")
    assert result["ok"] is True
    assert result["result_shape"] == [4, 2]
    assert result["error"] is None
    assert result["expression"] == "np.empty((4, 3)) @ np.empty((3, 2))"


def test_a_row_minus_a_column_silently_makes_a_matrix():
    result = run([5], [5, 1])
    assert result["result_shape"] == [5, 5]
    assert [s["result"] for s in result["steps"]] == [5, 5]
    assert "stretches" in result["steps"][1]["note"]


def test_batch_axes_are_numbered_before_the_matrix_axes():
    result = run([8, 1, 4, 3], [5, 3, 2], "matmul")
    assert result["result_shape"] == [8, 5, 4, 2]
    assert [s["axis"] for s in result["steps"]] == [-3, -4]


def test_the_largest_shapes_are_answered_without_allocating_them():
    result = compute(BroadcastingParams(**DEMO.examples["maximum"]))
    assert result["result_shape"] == [64] * 6
    assert run([63] * 6, [64] * 6, "matmul")["error"].startswith("matmul: Input operand 1")


SMALL = [s for n in range(4) for s in itertools.product((1, 2, 3), repeat=n)]


@pytest.mark.parametrize("op", ["elementwise", "matmul"])
def test_rule_agrees_with_numpy_on_every_small_pair_of_shapes(op):
    for a, b in itertools.product(SMALL, repeat=2):
        result = run(list(a), list(b), op)
        try:
            x, y = np.zeros(a), np.zeros(b)
            expected = (x @ y if op == "matmul" else x * y).shape
        except ValueError as error:
            assert result["error"] == str(error), (a, b)
            assert result["result_shape"] is None
        else:
            assert result["result_shape"] == list(expected), (a, b)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"a_shape": [1] * 7}, "a_shape"),
        ({"b_shape": [65]}, "b_shape"),
        ({"a_shape": [0]}, "a_shape"),
        ({"op": "dot"}, "op"),
    ],
)
def test_out_of_bounds_shapes_name_the_parameter(params, field):
    with pytest.raises(ValidationError) as error:
        BroadcastingParams(**params)
    assert error.value.errors()[0]["loc"][0] == field


SHAPES = st.lists(st.sampled_from([1, 2, 3, 7, 64, 65]), max_size=7)


@settings(max_examples=80, deadline=None)
@given(
    st.fixed_dictionaries(
        {"a_shape": SHAPES, "b_shape": SHAPES, "op": st.sampled_from(["elementwise", "matmul"])}
    )
)
def test_random_shapes_are_rejected_or_answered_without_allocating(params):
    run_or_reject(DEMO, params)


def test_view_right_aligns_the_shapes():
    params = BroadcastingParams(a_shape=[8, 1, 6, 1], b_shape=[7, 1, 5])
    shown = DEMO.view(params, compute(params))
    assert shown["axes"] == [-4, -3, -2, -1]
    assert shown["aligned"][1]["sizes"] == ["·", "7", "1", "5"]
    assert shown["aligned"][2]["sizes"] == ["8", "7", "6", "5"]
    assert shown["result"] == "(8, 7, 6, 5)"


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
