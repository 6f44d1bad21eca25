"""receptive-field: r grows by (k − 1)·jump per layer; stacked 3×3 against one big kernel."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.receptive_field import DEMO, ReceptiveFieldParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject


def run(**params):
    return compute(ReceptiveFieldParams(**params))


@pytest.mark.parametrize(("layers", "rf"), [(1, 3), (2, 5), (3, 7), (5, 11)])
def test_each_3x3_layer_adds_two(layers, rf):
    assert run(layers=layers)["receptive_field"] == rf


def test_three_3x3_layers_cost_27_c2_against_49_c2():
    result = run(layers=3, channels=10)
    assert result["single_kernel"] == 7
    assert result["stacked_params"] == 27 * 100
    assert result["single_params"] == 49 * 100
    assert result["stacked_formula"] == "3·3²·C² = 27C²"
    assert result["single_formula"] == "7²·C² = 49C²"
    assert "biases ignored" in result["params_note"]


def test_pooling_doubles_the_jump():
    # conv1: 3; pool: +1 → 4, jump 2; conv2: +2·2 → 8; conv3: +4 → 12
    result = run(layers=3, pool_after=[1])
    assert [s["receptive_field"] for s in result["steps"]] == [3, 4, 8, 12]
    assert [s["jump"] for s in result["steps"]] == [1, 1, 2, 2]
    assert result["jump"] == 2


@pytest.mark.parametrize("pool_after", [[0], [4], [1, 1]])
def test_pool_positions_must_name_existing_layers_once(pool_after):
    with pytest.raises(ValidationError) as error:
        ReceptiveFieldParams(layers=3, pool_after=pool_after)
    assert error.value.errors()[0]["loc"] == ("pool_after",)


def test_maximum_example_runs():
    result = compute(ReceptiveFieldParams(**DEMO.examples["maximum"]))
    assert result["jump"] == 2**20


@settings(max_examples=40, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "layers": st.integers(0, 21),
            "kernel_size": st.integers(1, 12),
            "channels": st.integers(1, 1025),
            "pool_after": st.lists(st.integers(0, 21), max_size=6),
        }
    )
)
def test_random_inputs_are_rejected_or_give_finite_results(params):
    run_or_reject(DEMO, params)


def test_view_compares_27_c2_with_49_c2():
    params = ReceptiveFieldParams()
    shown = DEMO.view(params, compute(params))
    assert "3·3²·C² = 27C²" in shown["params_svg"] and "7²·C² = 49C²" in shown["params_svg"]
    assert shown["growth_svg"].startswith("<svg")


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
