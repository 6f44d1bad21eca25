"""LSTM and GRU cells stepped through a short sequence, with torch.nn.LSTMCell/GRUCell's layout."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.charts.bars import bar_chart
from app.charts.lines import Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams

MAX_HIDDEN = 8
MAX_INPUT = 8
MAX_STEPS = 16
MAX_GATE_SHIFT = 10  # a forget bias or input spike of ±10 already saturates every sigmoid

Value = Annotated[float, Field(ge=-1e6, le=1e6)]
Vector = Annotated[list[Value], Field(max_length=4 * MAX_HIDDEN)]
Matrix = Annotated[list[list[Value]], Field(max_length=4 * MAX_HIDDEN)]

LSTM_GATES = ("i", "f", "g", "o")
GRU_GATES = ("r", "z", "n")


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) written with tanh, so no overflow warning for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def init_weights(
    rng: np.random.Generator, gates: int, input_size: int, hidden: int
) -> dict[str, np.ndarray]:
    """U(−1/√H, 1/√H) for every weight and bias, as PyTorch's recurrent layers."""
    bound = 1.0 / np.sqrt(hidden)
    shapes = {
        "w_ih": (gates * hidden, input_size),
        "w_hh": (gates * hidden, hidden),
        "b_ih": (gates * hidden,),
        "b_hh": (gates * hidden,),
    }
    return {name: rng.uniform(-bound, bound, shape) for name, shape in shapes.items()}


def default_sequence(input_size: int) -> list[list[float]]:
    """The unit vectors, then all ones: [[1, 0], [0, 1], [1, 1]] for two inputs."""
    rows = np.vstack([np.eye(input_size), np.ones((1, input_size))])
    return rows.tolist()


def check_rows(rows: list[list[float]], width: int, what: str, of: str = "") -> list[list[float]]:
    """Every row has ``width`` values; ``of`` names a part of the field (w_ih of weights)."""
    bad = [i for i, row in enumerate(rows) if len(row) != width]
    if bad:
        where = f" of {of}" if of else ""
        raise ValueError(f"every row{where} needs {width} values ({what}); row {bad[0]} does not")
    return rows


def check_length(values: list[float] | None, size: int | None, what: str, of: str = "") -> Any:
    if values is not None and size is not None and len(values) != size:
        raise ValueError(f"{of + ' ' if of else ''}needs {size} values ({what}), got {len(values)}")
    return values


class RecurrentWeights(DemoParams):
    w_ih: Matrix = Field(description="Input-to-hidden weights, (gates·hidden) × input_size")
    w_hh: Matrix = Field(description="Hidden-to-hidden weights, (gates·hidden) × hidden")
    b_ih: Vector = Field(description="Input-to-hidden bias, gates·hidden values")
    b_hh: Vector = Field(description="Hidden-to-hidden bias, gates·hidden values")


def _width(rows: Any) -> int | None:
    """The length of the first row of a matrix given as JSON, else None."""
    if isinstance(rows, list) and rows and isinstance(rows[0], list):
        return len(rows[0])
    return None


