"""bidirectional: the backward pass is a forward pass over the reversed sequence."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from pydantic import ValidationError

from app.demos.bidirectional import DEMO, BidirectionalParams, compute, rnn_pass
from tests.demos._finite import assert_pages_render, run_or_reject

SEQUENCE = [[1, 0], [0, 1], [1, 1], [0, 0]]


def test_backward_states_are_the_forward_pass_on_the_reversed_sequence():
    result = compute(BidirectionalParams(sequence=SEQUENCE, hidden=3, seed=5))
    weights = {k: np.array(v) for k, v in result["weights"]["backward"].items()}
    on_reversed = rnn_pass(np.array(SEQUENCE[::-1], dtype=float), weights)
    assert_allclose(result["backward"], on_reversed[::-1])
    assert_allclose(result["backward_on_reversed"], on_reversed)


def test_first_forward_step_by_hand():
    result = compute(BidirectionalParams(sequence=[[2.0]], hidden=1))
    w = result["weights"]["forward"]
    expected = math.tanh(w["w_ih"][0][0] * 2 + w["b_ih"][0] + w["b_hh"][0])
    assert_allclose(result["forward"], [[expected]])


def test_output_concatenates_both_directions_and_h_n_takes_their_last_steps():
    result = compute(BidirectionalParams())
    assert len(result["output"]) == 4
    for out, fwd, bwd in zip(result["output"], result["forward"], result["backward"], strict=True):
        assert out == fwd + bwd
    assert result["h_n"] == {"forward": result["forward"][-1], "backward": result["backward"][0]}


def test_directions_have_their_own_seeded_weights():
    result = compute(BidirectionalParams())
    assert result["weights"]["forward"] != result["weights"]["backward"]
    assert compute(BidirectionalParams()) == result


@pytest.mark.parametrize("sequence", [[[1, 0], [1]], [[]], [], [[0.0] * 9], [[0.0, 1.0]] * 17])
def test_bad_sequences_are_rejected_naming_sequence(sequence):
    with pytest.raises(ValidationError) as error:
        BidirectionalParams(sequence=sequence)
    assert error.value.errors()[0]["loc"][0] == "sequence"


def test_maximum_example_is_valid():
    result = compute(BidirectionalParams(**DEMO.examples["maximum"]))
    assert len(result["output"][0]) == 32


@settings(max_examples=40, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "sequence": st.integers(1, 9).flatmap(
                lambda w: st.lists(
                    st.lists(st.floats(-1e6, 1e6), min_size=w, max_size=w), max_size=17
                )
            ),
            "hidden": st.integers(0, 17),
            "seed": st.integers(0, 2**32 - 1),
        }
    )
)
def test_random_inputs_are_rejected_or_give_finite_results(params):
    run_or_reject(DEMO, params)


def test_view_draws_both_directions():
    params = BidirectionalParams()
    shown = DEMO.view(params, compute(params))
    assert "forward h1" in shown["states_svg"] and "backward h3" in shown["states_svg"]
    assert len(shown["output"]) == 4 and len(shown["output"][0]) == 6


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
