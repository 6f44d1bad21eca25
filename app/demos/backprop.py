"""Backpropagation through a small MLP, every forward value and gradient shown, checked numerically.

Layout and conventions follow PyTorch: ``nn.Linear`` weights have shape (out, in), the hidden
layer is ``act(x W1ᵀ + b1)``, the output layer is linear for ``mse`` (mean over all elements,
as ``nn.MSELoss()``) and a sigmoid for ``bce`` (loss computed from the logit, as
``nn.BCEWithLogitsLoss()``), and the update is one plain SGD step ``w ← w − lr·g``.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams

MAX_SAMPLES = 16
MAX_INPUTS = 8
MAX_HIDDEN = 8
MAX_OUTPUTS = 4
DEFAULT_HIDDEN = 3
NUMERIC_STEP = 1e-6
PARAM_NAMES = ("W1", "b1", "W2", "b2")
SHOWN_STEPS = 3  # the loss after this many SGD steps: one step up can still be followed by falls
HALVINGS = 6  # when a step raises the loss, try lr/2, lr/4, ... lr/64 for one that lowers it

Value = Annotated[float, Field(ge=-100, le=100)]
Row = Annotated[list[Value], Field(min_length=1, max_length=MAX_INPUTS)]


class BackpropParams(DemoParams):
    x: list[Row] = Field(
        [[1.0, 0.5]],
        min_length=1,
        max_length=MAX_SAMPLES,
        description="Inputs, samples × features (≤ 16 × 8)",
    )
    y: list[Row] = Field(
        [[1.0]],
        min_length=1,
        max_length=MAX_SAMPLES,
        description="Targets, samples × outputs (≤ 4 outputs; in [0, 1] for bce)",
    )
    W1: list[Row] | None = Field(
        None, max_length=MAX_HIDDEN, description="Hidden weights (hidden × inputs); empty: seeded"
    )
    b1: list[Value] | None = Field(None, max_length=MAX_HIDDEN, description="Hidden biases")
    W2: list[Row] | None = Field(
        None, max_length=MAX_OUTPUTS, description="Output weights (outputs × hidden)"
    )
    b2: list[Value] | None = Field(None, max_length=MAX_OUTPUTS, description="Output biases")
    activation: Literal["sigmoid", "tanh", "relu"] = Field(
        "sigmoid", description="Hidden-layer activation"
    )
    loss: Literal["mse", "bce"] = Field(
        "mse", description="mse: linear output, mean squared error; bce: sigmoid output, BCE"
    )
    lr: float = Field(
        0.5,
        ge=0,
        le=10,
        description="Learning rate of the one SGD step",
        json_schema_extra={"slider": [0, 2, 0.05]},
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed for weights that are not given")

    @model_validator(mode="after")
    def _shapes_agree(self) -> BackpropParams:
        """Every matrix is rectangular and the layer sizes chain together."""
        n_in = _width(self.x, "x")
        n_out = _width(self.y, "y")
        if len(self.y) != len(self.x):
            raise ValueError(f"y needs one row per row of x ({len(self.x)}), got {len(self.y)}")
        if n_out > MAX_OUTPUTS:
            raise ValueError(f"y may have at most {MAX_OUTPUTS} columns (outputs)")
        given = [name for name in PARAM_NAMES if getattr(self, name) is not None]
        if given and len(given) != len(PARAM_NAMES):
            missing = [n for n in PARAM_NAMES if n not in given]
            raise ValueError(  # starts with a field name, so the form shows it next to that field
                f"{missing[0]} is missing: give W1, b1, W2 and b2 together or none of them "
                f"(missing {', '.join(missing)})"
            )
        w1, b1, w2, b2 = self.W1, self.b1, self.W2, self.b2
        if w1 is not None and b1 is not None and w2 is not None and b2 is not None:  # given
            hidden = len(w1)
            _expect_shape(w1, "W1", hidden, n_in)
            _expect_shape([b1], "b1", 1, hidden)
            _expect_shape(w2, "W2", n_out, hidden)
            _expect_shape([b2], "b2", 1, n_out)
        if self.loss == "bce" and any(not 0 <= v <= 1 for row in self.y for v in row):
            raise ValueError("y must lie in [0, 1] for the bce loss")
        return self


def _width(rows: list[list[float]], name: str) -> int:
    if any(len(r) != len(rows[0]) for r in rows):
        raise ValueError(f"{name} must be rectangular: every row needs {len(rows[0])} values")
    return len(rows[0])


def _expect_shape(rows: list[list[float]], name: str, n_rows: int, n_cols: int) -> None:
    if len(rows) != n_rows or any(len(r) != n_cols for r in rows):
        raise ValueError(f"{name} must have shape ({n_rows}, {n_cols}) in nn.Linear layout")


def _activate(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Activation and its derivative at ``z``."""
    if name == "relu":
        return np.maximum(z, 0), (z > 0).astype(float)
    if name == "tanh":
        a = np.tanh(z)
        return a, 1 - a**2
    a = _sigmoid(z)
    return a, a * (1 - a)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def initial_weights(params: BackpropParams) -> dict[str, np.ndarray]:
    """The given weights, or nn.Linear's default U(−1/√fan_in, 1/√fan_in) from the seed."""
    if params.W1 is not None:
        return {name: np.array(getattr(params, name), dtype=float) for name in PARAM_NAMES}
    rng = np.random.default_rng(params.seed)
    n_in, n_out, hidden = len(params.x[0]), len(params.y[0]), DEFAULT_HIDDEN
    b_in, b_hid = 1 / np.sqrt(n_in), 1 / np.sqrt(hidden)
    return {
        "W1": rng.uniform(-b_in, b_in, (hidden, n_in)),
        "b1": rng.uniform(-b_in, b_in, hidden),
        "W2": rng.uniform(-b_hid, b_hid, (n_out, hidden)),
        "b2": rng.uniform(-b_hid, b_hid, n_out),
    }


