"""Weight initialization and depth: activation std and gradient norm through a deep plain MLP.

Every layer is ``h_l = act(h_{l−1} W_lᵀ)`` (no bias), width × width, with W_l ~ N(0, σ²):
zeros (σ = 0), normal (σ = ``std``), xavier (σ = √(2 / (fan_in + fan_out))) or he
(σ = √(2 / fan_in)), the normal variants of ``torch.nn.init``. The loss is Σ h_L ⊙ R / B for a
fixed random R, so the gradient that arrives at the top is the same for every init.

A 100 × 512 × 512 stack is 26 M weights, more than a request can draw in time, and a batch of
B inputs only ever sees each W_l through its B-dimensional action. So each W_l is sampled
exactly in distribution from that action: with H = h_{l−1} = U S Vᵀ (thin SVD), W V = C has
iid N(0, σ²) entries, and W = C Vᵀ + W′(I − V Vᵀ) with an independent W′ of the same law. The
forward pass needs only C; the backward product δ W needs C and δ W′, which is again Gaussian
with a B × B covariance. Cost O(B²·width) per layer instead of O(width²).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from app.charts.lines import Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

BATCH = 8
RANK_TOL = 1e-10


class InitDepthParams(DemoParams):
    depth: int = Field(
        20,
        ge=1,
        le=100,
        description="Number of layers (≤ 100)",
        json_schema_extra={"slider": [1, 100, 1]},
    )
    width: int = Field(
        256,
        ge=2,
        le=512,
        description="Units per layer (≤ 512)",
        json_schema_extra={"slider": [2, 512, 1]},
    )
    init: Literal["zeros", "normal", "xavier", "he"] = Field(
        "he", description="Weight init: zeros, N(0, std²), Xavier/Glorot normal, He/Kaiming normal"
    )
    std: float = Field(
        0.01,
        ge=0,
        le=1,
        description="σ of the normal init (only for init=normal)",
        json_schema_extra={"slider": [0, 1, 0.005]},
    )
    activation: Literal["relu", "tanh", "sigmoid", "linear"] = Field(
        "relu", description="Activation after every layer"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of inputs and weights")


def weight_std(init: str, width: int, std: float) -> float:
    """σ of the weights of a width × width layer under each init."""
    return {
        "zeros": 0.0,
        "normal": std,
        "xavier": float(np.sqrt(2 / (width + width))),
        "he": float(np.sqrt(2 / width)),
    }[init]


def _activate(name: str, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Activation and its derivative."""
    if name == "relu":
        return np.maximum(a, 0), (a > 0).astype(float)
    if name == "tanh":
        h = np.tanh(a)
        return h, 1 - h**2
    if name == "sigmoid":
        h = 0.5 * (1 + np.tanh(a / 2))  # σ(a) without overflow
        return h, h * (1 - h)
    return a, np.ones_like(a)


