"""XOR: the best linear unit gets 75%, the hand-set 2-2-1 network 100%."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.xor import (
    DEMO,
    POINTS,
    TARGETS,
    XorParams,
    best_line,
    compute,
    hand_set_network,
    perceptron_rule_converges,
)
from tests.demos._finite import run_or_reject


def run(**kw):
    return compute(XorParams(**kw))


@pytest.mark.parametrize("problem", ["xor", "xnor"])
def test_no_line_does_better_than_three_of_four(problem):
    _, _, accuracy = best_line(TARGETS[problem])
    assert accuracy == 0.75
    r = run(problem=problem, model="perceptron")
    assert r["accuracy"] == 0.75 and r["perceptron"]["rule_converges"] is False


def test_linearly_separable_tables_are_solved_by_a_line():
    for table in ([0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 0, 0]):  # AND, OR, NOT x1
        targets = np.array(table, dtype=float)
        w, b, accuracy = best_line(targets)
        assert accuracy == 1.0
        assert ((POINTS @ w + b > 0) == targets.astype(bool)).all()
        assert perceptron_rule_converges(targets)


@pytest.mark.parametrize("problem", ["xor", "xnor"])
def test_hand_set_2_2_1_network_solves_it(problem):
    hidden, out = hand_set_network(POINTS, problem)
    assert hidden.tolist() == [[0, 0], [1, 0], [1, 0], [1, 1]]  # (OR, AND) of each input
    assert out.tolist() == TARGETS[problem].tolist()
    assert run(problem=problem)["hand_set"]["accuracy"] == 1.0


def test_trained_network_with_more_hidden_units_solves_it():
    assert all(run(hidden=3, seed=s)["accuracy"] == 1.0 for s in range(5))
    r = run(hidden=3)
    assert r["trained"]["loss"][-1] < 0.05 < r["trained"]["loss"][0]


def test_trained_2_2_1_network_can_get_stuck():
    accuracies = {run(seed=s)["accuracy"] for s in range(10)}
    assert accuracies == {0.5, 1.0}


def test_boundary_grid_and_maximum():
    r = run(**DEMO.examples["maximum"])
    grid = np.array(r["boundary"])
    assert grid.shape == (41, 41) and np.isfinite(grid).all()
    assert ((grid >= 0) & (grid <= 1)).all()
    assert run(model="perceptron")["trained"] is None


@pytest.mark.parametrize("bad", [{"hidden": 0}, {"hidden": 17}, {"problem": "and"}])
def test_bounds(bad):
    with pytest.raises(ValidationError):
        XorParams(**bad)


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["xor", "xnor"]),
    st.sampled_from(["perceptron", "mlp"]),
    st.integers(0, 17),
    st.integers(0, 2**32),
)
def test_random_inputs_are_rejected_or_finite(problem, model, hidden, seed):
    run_or_reject(DEMO, {"problem": problem, "model": model, "hidden": hidden, "seed": seed})