def forward(
    w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, act: str, loss: str
) -> dict[str, Any]:
    """Every intermediate value of the forward pass, and the loss."""
    z1 = x @ w["W1"].T + w["b1"]
    h, dh = _activate(act, z1)
    z2 = h @ w["W2"].T + w["b2"]
    if loss == "mse":
        out = z2
        value = np.mean((z2 - y) ** 2)
    else:
        out = _sigmoid(z2)
        value = np.mean(np.maximum(z2, 0) - y * z2 + np.log1p(np.exp(-np.abs(z2))))
    return {"z1": z1, "h": h, "dh": dh, "z2": z2, "out": out, "loss": float(value)}


def backward(
    w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, f: dict[str, Any], loss: str
) -> dict[str, np.ndarray]:
    """Analytic gradients by the chain rule, layer by layer."""
    n = y.size  # both losses average over every element
    d_z2 = (2 * (f["z2"] - y) if loss == "mse" else f["out"] - y) / n
    d_h = d_z2 @ w["W2"]
    d_z1 = d_h * f["dh"]
    return {
        "z2": d_z2,
        "h": d_h,
        "z1": d_z1,
        "W2": d_z2.T @ f["h"],
        "b2": d_z2.sum(axis=0),
        "W1": d_z1.T @ x,
        "b1": d_z1.sum(axis=0),
    }


def numeric_gradients(
    w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, act: str, loss: str
) -> dict[str, np.ndarray]:
    """Central differences (L(w + h) − L(w − h)) / 2h for every weight."""
    grads = {}
    for name in PARAM_NAMES:
        g = np.zeros_like(w[name])
        for i in np.ndindex(w[name].shape):
            shifted = {k: v.copy() for k, v in w.items()}
            shifted[name][i] += NUMERIC_STEP
            up = forward(shifted, x, y, act, loss)["loss"]
            shifted[name][i] -= 2 * NUMERIC_STEP
            down = forward(shifted, x, y, act, loss)["loss"]
            g[i] = (up - down) / (2 * NUMERIC_STEP)
        grads[name] = g
    return grads