def _left_factor(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """U, s (unit scale) and the scale of a B × n matrix over its rank, from the B × B Gram."""
    scale = float(np.max(np.abs(m)))
    if scale == 0:
        return np.zeros((m.shape[0], 0)), np.zeros(0), m, 1.0
    unit = m / scale
    eigval, eigvec = np.linalg.eigh(unit @ unit.T)
    keep = eigval > RANK_TOL * eigval.max()
    return eigvec[:, keep], np.sqrt(eigval[keep]), unit, scale


def _row_space(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin SVD of a B × n matrix (U·s, s, Vᵀ) over its numerical rank, via the B × B Gram."""
    u, s, unit, scale = _left_factor(m)
    vt = (u.T @ unit) / s[:, None]
    return u * (s * scale), s * scale, vt


def _gaussian_times(
    m: np.ndarray, sigma: float, n_cols: int, rng: np.random.Generator
) -> np.ndarray:
    """A sample of ``m @ G`` for G (m.shape[1] × n_cols) with iid N(0, σ²) entries."""
    u, s, _, scale = _left_factor(m)  # m G has row covariance σ² m mᵀ: U·s is enough, no Vᵀ
    return (u * (s * scale)) @ (sigma * rng.standard_normal((u.shape[1], n_cols)))


def _frobenius_of_product(a: np.ndarray, b: np.ndarray) -> float:
    """‖aᵀ b‖_F for two B-row matrices, from B × B Grams, scaled against overflow."""
    sa, sb = float(np.max(np.abs(a))), float(np.max(np.abs(b)))
    if sa == 0 or sb == 0:
        return 0.0
    an, bn = a / sa, b / sb
    return float(np.sqrt(max(np.sum((an @ an.T) * (bn @ bn.T)), 0.0)) * sa * sb)


def compute(params: InitDepthParams) -> dict[str, Any]:
    """Per-layer activation std and weight-gradient norm ‖∂L/∂W_l‖_F for one batch."""
    rng = np.random.default_rng(params.seed)
    n, sigma = params.width, weight_std(params.init, params.width, params.std)
    h = rng.standard_normal((BATCH, n))
    inputs, slopes, projections = [], [], []
    activation_std, identical = [], []
    for _ in range(params.depth):
        us, _, vt = _row_space(h)
        c = sigma * rng.standard_normal((n, vt.shape[0]))  # W V for this layer
        inputs.append(h)
        projections.append((c, vt))
        h, slope = _activate(params.activation, us @ c.T)
        slopes.append(slope)
        activation_std.append(float(np.std(h)))
        identical.append(bool(np.all(np.ptp(h, axis=1) == 0)))

    grad_h = rng.standard_normal((BATCH, n)) / BATCH
    grad_norm = [0.0] * params.depth
    for layer in reversed(range(params.depth)):
        grad_a = grad_h * slopes[layer]
        grad_norm[layer] = _frobenius_of_product(grad_a, inputs[layer])
        c, vt = projections[layer]
        free = _gaussian_times(grad_a, sigma, n, rng)  # δ W′, then keep its part off V
        grad_h = (grad_a @ c) @ vt + free - (free @ vt.T) @ vt
    return {
        "weight_std": sigma,
        "activation_std": activation_std,
        "grad_norm": grad_norm,
        "identical_units": identical,
    }


def view(params: InitDepthParams, result: dict[str, Any]) -> dict[str, Any]:
    """Activation std and gradient norm per layer on log scales."""
    layers = list(range(1, params.depth + 1))
    stds, grads = result["activation_std"], result["grad_norm"]
    zeros = sum(1 for s in stds if s == 0), sum(1 for g in grads if g == 0)
    setup = f"{params.init} init (σ = {fmt(result['weight_std'])}), {params.activation}"
    std_plot = line_plot(
        [Series(layers, stds, "activation std", kind="both")],
        title=f"Activation std per layer: {setup}",
        desc=f"From {fmt(stds[0])} at layer 1 to {fmt(stds[-1])} at layer {params.depth}.",
        x_label="layer",
        y_label="std of activations",
        log_y=True,
    )
    grad_plot = line_plot(
        [Series(layers, grads, "‖∂L/∂W‖", kind="both", css="series-2")],
        title=f"Weight-gradient norm per layer: {setup}",
        desc=f"From {fmt(grads[0])} at layer 1 to {fmt(grads[-1])} at layer {params.depth}.",
        x_label="layer",
        y_label="‖∂L/∂Wₗ‖ (weight gradient)",
        log_y=True,
    )
    return {
        "std_plot": std_plot if zeros[0] < len(stds) else None,
        "grad_plot": grad_plot if zeros[1] < len(grads) else None,
        "zero_std_layers": zeros[0],
        "zero_grad_layers": zeros[1],
        "identical_layers": sum(result["identical_units"]),
        "first": {"std": fmt(stds[0]), "grad": fmt(grads[0])},
        "last": {"std": fmt(stds[-1]), "grad": fmt(grads[-1])},
    }


DEMO = Demo(
    slug="init-depth",
    title="Initialization and depth",
    summary="Activation std and gradient norm per layer: zeros, tiny normal, Xavier, He.",
    params=InitDepthParams,
    compute=compute,
    view=view,
    explain=(
        "Each point is one layer of a deep plain network fed a batch of 8 standard-normal inputs. "
        "With He init and ReLU (σ = √(2/width)) the activation std stays roughly constant "
        "over depth, and so does the gradient norm: the factor 2 makes up for ReLU "
        "zeroing half the units. Xavier suits tanh but halves the ReLU signal's variance at every "
        "layer; a plain N(0, 0.01²) shrinks it by about 0.01·√width per layer until it vanishes. "
        "Zeros is the symmetry trap: every unit of a layer computes the same value and receives "
        "the same gradient, so training can never make them differ. "
        "The y axis is logarithmic; a gradient of exactly 0 is drawn at the bottom edge."
    ),
    examples={
        "maximum": {"depth": 100, "width": 512, "init": "normal", "std": 1.0, "activation": "relu"},
        "vanishing": {"init": "normal", "std": 0.01, "depth": 30},
        "symmetry": {"init": "zeros", "activation": "tanh"},
    },
    predict=Prediction(
        question=(
            "Use plain N(0, 0.01²) weights in a 30-layer, 256-wide ReLU network: what is the "
            "activation std at the last layer?"
        ),
        preset="vanishing",
        answer=(
            "About 2×10⁻²⁹ (0.093 after the first layer) instead of 0.51 with He init, and the "
            "first layer's gradient norm is about 2×10⁻²⁶ instead of 55. Each layer multiplies "
            "the std by roughly 0.01·√(256/2) ≈ 0.11, which compounds over 30 layers."
        ),
    ),
)
