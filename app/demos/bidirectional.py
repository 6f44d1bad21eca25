"""A bidirectional tanh RNN (torch.nn.RNN(bidirectional=True)): two passes, one concatenation."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, field_validator

from app.charts.grids import heat_table
from app.charts.lines import Series, line_plot
from app.charts.scale import fmt
from app.demos.recurrent_cells import check_rows, init_weights
from app.demos.registry import Demo, DemoParams, Prediction

MAX_STEPS = 16
MAX_INPUT = 8
MAX_HIDDEN = 16

Value = Annotated[float, Field(ge=-1e6, le=1e6)]


class BidirectionalParams(DemoParams):
    sequence: list[list[Value]] = Field(
        [[1, 0], [0, 1], [1, 1], [0, 0]],
        min_length=1,
        max_length=MAX_STEPS,
        description=f"Inputs, steps × input size (≤ {MAX_STEPS} × {MAX_INPUT})",
    )
    hidden: int = Field(3, ge=1, le=MAX_HIDDEN, description="Hidden size of each direction")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the weights")

    @field_validator("sequence")
    @classmethod
    def _rectangular(cls, rows: list[list[float]]) -> list[list[float]]:
        width = len(rows[0])
        if not 1 <= width <= MAX_INPUT:
            raise ValueError(f"every row needs 1 to {MAX_INPUT} values")
        return check_rows(rows, width, "as the first row")


def rnn_pass(xs: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) from h_0 = 0; one row per step."""
    h = np.zeros(w["w_hh"].shape[0])
    states = []
    for x in xs:
        h = np.tanh(w["w_ih"] @ x + w["b_ih"] + w["w_hh"] @ h + w["b_hh"])
        states.append(h)
    return np.array(states)


def compute(params: BidirectionalParams) -> dict[str, Any]:
    xs = np.array(params.sequence, dtype=float)
    rng = np.random.default_rng(params.seed)
    forward_w = init_weights(rng, 1, xs.shape[1], params.hidden)
    backward_w = init_weights(rng, 1, xs.shape[1], params.hidden)
    forward = rnn_pass(xs, forward_w)
    # The backward direction reads the sequence from its end; its state at step t has seen t..T.
    backward_on_reversed = rnn_pass(xs[::-1], backward_w)
    backward = backward_on_reversed[::-1]
    return {
        "forward": forward.tolist(),
        "backward": backward.tolist(),
        "output": np.hstack([forward, backward]).tolist(),
        "backward_on_reversed": backward_on_reversed.tolist(),
        "h_n": {"forward": forward[-1].tolist(), "backward": backward[0].tolist()},
        "weights": {
            "forward": {k: v.tolist() for k, v in forward_w.items()},
            "backward": {k: v.tolist() for k, v in backward_w.items()},
        },
    }


def view(params: BidirectionalParams, result: dict[str, Any]) -> dict[str, Any]:
    """Both directions' states over the steps, and the concatenated output as a heat table."""
    t = list(range(1, len(result["forward"]) + 1))
    unit = [f"series-{j % 6 + 1}" for j in range(params.hidden)]  # both directions of unit j
    series = [
        Series(t, [h[j] for h in result["forward"]], f"forward h{j + 1}", "both", unit[j])
        for j in range(params.hidden)
    ] + [
        Series(t, [h[j] for h in result["backward"]], f"backward h{j + 1}", "line", unit[j], True)
        for j in range(params.hidden)
    ]
    return {
        "states_svg": line_plot(
            series,
            title="Forward and backward states",
            desc="Each hidden unit of the forward pass (solid) and the backward pass (dashed) "
            "at every step",
            x_label="step",
            y_label="state",
            x_range=(0.5, len(t) + 0.5),
        ),
        "output": heat_table(result["output"]),
        "inputs": [", ".join(fmt(v) for v in x) for x in params.sequence],
    }


DEMO = Demo(
    slug="bidirectional",
    title="Bidirectional RNN",
    summary="A forward and a backward pass over a sequence, concatenated at every step.",
    params=BidirectionalParams,
    compute=compute,
    view=view,
    explain=(
        "Two tanh RNNs with their own weights read the same sequence, one from the first step "
        "and one from the last. The backward state at step t has seen steps t to T, so it is "
        "exactly the forward pass of the backward weights over the reversed sequence, read "
        "back in reverse. Each step's output concatenates both states (2 × hidden values), so "
        "every position knows its past and its future; the final states h_n are the forward "
        "state at the last step and the backward state at the first. This needs the whole "
        "sequence up front, so it suits tagging and encoding, not streaming prediction."
    ),
    examples={
        "maximum": {
            "sequence": [[((t + j) % 3) - 1.0 for j in range(MAX_INPUT)] for t in range(MAX_STEPS)],
            "hidden": MAX_HIDDEN,
        },
        "one-hot": {"sequence": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "hidden": 2},
    },
    predict=Prediction(
        question=(
            "Feed three one-hot steps to a bidirectional RNN with 2 hidden units: is the backward "
            "half of h_n the backward state at the last step or at the first?"
        ),
        preset="one-hot",
        answer=(
            "At the first: h_n backward = (0.827, 0.527), the backward state at step 1, while h_n "
            "forward = (0.073, −0.863) is the forward state at step 3. The backward RNN reads the "
            "sequence from the end, so its final state is reached at position 1, after it has "
            "seen all three steps."
        ),
    ),
)