def sgd_step(
    w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, act: str, loss: str, lr: float
) -> dict[str, np.ndarray]:
    """One plain SGD step from ``w``: w ← w − lr·∂L/∂w."""
    g = backward(w, x, y, forward(w, x, y, act, loss), loss)
    return {name: w[name] - lr * g[name] for name in PARAM_NAMES}


def step_losses(
    w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, act: str, loss: str, lr: float
) -> list[float]:
    """The loss after each of the first SHOWN_STEPS SGD steps."""
    losses = []
    for _ in range(SHOWN_STEPS):
        w = sgd_step(w, x, y, act, loss, lr)
        losses.append(forward(w, x, y, act, loss)["loss"])
    return losses


def smaller_rate(
    w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, act: str, loss: str, lr: float
) -> dict[str, float] | None:
    """The largest of lr/2, lr/4, ... whose one step lowers the loss, and the loss it reaches."""
    start = forward(w, x, y, act, loss)["loss"]
    for k in range(1, HALVINGS + 1):
        rate = lr / 2**k
        after = forward(sgd_step(w, x, y, act, loss, rate), x, y, act, loss)["loss"]
        if after < start:
            return {"lr": rate, "loss_after": after}
    return None


def compute(params: BackpropParams) -> dict[str, Any]:
    """Forward values, loss, gradients (analytic and numeric) and the weights after one step."""
    x = np.array(params.x, dtype=float)
    y = np.array(params.y, dtype=float)
    w = initial_weights(params)
    act, loss = params.activation, params.loss
    f = forward(w, x, y, act, loss)
    g = backward(w, x, y, f, loss)
    numeric = numeric_gradients(w, x, y, act, loss)
    updated = {name: w[name] - params.lr * g[name] for name in PARAM_NAMES}
    after = forward(updated, x, y, act, loss)["loss"]
    rose = after > f["loss"]
    gap = max(float(np.max(np.abs(g[n] - numeric[n]))) for n in PARAM_NAMES)
    return {
        "x": x.tolist(),
        "y": y.tolist(),
        "weights": {n: w[n].tolist() for n in PARAM_NAMES},
        "z1": f["z1"].tolist(),
        "hidden": f["h"].tolist(),
        "z2": f["z2"].tolist(),
        "output": f["out"].tolist(),
        "loss": f["loss"],
        "deltas": {"z2": g["z2"].tolist(), "hidden": g["h"].tolist(), "z1": g["z1"].tolist()},
        "grads": {n: g[n].tolist() for n in PARAM_NAMES},
        "numeric_grads": {n: numeric[n].tolist() for n in PARAM_NAMES},
        "max_grad_difference": gap,
        "updated": {n: updated[n].tolist() for n in PARAM_NAMES},
        "loss_after": after,
        "step_losses": step_losses(w, x, y, act, loss, params.lr),
        "smaller_lr": smaller_rate(w, x, y, act, loss, params.lr) if rose else None,
    }


def _weight_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """One table row per parameter: value, analytic and numeric gradient, value after the step."""
    rows = []
    for name in PARAM_NAMES:
        values = np.array(result["weights"][name])
        grads, numeric = np.array(result["grads"][name]), np.array(result["numeric_grads"][name])
        updated = np.array(result["updated"][name])
        for index in np.ndindex(values.shape):
            rows.append(
                {
                    "name": f"{name}[{', '.join(str(i) for i in index)}]",
                    "value": fmt(float(values[index])),
                    "grad": fmt(float(grads[index])),
                    "numeric": fmt(float(numeric[index])),
                    "updated": fmt(float(updated[index])),
                }
            )
    return rows


def edge_detail(result: dict[str, Any], name: str, j: int, i: int) -> str:
    """What a tap or focus on an edge shows: the weight, its gradient, its value after the step."""
    value = result["weights"][name][j][i]
    grad, updated = result["grads"][name][j][i], result["updated"][name][j][i]
    return f"{name}[{j},{i}] = {fmt(value)}: ∂L/∂w = {fmt(grad)}, after the step {fmt(updated)}"


