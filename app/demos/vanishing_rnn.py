"""Vanishing and exploding gradients in a plain RNN: ‖∂h_t/∂h_0‖ over time, and clipping.

The recurrence is h_t = act(W h_{t−1} + u_t) with a small random input u_t. W is radius × a
random orthogonal matrix, so its spectral radius and every singular value equal ``radius``: for
the linear RNN ‖∂h_t/∂h_0‖₂ = radiusᵗ exactly, and the activation's slope only shrinks it.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

INPUT_STD = 0.1
H0_STD = 0.5


class VanishingRnnParams(DemoParams):
    length: int = Field(
        50,
        ge=1,
        le=200,
        description="Sequence length T (≤ 200)",
        json_schema_extra={"slider": [1, 200, 1]},
    )
    radius: float = Field(
        0.9,
        ge=0,
        le=3,
        description="Spectral radius of W_hh (every singular value equals it)",
        json_schema_extra={"slider": [0, 2, 0.01]},
    )
    activation: Literal["tanh", "relu", "linear"] = Field(
        "tanh", description="Activation of the recurrence"
    )
    clip: float | None = Field(
        None, gt=0, le=1e6, description="Clip gradient norms to this value (empty: no clipping)"
    )
    hidden: int = Field(16, ge=1, le=32, description="Hidden size (≤ 32)")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of W_hh, h_0 and the inputs")


def orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random orthogonal matrix (QR of a Gaussian with the signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _activate(name: str, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if name == "tanh":
        h = np.tanh(a)
        return h, 1 - h**2
    if name == "relu":
        return np.maximum(a, 0), (a > 0).astype(float)
    return a, np.ones_like(a)


def compute(params: VanishingRnnParams) -> dict[str, Any]:
    """‖∂h_t/∂h_0‖₂ for t = 0..T (the Jacobian product), ‖h_t‖, and the clipped norm."""
    rng = np.random.default_rng(params.seed)
    n = params.hidden
    w = params.radius * orthogonal(n, rng)
    h = H0_STD * rng.standard_normal(n)
    inputs = INPUT_STD * rng.standard_normal((params.length, n))
    jacobian = np.eye(n)
    products = [jacobian]
    hidden_norm = [float(np.linalg.norm(h))]
    for u in inputs:
        h, slope = _activate(params.activation, w @ h + u)
        jacobian = (slope[:, None] * w) @ jacobian  # ∂h_t/∂h_0 = diag(act′) W ∂h_{t−1}/∂h_0
        products.append(jacobian)
        hidden_norm.append(float(np.linalg.norm(h)))
    grad_norm = np.linalg.norm(np.stack(products), ord=2, axis=(1, 2))
    clipped = None if params.clip is None else np.minimum(grad_norm, params.clip).tolist()
    return {
        "t": list(range(params.length + 1)),
        "grad_norm": grad_norm.tolist(),
        "clipped_norm": clipped,
        "hidden_norm": hidden_norm,
        "linear_bound": (params.radius ** np.arange(params.length + 1)).tolist(),
    }


def view(params: VanishingRnnParams, result: dict[str, Any]) -> dict[str, Any]:
    """The gradient norm over time on a log scale, with radiusᵗ and the clipped norm."""
    t, norms = result["t"], result["grad_norm"]
    series = [
        Series(t, norms, f"‖∂hₜ/∂h₀‖ ({params.activation})"),
        Series(t, result["linear_bound"], f"radiusᵗ = {fmt(params.radius)}ᵗ", dashed=True),
    ]
    hlines = []
    if result["clipped_norm"] is not None and params.clip is not None:
        series.append(Series(t, result["clipped_norm"], f"clipped at {fmt(params.clip)}"))
        hlines.append(Line(params.clip, "clip threshold", "danger"))
    plot = line_plot(
        series,
        title=f"Gradient norm through time, spectral radius {fmt(params.radius)}",
        desc=f"‖∂hₜ/∂h₀‖ goes from 1 at t = 0 to {fmt(norms[-1])} at t = {t[-1]}.",
        x_label="time step t",
        y_label="‖∂hₜ/∂h₀‖₂",
        log_y=True,
        hlines=hlines,
    )
    return {
        "plot": plot,
        "final": fmt(norms[-1]),
        "vanished": norms[-1] == 0,
        "clipped_final": None
        if result["clipped_norm"] is None
        else fmt(result["clipped_norm"][-1]),
    }


DEMO = Demo(
    slug="vanishing-rnn",
    title="Vanishing and exploding gradients in an RNN",
    summary="How ‖∂hₜ/∂h₀‖ shrinks or grows with the recurrent weight's spectral radius.",
    params=VanishingRnnParams,
    compute=compute,
    view=view,
    explain=(
        "Backpropagating through t steps multiplies t Jacobians diag(act′)·W, so the gradient "
        "that reaches h₀ scales like radiusᵗ: below 1 it vanishes exponentially (the network "
        "cannot learn long-range dependencies), above 1 it can explode. "
        "The dashed line is radiusᵗ, exact for a linear RNN; tanh′ ≤ 1 only pulls the curve "
        "lower, and ReLU zeroes the gradient of every inactive unit. "
        "Gradient clipping rescales a gradient whose norm exceeds the threshold, "
        "g ← g·clip/‖g‖: it caps the explosion but cannot bring back a vanished gradient. "
        "LSTMs and GRUs address vanishing with an additive, gated cell path."
    ),
    examples={
        "maximum": {"length": 200, "radius": 3.0, "activation": "linear", "hidden": 32},
        "exploding-clipped": {"radius": 1.2, "activation": "linear", "clip": 5.0},
    },
    predict=Prediction(
        question=(
            "Make the RNN linear with spectral radius 1.2 and clip at 5: how large is the "
            "gradient norm 50 steps back, before and after clipping?"
        ),
        preset="exploding-clipped",
        answer=(
            "About 9,100 (1.2⁵⁰ ≈ 9,100) before clipping and exactly 5 after, against 0.001 with "
            "tanh and radius 0.9. Clipping rescales the norm but keeps the direction; it tames "
            "explosion and does nothing for vanishing."
        ),
    ),
)