class CellParams(DemoParams):
    """Shared by both cells; ``GATES`` names the gate blocks in PyTorch's order.

    ``input_size`` and ``hidden`` are inferred from the arrays given (x, sequence, h, c, the
    weights), so a call in PyTorch's layout needs no sizes; a size given that the arrays
    contradict is refused by the array's own check, which names the size.
    """

    GATES: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _infer_sizes(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        weights = data["weights"] if isinstance(data.get("weights"), dict) else {}
        x, h, c = (data.get(k) for k in ("x", "h", "c"))
        inferred = {
            "input_size": next(
                (
                    n
                    for n in (
                        len(x) if isinstance(x, list) else None,
                        _width(data.get("sequence")),
                        _width(weights.get("w_ih")),
                    )
                    if n
                ),
                None,
            ),
            "hidden": next(
                (
                    n
                    for n in (
                        len(h) if isinstance(h, list) else None,
                        len(c) if isinstance(c, list) else None,
                        _width(weights.get("w_hh")),
                    )
                    if n
                ),
                None,
            ),
        }
        missing = {
            name: size
            for name, size in inferred.items()
            if size is not None and data.get(name) in (None, "")
        }
        return {**data, **missing} if missing else data

    hidden: int = Field(3, ge=1, le=MAX_HIDDEN, description="Hidden size H")
    input_size: int = Field(2, ge=1, le=MAX_INPUT, description="Input size I")
    sequence: list[list[Value]] | None = Field(
        None,
        min_length=1,
        max_length=MAX_STEPS,
        description=(
            f"Inputs to step through, steps × input_size (≤ {MAX_STEPS} steps); "
            "default: the unit vectors then all ones, [[1, 0], [0, 1], [1, 1]]"
        ),
    )
    x: list[Value] | None = Field(
        None, max_length=MAX_INPUT, description="One input; when given, one step from h (and c)"
    )
    h: list[Value] | None = Field(
        None, max_length=MAX_HIDDEN, description="Previous hidden state (default zeros)"
    )
    weights: RecurrentWeights | None = Field(
        None, description="w_ih, w_hh, b_ih, b_hh in PyTorch's layout (default: seeded)"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the default weights")

    @field_validator("sequence")
    @classmethod
    def _sequence_width(cls, rows: Any, info: ValidationInfo) -> Any:
        size = info.data.get("input_size")
        return rows if rows is None or size is None else check_rows(rows, size, "input_size")

    @field_validator("x")
    @classmethod
    def _x_size(cls, x: Any, info: ValidationInfo) -> Any:
        return check_length(x, info.data.get("input_size"), "input_size")

    @field_validator("h")
    @classmethod
    def _h_size(cls, h: Any, info: ValidationInfo) -> Any:
        return check_length(h, info.data.get("hidden"), "hidden")

    @field_validator("weights")
    @classmethod
    def _weight_shapes(cls, weights: Any, info: ValidationInfo) -> Any:
        hidden, size = info.data.get("hidden"), info.data.get("input_size")
        if weights is None or hidden is None or size is None:
            return weights
        rows = len(cls.GATES) * hidden
        what = f"{len(cls.GATES)}·hidden"
        for name, width in (("w_ih", size), ("w_hh", hidden)):
            matrix = getattr(weights, name)
            if len(matrix) != rows:
                raise ValueError(f"{name} needs {rows} rows ({what}), got {len(matrix)}")
            check_rows(matrix, width, "input_size" if width == size else "hidden", of=name)
        for name in ("b_ih", "b_hh"):
            check_length(getattr(weights, name), rows, what, of=name)
        return weights


class LSTMParams(CellParams):
    GATES = LSTM_GATES

    c: list[Value] | None = Field(
        None, max_length=MAX_HIDDEN, description="Previous cell state (default zeros)"
    )
    forget_bias: float = Field(
        0.0,
        ge=-MAX_GATE_SHIFT,
        le=MAX_GATE_SHIFT,
        description="Forget-gate bias, added to f's pre-activation: +6 gives f ≈ 1 (the cell "
        "keeps its memory), −6 gives f ≈ 0 (it forgets every step)",
        json_schema_extra={"slider": [-MAX_GATE_SHIFT, MAX_GATE_SHIFT, 0.5]},
    )
    input_spike: float = Field(
        0.0,
        ge=-MAX_GATE_SHIFT,
        le=MAX_GATE_SHIFT,
        description="Input spike, added to every input value of the first step: what the cell "
        "state has to remember",
        json_schema_extra={"slider": [-MAX_GATE_SHIFT, MAX_GATE_SHIFT, 0.5]},
    )

    @field_validator("c")
    @classmethod
    def _c_size(cls, c: Any, info: ValidationInfo) -> Any:
        return check_length(c, info.data.get("hidden"), "hidden")


class GRUParams(CellParams):
    GATES = GRU_GATES


def lstm_step(
    x: np.ndarray,
    h: np.ndarray,
    c: np.ndarray,
    w: dict[str, np.ndarray],
    forget_bias: float = 0.0,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """torch.nn.LSTMCell: gates i, f, g, o; c' = f·c + i·g; h' = o·tanh(c').

    ``forget_bias`` is added to f's pre-activation, as a larger b_f would be (Jozefowicz et
    al. 2015 start it at 1 so a fresh LSTM remembers).
    """
    pre = w["w_ih"] @ x + w["b_ih"] + w["w_hh"] @ h + w["b_hh"]
    i, f, g, o = np.split(pre, 4)
    gates = {"i": sigmoid(i), "f": sigmoid(f + forget_bias), "g": np.tanh(g), "o": sigmoid(o)}
    c_new = gates["f"] * c + gates["i"] * gates["g"]
    return gates, gates["o"] * np.tanh(c_new), c_new


def gru_step(
    x: np.ndarray, h: np.ndarray, w: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """torch.nn.GRUCell: r, z, n with n = tanh(W_in x + b_in + r·(W_hn h + b_hn))."""
    xr, xz, xn = np.split(w["w_ih"] @ x + w["b_ih"], 3)
    hr, hz, hn = np.split(w["w_hh"] @ h + w["b_hh"], 3)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    return {"r": r, "z": z, "n": n}, (1.0 - z) * n + z * h


def weights_of(params: CellParams) -> dict[str, np.ndarray]:
    if params.weights is not None:
        return {k: np.array(v, dtype=float) for k, v in params.weights.model_dump().items()}
    rng = np.random.default_rng(params.seed)
    return init_weights(rng, len(params.GATES), params.input_size, params.hidden)


def inputs_of(params: CellParams) -> np.ndarray:
    if params.x is not None:
        return np.array([params.x], dtype=float)
    rows = params.sequence if params.sequence is not None else default_sequence(params.input_size)
    return np.array(rows, dtype=float)


def _state(values: list[float] | None, hidden: int) -> np.ndarray:
    return np.zeros(hidden) if values is None else np.array(values, dtype=float)


def _listed(arrays: dict[str, np.ndarray]) -> dict[str, list[Any]]:
    return {name: a.tolist() for name, a in arrays.items()}


def compute_lstm(params: LSTMParams) -> dict[str, Any]:
    w, xs = weights_of(params), inputs_of(params)
    xs[0] += params.input_spike
    h, c = _state(params.h, params.hidden), _state(params.c, params.hidden)
    steps = []
    for x in xs:
        gates, h, c = lstm_step(x, h, c, w, params.forget_bias)
        steps.append({"x": x.tolist(), "gates": _listed(gates), "h": h.tolist(), "c": c.tolist()})
    last = steps[-1]
    return {
        "gates": last["gates"],
        "h": last["h"],
        "c": last["c"],
        "steps": steps,
        "weights": _listed(w),
        # the share of the cell state a step keeps, on average: f over every step and unit
        "mean_forget": float(np.mean([s["gates"]["f"] for s in steps])),
    }


def compute_gru(params: GRUParams) -> dict[str, Any]:
    w, xs = weights_of(params), inputs_of(params)
    h = _state(params.h, params.hidden)
    steps = []
    for x in xs:
        gates, h = gru_step(x, h, w)
        steps.append({"x": x.tolist(), "gates": _listed(gates), "h": h.tolist()})
    last = steps[-1]
    return {"gates": last["gates"], "h": last["h"], "steps": steps, "weights": _listed(w)}


def view(params: CellParams, result: dict[str, Any]) -> dict[str, Any]:
    """Gate bars of the last step, the hidden state over the steps, and a table per step."""
    gates = result["gates"]
    labels = [f"{name}{j + 1}" for name, values in gates.items() for j in range(len(values))]
    values = [v for name in gates for v in gates[name]]
    squashed = [i for i, label in enumerate(labels) if label[0] in "gn"]  # tanh, not sigmoid
    steps = result["steps"]
    t = list(range(1, len(steps) + 1))
    unit = [f"series-{j % 6 + 1}" for j in range(params.hidden)]  # h_j and c_j share a colour
    series = [
        Series(t, [s["h"][j] for s in steps], f"h{j + 1}", kind="both", css=unit[j])
        for j in range(params.hidden)
    ]
    if "c" in result:
        series += [
            Series(t, [s["c"][j] for s in steps], f"c{j + 1}", dashed=True, css=unit[j])
            for j in range(params.hidden)
        ]
    return {
        "mean_forget": fmt(result["mean_forget"]) if "mean_forget" in result else None,
        "gates_svg": bar_chart(
            labels,
            values,
            title=f"Gates at step {len(steps)}",
            desc="Gate values of the last step: "
            + "; ".join(f"{n} = {', '.join(fmt(v) for v in vs)}" for n, vs in gates.items()),
            y_range=(-1.0, 1.0),
            highlight=squashed,
            value_labels=[f"{v:.2f}" for v in values],
            width=PAIR_WIDTH,
            height=260,
        ),
        "states_svg": line_plot(
            series,
            title="States over the sequence",
            desc="Hidden state (and cell state, dashed) after each step",
            x_label="step",
            y_label="state",
            x_range=(0.5, len(steps) + 0.5),
            width=PAIR_WIDTH,
            height=300,
        ),
        "rows": [
            {
                "step": i + 1,
                "x": [fmt(v) for v in s["x"]],
                "gates": {n: [f"{v:.3f}" for v in vs] for n, vs in s["gates"].items()},
                "h": [f"{v:.3f}" for v in s["h"]],
                "c": [f"{v:.3f}" for v in s["c"]] if "c" in s else None,
            }
            for i, s in enumerate(steps)
        ],
    }


def _maximum(gates: int) -> dict[str, Any]:
    rows = gates * MAX_HIDDEN
    return {
        "hidden": MAX_HIDDEN,
        "input_size": MAX_INPUT,
        "sequence": [[(t * j) % 5 - 2.0 for j in range(MAX_INPUT)] for t in range(MAX_STEPS)],
        "h": [0.5] * MAX_HIDDEN,
        "weights": {
            "w_ih": [[0.1] * MAX_INPUT] * rows,
            "w_hh": [[-0.1] * MAX_HIDDEN] * rows,
            "b_ih": [0.0] * rows,
            "b_hh": [0.1] * rows,
        },
    }


# One input, then nothing: with f ≈ 1 the spike's trace stays in c, with f ≈ 0 it is gone.
_SPIKE_THEN_ZEROS = [[0.0, 0.0]] * 6

DEMOS = [
    Demo(
        slug="lstm-cell",
        title="LSTM cell, gate by gate",
        summary="Step an LSTM cell through a short sequence and watch its four gates.",
        params=LSTMParams,
        compute=compute_lstm,
        view=view,
        explain=(
            "The input gate i, forget gate f and output gate o are sigmoids between 0 and 1; "
            "the candidate g is a tanh between −1 and 1. The new cell state is c′ = f·c + i·g: "
            "when f stays near 1 and i near 0, the cell carries its memory unchanged across "
            "steps, which is how gradients survive long sequences. Move the forget-gate bias to "
            "+6 after an input spike and c keeps the spike (*memory kept*); at −6, f ≈ 0 and c "
            "holds only the current step's i·g (*memory forgotten*). The hidden state "
            "h′ = o·tanh(c′) is what the next layer sees. Gates are stacked in PyTorch's "
            "order i, f, g, o in rows of w_ih (4H × I) and w_hh (4H × H)."
        ),
        examples={
            "maximum": {**_maximum(4), "c": [-0.5] * MAX_HIDDEN},
            "one-step": {"x": [1, -1], "h": [0.5, 0, -0.5], "c": [1, 0, -1]},
            "memory-kept": {"sequence": _SPIKE_THEN_ZEROS, "input_spike": 3, "forget_bias": 6},
            "memory-forgotten": {
                "sequence": _SPIKE_THEN_ZEROS,
                "input_spike": 3,
                "forget_bias": -6,
            },
        },
    ),
    Demo(
        slug="gru-cell",
        title="GRU cell, gate by gate",
        summary="Step a GRU cell through a short sequence and watch its reset and update gates.",
        params=GRUParams,
        compute=compute_gru,
        view=view,
        explain=(
            "The reset gate r decides how much of the previous state enters the candidate "
            "n = tanh(W_in x + b_in + r·(W_hn h + b_hn)); the update gate z blends old and new: "
            "h′ = (1 − z)·n + z·h. With z near 1 the state is copied forward untouched, the "
            "GRU's counterpart of the LSTM's forget gate, with one state and three gate blocks "
            "instead of two states and four. Gates are stacked in PyTorch's order r, z, n."
        ),
        examples={
            "maximum": _maximum(3),
            "one-step": {"x": [1, -1], "h": [0.5, 0, -0.5]},
        },
    ),
]