def network_svg(result: dict[str, Any]) -> str:
    """The network for the first sample: nodes show value and ∂L/∂(pre-activation).

    Edges and nodes carry ``data-detail`` and are focusable, so a tap or a keyboard focus shows
    their numbers in the figure (static/demos.js): a hover-only ``<title>`` never shows on touch.
    """
    w1, w2 = np.array(result["weights"]["W1"]), np.array(result["weights"]["W2"])
    x, hidden, out = result["x"][0], result["hidden"][0], result["output"][0]
    z1, z2 = result["z1"][0], result["z2"][0]
    d1, d2 = result["deltas"]["z1"][0], result["deltas"]["z2"][0]
    layers = [
        [(f"x{i + 1}", f"{fmt(v)}", "") for i, v in enumerate(x)],
        [
            (f"h{i + 1}", f"z {fmt(z)} → {fmt(h)}", f"δ {fmt(d)}")
            for i, (z, h, d) in enumerate(zip(z1, hidden, d1, strict=True))
        ],
        [
            (f"ŷ{i + 1}", f"z {fmt(z)} → {fmt(o)}", f"δ {fmt(d)}")
            for i, (z, o, d) in enumerate(zip(z2, out, d2, strict=True))
        ],
    ]
    # a row holds a circle (r 30) and the value line under it (baseline at +44): 100 px apart
    width, row_height, top = 640, 100, 30
    height = top + row_height * max(len(layer) for layer in layers) + 8
    columns = (70, 320, 570)

    def position(layer: int, i: int) -> tuple[float, float]:
        offset = (height - top - row_height * len(layers[layer])) / 2
        return columns[layer], top + offset + row_height * (i + 0.5)

    parts = [
        f'<svg class="plot plot-network" xmlns="http://www.w3.org/2000/svg" role="group" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="bp-t bp-d">'
        '<title id="bp-t">The network for the first sample</title>'
        '<desc id="bp-d">Edges are weights: solid = positive, dashed = negative, thicker = '
        "larger |w|; each node shows its pre-activation z, its output and δ = ∂L/∂z.</desc>"
    ]
    for layer, weights in ((0, w1), (1, w2)):
        largest = float(np.max(np.abs(weights))) or 1.0
        name = f"W{layer + 1}"
        for (j, i), w in np.ndenumerate(weights):
            (xa, ya), (xb, yb) = position(layer, i), position(layer + 1, j)
            sign = "series-1 positive" if w >= 0 else "series-2 negative"
            thickness = 0.6 + 3.4 * abs(w) / largest
            detail = escape(edge_detail(result, name, j, i))
            ends = f'x1="{xa + 34}" y1="{ya:.1f}" x2="{xb - 34}" y2="{yb:.1f}"'
            parts.append(  # the wide transparent line is what a finger hits
                f'<g class="edge {sign}" tabindex="0" data-detail="{detail}">'
                f"<title>{detail}</title>"
                f'<line class="hit" {ends}/><line {ends} stroke-width="{thickness:.2f}"/></g>'
            )
    for layer, nodes in enumerate(layers):
        for i, (name, value, delta) in enumerate(nodes):
            cx, cy = position(layer, i)
            detail = escape(f"{name}: {value}" + (f", {delta} = ∂L/∂z" if delta else ""))
            parts.append(
                f'<g class="node" tabindex="0" data-detail="{detail}">'
                f'<circle class="frame" cx="{cx}" cy="{cy:.1f}" r="30"/>'
                f'<text x="{cx}" y="{cy - 4:.1f}" text-anchor="middle">{escape(name)}</text>'
                f'<text class="tick" x="{cx}" y="{cy + 44:.1f}" text-anchor="middle">'
                f"{escape(value)}</text>"
                f'<text class="tick" x="{cx}" y="{cy + 12:.1f}" text-anchor="middle">'
                f"{escape(delta)}</text></g>"
            )
    for label, cx in zip(("input", "hidden", "output"), columns, strict=True):
        parts.append(
            f'<text class="axis-label" x="{cx}" y="16" text-anchor="middle">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def step_text(params: BackpropParams, result: dict[str, Any]) -> str:
    """What the SGD step did to the loss, and why when it rose: from the numbers shown."""
    before, after = result["loss"], result["loss_after"]
    later = ", then ".join(fmt(v) for v in result["step_losses"][1:])
    if after < before:
        return (
            f"The step lowered the loss by {fmt(100 * (before - after) / before)} %; "
            f"the next steps give {later}."
        )
    if after == before:
        return f"The step left the loss unchanged (zero gradient or lr = 0); next: {later}."
    why = (
        f"The step raised the loss: lr = {fmt(params.lr)} moved the weights past the lowest point "
        "along −∂L/∂w, since the gradient only gives the slope at the current weights. "
        f"The next steps give {later}."
    )
    smaller = result["smaller_lr"]
    if smaller is not None:
        why += (
            f" With lr = {fmt(smaller['lr'])} the same step lowers the loss to "
            f"{fmt(smaller['loss_after'])}."
        )
    return why


def view(params: BackpropParams, result: dict[str, Any]) -> dict[str, Any]:
    """The annotated network diagram, its legend, and one table row per weight."""
    largest = {n: fmt(float(np.max(np.abs(result["weights"][n])))) for n in ("W1", "W2")}
    return {
        "network": network_svg(result),
        "rows": _weight_rows(result),
        "loss": fmt(result["loss"]),
        "loss_after": fmt(result["loss_after"]),
        "step_text": step_text(params, result),
        "largest": largest,
        "gap": fmt(result["max_grad_difference"]),
    }


_MAX_X = [[1.0] * MAX_INPUTS for _ in range(MAX_SAMPLES)]
_MAX_Y = [[0.5] * MAX_OUTPUTS for _ in range(MAX_SAMPLES)]

DEMO = Demo(
    slug="backprop",
    title="Backpropagation, step by step",
    summary="A 2-3-1 network with every forward value and gradient, checked against numeric ones.",
    params=BackpropParams,
    compute=compute,
    view=view,
    explain=(
        "Follow one example forward: z₁ = x W₁ᵀ + b₁, h = act(z₁), then the output and the loss. "
        "Backward, each gradient is the one above it times a local derivative: "
        "∂L/∂W₂ = δ₂ᵀ h, δ₁ = (δ₂ W₂) ⊙ act′(z₁), ∂L/∂W₁ = δ₁ᵀ x. "
        "The numeric column nudges each weight by ±10⁻⁶ and measures the loss change; "
        "it agrees with the chain rule to about 10⁻⁹, which is how you test a backward pass. "
        "With sigmoid hidden units act′ ≤ 0.25, so gradients shrink on the way down; "
        "a ReLU unit with negative input passes no gradient at all. "
        "The last table is one SGD step, w ← w − lr·∂L/∂w, and the loss after it: "
        "too large a step overshoots and the loss rises, which the text under the loss says "
        "(*step too large*); halve lr and the same gradient lowers it (*learning*)."
    ),
    examples={
        "learning": {"activation": "tanh", "loss": "mse", "lr": 0.25},
        "step-too-large": {"activation": "tanh", "loss": "mse", "lr": 0.5},
        "dead-relu-unit": {
            "x": [[1.0, 0.5]],
            "y": [[1.0]],
            "W1": [[0.5, 0.5], [-1.0, -0.5], [0.3, -0.2]],
            "b1": [0.0, 0.0, 0.1],
            "W2": [[0.6, 0.8, -0.4]],
            "b2": [0.0],
            "activation": "relu",
            "lr": 0.25,
        },
        "two-samples-bce": {
            "x": [[1.0, 0.5], [-1.0, 0.5]],
            "y": [[1.0], [0.0]],
            "activation": "sigmoid",
            "loss": "bce",
            "lr": 1.0,
        },
        "maximum": {
            "x": _MAX_X,
            "y": _MAX_Y,
            "W1": [[0.1] * MAX_INPUTS for _ in range(MAX_HIDDEN)],
            "b1": [0.0] * MAX_HIDDEN,
            "W2": [[0.1] * MAX_HIDDEN for _ in range(MAX_OUTPUTS)],
            "b2": [0.0] * MAX_OUTPUTS,
            "loss": "bce",
        },
    },
)
