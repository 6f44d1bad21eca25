"""rbm: exact enumeration against hand-computed sums; CD-k samples approach p(v)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.rbm import DEMO, RBMParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject


def sig(x):
    return 1 / (1 + math.exp(-x))


def test_partition_function_of_two_visible_one_hidden():
    # h = 0: four states of energy 0; h = 1: exp(v1 + v2) = 1, e, e, e² → 4 + (1 + e)²
    result = compute(RBMParams(W=[[1], [1]]))
    assert result["partition_function"] == pytest.approx(4 + (1 + math.e) ** 2)
    assert result["visible_states"] == [[0, 0], [0, 1], [1, 0], [1, 1]]


def test_p_h_given_v_is_the_sigmoid_of_the_input_to_each_hidden_unit():
    result = compute(RBMParams(W=[[1], [1]]))
    expected = [[0.5], [sig(1)], [sig(1)], [sig(2)]]
    np.testing.assert_allclose(result["p_h_given_v"], expected)


def test_energies_and_probabilities_with_biases_by_hand():
    result = compute(RBMParams(W=[[1], [1]], b=[1, 0], c=[-1]))
    # E(v = (1, 1), h = 1) = −b·v − c·h − vᵀWh = −1 + 1 − 2 = −2
    assert result["energy"][3][1] == pytest.approx(-2)
    assert result["energy"][0] == [0, 1]  # v = 0: only −c·h remains
    np.testing.assert_allclose(np.sum(result["p_joint"]), 1)
    z = result["partition_function"]
    np.testing.assert_allclose(result["p_v"], np.exp(-np.array(result["free_energy"])) / z)
    np.testing.assert_allclose(result["p_v_given_h"], [[sig(1), 0.5], [sig(2), sig(1)]])


def test_long_gibbs_chains_approach_the_exact_marginal():
    two_modes = [[5, -5], [5, -5], [-5, 5], [-5, 5]]
    short = compute(RBMParams(W=two_modes, cd_k=1))
    long = compute(RBMParams(W=two_modes, cd_k=30))
    assert short["total_variation"] > 0.1
    assert long["total_variation"] < 0.06
    assert len(long["chain"]) == 31
    assert sum(long["sample_frequencies"]) == pytest.approx(1)


def test_restricted_means_no_connections_within_a_layer():
    assert compute(RBMParams())["connections"] == {
        "visible_hidden": 2,
        "visible_visible": 0,
        "hidden_hidden": 0,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"W": [[1, 2], [1]]}, "W"),
        ({"W": [[1]] * 5}, "W"),
        ({"W": [[1, 1, 1, 1]]}, "W"),
        ({"W": [[11]]}, "W"),
        ({"b": [1]}, "b"),
        ({"c": [1, 2]}, "c"),
        ({"cd_k": 0}, "cd_k"),
    ],
)
def test_bad_shapes_and_bounds_name_the_parameter(params, field):
    with pytest.raises(ValidationError) as error:
        RBMParams(**params)
    assert error.value.errors()[0]["loc"][0] == field


def test_maximum_example_is_finite():
    result = compute(RBMParams(**DEMO.examples["maximum"]))
    assert len(result["energy"]) == 16 and len(result["energy"][0]) == 8
    assert math.isfinite(result["partition_function"])


WEIGHTS = st.floats(-12, 12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(visible, hidden, data):
    params = {
        "W": data.draw(
            st.lists(
                st.lists(WEIGHTS, min_size=hidden, max_size=hidden),
                min_size=visible,
                max_size=visible,
            )
        ),
        "b": data.draw(st.none() | st.lists(WEIGHTS, min_size=visible, max_size=visible)),
        "c": data.draw(st.none() | st.lists(WEIGHTS, min_size=hidden, max_size=hidden)),
        "cd_k": data.draw(st.integers(1, 5)),
        "seed": data.draw(st.integers(0, 2**32 - 1)),
    }
    run_or_reject(DEMO, params)


def test_view_tables_every_joint_state():
    params = RBMParams()
    shown = DEMO.view(params, compute(params))
    assert [r["v"] for r in shown["visible_rows"]] == ["00", "01", "10", "11"]
    assert len(shown["joint_rows"]) == 8
    assert shown["joint_rows"][-1] == {
        "v": "11",
        "h": "1",
        "energy": "-2",
        "weight": "7.389",
        "p": "0.4145",
    }
    assert "Z = 17.83" in shown["exact_svg"]


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
