"""conv-pool against hand-computed cross-correlations and pools (PyTorch's conventions)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.conv_pool import DEMO, IMAGES, KERNELS, ConvPoolParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

GRID = [[1, 3, 2, 1], [4, 6, 5, 0], [7, 2, 9, 8], [1, 0, 3, 4]]


def run(**params):
    return compute(ConvPoolParams(**params))


def test_max_pool_of_the_textbook_grid():
    result = run(image=GRID, kernel=[[1]], pool="max")
    assert result["feature_map"] == GRID
    assert result["pooled"] == [[6, 5], [7, 9]]


def test_avg_pool_of_the_textbook_grid():
    assert run(image=GRID, kernel=[[1]], pool="avg")["pooled"] == [[3.5, 2], [2.5, 6]]


def test_cross_correlation_with_padding_1_and_stride_2_does_not_flip_the_kernel():
    image = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    kernel = [[0, 1, 0], [0, 0, 0], [0, 0, 2]]
    result = run(image=image, kernel=kernel, padding=1, stride=2, pool="none")
    # top-left window sees 2·5 at its corner; bottom-left sees 4 above its centre; and so on
    assert result["feature_map"] == [[10, 0], [4, 6]]
    assert result["pooled"] is None
    assert result["sizes"]["conv"]["height"] == {"size": 2, "formula": "⌊(3 + 2·1 − 3)/2⌋ + 1 = 2"}


def test_vertical_edge_kernel_answers_only_at_vertical_edges():
    result = run(image=[[0, 0, 1, 1]] * 3, kernel="edge-vertical", pool="none")
    assert result["feature_map"] == [[-4, -4]]


def test_matrices_arrive_as_query_strings():
    params = ConvPoolParams(image="1,2;3,4", kernel="1", pool="none")
    assert compute(params)["feature_map"] == [[1, 2], [3, 4]]


def test_defaults_give_the_formula_with_numbers_filled_in():
    result = run()
    assert result["sizes"]["conv"]["width"]["formula"] == "⌊(8 + 2·0 − 3)/1⌋ + 1 = 6"
    assert result["sizes"]["pool"]["width"]["formula"] == "⌊(6 + 2·0 − 2)/2⌋ + 1 = 3"
    assert len(result["pooled"]) == 3


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"image": "1,2;3,4"}, "padding", "larger than the padded image height 2 + 2·0 = 2"),
        ({"pool_size": 8}, "pool_size", "8 × 8 window is larger than the feature map height 6"),
        ({"image": "moon"}, "image", "must be one of digit-7"),
        ({"kernel": [[1] * 8]}, "kernel", "at most 7 × 7"),
        ({"image": [[1, 2], [3]]}, "image", "rectangular"),
        ({"stride": 0}, "stride", "greater than or equal to 1"),
        ({"image": [[float("nan")]]}, "image", "finite"),
    ],
)
def test_invalid_combinations_are_explained(params, field, words):
    with pytest.raises(ValidationError) as error:
        ConvPoolParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_maximum_example_is_valid_and_finite():
    result = compute(ConvPoolParams(**DEMO.examples["maximum"]))
    assert len(result["feature_map"]) == 34
    assert len(result["pooled"]) == 27


FLOATS = st.floats(-1e6, 1e6)


def matrices(max_side, values=FLOATS):
    return st.integers(1, max_side).flatmap(
        lambda w: st.lists(st.lists(values, min_size=w, max_size=w), min_size=1, max_size=max_side)
    )


@settings(max_examples=60, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "image": st.one_of(st.sampled_from(sorted(IMAGES)), matrices(10)),
            "kernel": st.one_of(st.sampled_from(sorted(KERNELS)), matrices(4)),
            "stride": st.integers(0, 5),
            "padding": st.integers(0, 4),
            "pool": st.sampled_from(["max", "avg", "none"]),
            "pool_size": st.integers(1, 5),
            "pool_stride": st.integers(1, 5),
        }
    )
)
def test_random_inputs_are_rejected_or_give_finite_results(params):
    run_or_reject(DEMO, params)


def test_view_outlines_the_strongest_window_and_fills_in_the_formula():
    params = ConvPoolParams(padding=1)
    shown = DEMO.view(params, compute(params))
    assert shown["image_svg"].startswith("<svg") and 'stroke-dasharray="4 3"' in shown["image_svg"]
    window = shown["window"]
    assert window["sum"] == "-4" and len(window["products"]) == 3
    assert "conv height: ⌊(8 + 2·1 − 3)/1⌋ + 1 = 8" in shown["formulas"]


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
