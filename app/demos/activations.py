"""Activation functions with their derivatives, and softmax with a temperature."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, cast

import numpy as np
from pydantic import Field, model_validator

from app.charts.bars import bar_chart
from app.charts.lines import Line, Mark, Region, Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams

Activation = Literal[
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "silu", "step", "maxout"
]
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}
SATURATION = 0.01  # |f'| below this counts as saturated
RANGE_POINTS = 401
PLOT_POINTS = 600  # drawn per curve; more than the plot's pixels adds nothing
MAX_POINTS = 10001
MAX_PIECES = 16
MAX_LOGITS = 50

Coordinate = Annotated[float, Field(ge=-1e6, le=1e6)]
Piece = tuple[Annotated[float, Field(ge=-100, le=100)], Annotated[float, Field(ge=-100, le=100)]]

_erf = np.frompyfunc(math.erf, 1, 1)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow: exp is only ever taken of -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def activation(
    fn: str, x: np.ndarray, alpha: float, pieces: list[tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) elementwise, with PyTorch's choice of derivative at kinks (relu'(0) = 0)."""
    if fn == "sigmoid":
        s = sigmoid(x)
        return s, s * (1 - s)
    if fn == "tanh":
        t = np.tanh(x)
        return t, 1 - t * t
    if fn == "relu":
        return np.maximum(x, 0.0), (x > 0).astype(float)
    if fn == "leaky_relu":
        return np.where(x > 0, x, alpha * x), np.where(x > 0, 1.0, alpha)
    if fn == "elu":
        negative = np.minimum(x, 0.0)  # exp only of non-positive values
        return np.where(x > 0, x, alpha * np.expm1(negative)), np.where(
            x > 0, 1.0, alpha * np.exp(negative)
        )
    if fn == "softplus":  # log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))), sigmoid(x)
    if fn == "gelu":  # exact: x·Φ(x), Φ the standard normal CDF
        erf = cast(np.ndarray, _erf(x / math.sqrt(2)))  # frompyfunc of an array is an array
        cdf = 0.5 * (1 + erf.astype(float))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return x * cdf, cdf + x * pdf
    if fn == "silu":
        s = sigmoid(x)
        return x * s, s * (1 + x * (1 - s))
    if fn == "step":
        return (x >= 0).astype(float), np.zeros_like(x)
    w = np.array([p[0] for p in pieces])  # maxout: max_k (w_k x + b_k)
    b = np.array([p[1] for p in pieces])
    lines = np.outer(x, w) + b
    best = np.argmax(lines, axis=1)
    return lines[np.arange(x.size), best], w[best]


def saturated_regions(x: np.ndarray, dy: np.ndarray) -> list[list[float]]:
    """Intervals [x0, x1] of the sampled x where |f'(x)| < 0.01."""
    flat = np.abs(dy) < SATURATION
    edges = np.diff(np.concatenate([[0], flat.astype(int), [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1
    return [[float(x[s]), float(x[e])] for s, e in zip(starts, ends, strict=True)]


class ActivationParams(DemoParams):
    fn: Activation = Field(
        "sigmoid", title="Function", description="The activation function to study"
    )
    compare: list[Activation] = Field(
        [], max_length=9, title="Compare with", description="Other functions to overlay"
    )
    x_min: float = Field(
        -6.0, ge=-1e4, le=1e4, title="Plot from x", description="Left end of the plotted range"
    )
    x_max: float = Field(
        6.0, ge=-1e4, le=1e4, title="Plot to x", description="Right end of the plotted range"
    )
    x: list[Coordinate] | None = Field(
        None,
        max_length=MAX_POINTS,
        title="Explicit x values",
        description="Explicit x values (overrides the range)",
    )
    alpha: float | None = Field(
        None,
        ge=0,
        le=10,
        title="α (slope or scale)",
        description="Negative slope (leaky_relu, default 0.01) or scale (elu, 1)",
        json_schema_extra={"show_when": {"fn": ["leaky_relu", "elu"]}},
    )
    pieces: list[Piece] = Field(
        [(1.0, 0.0), (-1.0, 0.0)],
        min_length=1,
        max_length=MAX_PIECES,
        title="Maxout pieces (w, b)",
        description="maxout: the linear pieces (w, b); f(x) = max_k (w_k·x + b_k)",
        json_schema_extra={"show_when": {"fn": ["maxout"]}},
    )
    at: float = Field(
        0.0,
        ge=-1e4,
        le=1e4,
        title="Read out at x",
        description="Read f and f' out at this x (the slider spans the plotted range)",
        json_schema_extra={"slider": [-6, 6, 0.1], "slider_range": ["x_min", "x_max"]},
    )

    @model_validator(mode="after")
    def _range_is_increasing(self) -> ActivationParams:
        if self.x is None and not self.x_min < self.x_max:
            raise ValueError("x_max must be greater than x_min")
        return self


def _alpha(params: ActivationParams, fn: str) -> float:
    return params.alpha if params.alpha is not None else DEFAULT_ALPHA.get(fn, 0.0)


def compute_activations(params: ActivationParams) -> dict[str, Any]:
    """f and f' over the x values for the chosen and compared functions, read out at ``at``."""
    if params.x:
        x = np.asarray(params.x, dtype=float)
    else:
        x = np.linspace(params.x_min, params.x_max, RANGE_POINTS)
    pieces = list(params.pieces)
    y, dy = activation(params.fn, x, _alpha(params, params.fn), pieces)
    at_y, at_dy = activation(params.fn, np.array([params.at]), _alpha(params, params.fn), pieces)
    compared = {}
    for fn in dict.fromkeys(params.compare):
        if fn != params.fn:
            cy, cdy = activation(fn, x, _alpha(params, fn), pieces)
            compared[fn] = {"y": cy.tolist(), "dy": cdy.tolist()}
    return {
        "fn": params.fn,
        "x": x.tolist(),
        "y": y.tolist(),
        "dy": dy.tolist(),
        "at": {"x": params.at, "y": float(at_y[0]), "dy": float(at_dy[0])},
        "saturated": saturated_regions(x, dy),
        "compare": compared,
    }


def view_activations(params: ActivationParams, result: dict[str, Any]) -> dict[str, Any]:
    fn, at = result["fn"], result["at"]
    step = max(1, len(result["x"]) // PLOT_POINTS)  # thin the lists before they become arrays

    def thin(values: list[float]) -> np.ndarray:
        return np.asarray(values[::step] + values[-1:])

    x = thin(result["x"])
    series = [Series(x, thin(result["y"]), f"{fn}(x)", css="series-1")]
    series.append(Series(x, thin(result["dy"]), f"{fn}'(x)", css="series-1", dashed=True))
    for i, (name, curves) in enumerate(result["compare"].items()):
        css = f"series-{(i + 1) % 6 + 1}"
        series.append(Series(x, thin(curves["y"]), f"{name}(x)", css=css))
        series.append(Series(x, thin(curves["dy"]), f"{name}'", css=css, dashed=True))
    regions = [Region(a, b) for a, b in result["saturated"]]
    saturated = ", ".join(f"[{fmt(a)}, {fmt(b)}]" for a, b in result["saturated"]) or "none"
    plot = line_plot(
        series,
        title=f"{fn} and its derivative",
        desc=(
            f"{fn}(x) (solid) and its derivative (dashed) for x from {fmt(result['x'][0])} "
            f"to {fmt(result['x'][-1])}. At x = {fmt(at['x'])}: f = {fmt(at['y'])}, "
            f"f' = {fmt(at['dy'])}. Shaded: saturated where |f'| < 0.01: {saturated}."
        ),
        x_label="x",
        y_label="f(x), f'(x)",
        regions=regions,
        vlines=[Line(at["x"])],
        marks=[Mark(at["x"], at["y"], f"f = {fmt(at['y'])}")],
    )
    return {"plot": plot, "saturated_text": saturated}


class SoftmaxParams(DemoParams):
    z: list[Annotated[float, Field(ge=-1e6, le=1e6)]] = Field(
        [1.0, 2.0, 3.0], min_length=1, max_length=MAX_LOGITS, description="The logits (≤ 50)"
    )
    temperature: float = Field(
        1.0,
        ge=1e-3,
        le=1e3,
        description="Divides the logits: small → argmax, large → uniform",
        json_schema_extra={"slider": [0.05, 10, 0.05]},
    )
    shift: float = Field(0.0, ge=-1e6, le=1e6, description="A constant added to every logit")


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """exp(z/T) normalized, computed from z − max z so it never overflows."""
    scaled = (z - z.max()) / temperature
    e = np.exp(scaled)
    return e / e.sum()


SWEEP_TEMPERATURES = np.geomspace(0.05, 20, 60)


def compute_softmax(params: SoftmaxParams) -> dict[str, Any]:
    """Probabilities, their invariance to the shift, and how they move with the temperature."""
    z = np.asarray(params.z, dtype=float)
    shifted = z + params.shift
    p = softmax(shifted, params.temperature)
    p_unshifted = softmax(z, params.temperature)
    with np.errstate(divide="ignore"):
        logs = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
    sweep = np.array([softmax(z, t) for t in SWEEP_TEMPERATURES])
    return {
        "p": p.tolist(),
        "logits": shifted.tolist(),
        "argmax": int(np.argmax(p)),
        "entropy": float(-(p * logs).sum()),
        "max_entropy": math.log(z.size),
        "shift_difference": float(np.abs(p - p_unshifted).max()),
        "temperatures": SWEEP_TEMPERATURES.tolist(),
        "p_by_temperature": sweep.T.tolist(),  # one row per logit
    }


def view_softmax(params: SoftmaxParams, result: dict[str, Any]) -> dict[str, Any]:
    p = result["p"]
    labels = [f"z{i + 1}" for i in range(len(p))]
    bars = bar_chart(
        labels,
        p,
        title="Softmax probabilities",
        desc="Probabilities: " + ", ".join(f"{a} {fmt(b)}" for a, b in zip(labels, p, strict=True)),
        y_label="p",
        y_range=(0, 1),
        highlight=[result["argmax"]],
        width=PAIR_WIDTH,
        height=280,
    )
    shown = range(min(len(p), 6))
    sweep = line_plot(
        [Series(result["temperatures"], result["p_by_temperature"][i], labels[i]) for i in shown],
        title="Probabilities against temperature",
        desc="As T → 0 the largest logit takes all the mass; as T grows every p tends to 1/n.",
        x_label="temperature T",
        y_label="p",
        y_range=(0, 1),
        vlines=[Line(params.temperature, f"T = {fmt(params.temperature)}")],
        hlines=[Line(1 / len(p), "uniform 1/n")],
        # the change happens at small T: show up to 5 unless the chosen T is further out
        x_range=(0.0, min(max(result["temperatures"]), max(5.0, 1.5 * params.temperature))),
        width=PAIR_WIDTH,
        height=300,
    )
    rows = [
        {"label": lab, "z": z, "p": prob, "argmax": i == result["argmax"]}
        for i, (lab, z, prob) in enumerate(zip(labels, result["logits"], p, strict=True))
    ]
    return {"bars": bars, "sweep": sweep, "rows": rows}


DEMOS = [
    Demo(
        slug="activations",
        title="Activation functions and their derivatives",
        summary="Plot f and f' of ten activations, compare them, and see where they saturate.",
        params=ActivationParams,
        compute=compute_activations,
        view=view_activations,
        explain=(
            "The dashed curve is the derivative, the factor by which backpropagation scales "
            "the gradient at this unit. **Shaded regions** are where |f'| < 0.01: a unit whose "
            "input sits there passes almost no gradient back (sigmoid and tanh saturate on "
            "both sides; sigmoid' is at most 0.25, so a chain of sigmoids shrinks gradients by "
            "at least 4× per layer). ReLU never saturates for x > 0 but has zero gradient for "
            "x < 0 (a *dead* unit if it stays there); leaky ReLU and ELU keep a small slope. "
            "GELU and SiLU are smooth and slightly non-monotonic near 0. Try `x_min=-10000` and "
            "`x_max=10000`: sigmoid and softplus are computed stably and give exact limits."
        ),
        examples={
            "maximum": {
                "fn": "maxout",
                "compare": [
                    "sigmoid",
                    "tanh",
                    "relu",
                    "leaky_relu",
                    "elu",
                    "softplus",
                    "gelu",
                    "silu",
                    "step",
                ],  # fmt: skip
                "x": np.linspace(-1e4, 1e4, MAX_POINTS).tolist(),
                "pieces": [[(k - 8) / 4, k / 10] for k in range(MAX_PIECES)],
            },
            "relu-vs-leaky": {"fn": "relu", "compare": ["leaky_relu", "elu"], "alpha": 0.1},
            "sigmoid-vs-tanh": {"fn": "sigmoid", "compare": ["tanh"]},
        },
    ),
    Demo(
        slug="softmax",
        title="Softmax and temperature",
        summary="Turn logits into probabilities; shift them, cool them to argmax, heat them up.",
        params=SoftmaxParams,
        compute=compute_softmax,
        view=view_softmax,
        explain=(
            "softmax(z)ᵢ = exp(zᵢ/T) / Σⱼ exp(zⱼ/T). Adding the same **shift** to every logit "
            "changes nothing (the factor exp(c/T) cancels), which is why implementations "
            "subtract max(z) first: the logits 10000, 10001, 10002 give exactly the same "
            "probabilities as 0, 1, 2 instead of overflowing. Lowering the **temperature** "
            "sharpens the distribution towards a one-hot argmax; raising it flattens it "
            "towards uniform 1/n (entropy → log n). Knowledge distillation and sampling from "
            "language models use T for exactly this."
        ),
        examples={
            "maximum": {
                "z": [((k * 37) % 50 - 25) * 400.0 for k in range(MAX_LOGITS)],
                "temperature": 1e-3,
                "shift": 1e6,
            },
            "shift-invariance": {"z": [10000, 10001, 10002]},
            "cold": {"temperature": 0.1},
            "hot": {"temperature": 10},
        },
    ),
]
