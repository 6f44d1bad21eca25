"""Losses on a sigmoid unit: why MSE learns slowly when confidently wrong and CE does not."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from app.charts.lines import Line, Mark, Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

LOSSES = ("mse", "bce", "hinge")
GRID_HALF_WIDTH = 10.0
GRID_POINTS = 201


class LossParams(DemoParams):
    loss: Literal["mse", "bce", "hinge"] = Field(
        "bce", description="MSE ½(σ(z) − y)², binary cross-entropy, or hinge max(0, 1 − t·z)"
    )
    y: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Target in [0, 1]; hinge uses the label t = 2y − 1",
        json_schema_extra={"slider": [0, 1, 0.05]},
    )
    z: float = Field(
        -5.0,
        ge=-50,
        le=50,
        description="The logit; the prediction is σ(z)",
        json_schema_extra={"slider": [-10, 10, 0.1]},
    )


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def loss_and_grad(loss: str, z: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
    """Loss value and dL/dz for every logit in ``z`` (arrays of the same shape)."""
    p = sigmoid(z)
    if loss == "mse":  # ½(σ(z) − y)²: the chain rule brings in σ'(z) = σ(1 − σ)
        return 0.5 * (p - y) ** 2, (p - y) * p * (1 - p)
    if loss == "bce":  # −y log σ(z) − (1 − y) log(1 − σ(z)), written stably from the logit
        value = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
        return value, p - y
    t = 2 * y - 1  # hinge on the raw logit with a label in [−1, 1]; subgradient 0 at the kink
    margin = 1 - t * z
    return np.maximum(margin, 0), np.where(margin > 0, -t, 0.0)


def compute(params: LossParams) -> dict[str, Any]:
    """Value and gradient of every loss at z, and their curves over a range of logits."""
    half = max(GRID_HALF_WIDTH, abs(params.z))
    grid = np.linspace(-half, half, GRID_POINTS)
    at = np.array([params.z])
    losses: dict[str, dict[str, float]] = {}
    curves: dict[str, dict[str, list[float]]] = {}
    for name in LOSSES:
        value, grad = loss_and_grad(name, at, params.y)
        losses[name] = {"value": float(value[0]), "grad": float(grad[0])}
        curve_value, curve_grad = loss_and_grad(name, grid, params.y)
        curves[name] = {"loss": curve_value.tolist(), "grad": curve_grad.tolist()}
    return {
        "loss": params.loss,
        "y": params.y,
        "z": params.z,
        "p": float(sigmoid(at)[0]),
        "value": losses[params.loss]["value"],
        "grad": losses[params.loss]["grad"],
        "losses": losses,
        "z_grid": grid.tolist(),
        "curves": curves,
    }


LABELS = {"mse": "MSE ½(σ(z) − y)²", "bce": "binary cross-entropy", "hinge": "hinge"}


def view(params: LossParams, result: dict[str, Any]) -> dict[str, Any]:
    """Loss and gradient curves of the three losses, with the chosen one marked at z."""
    z, grid, curves = result["z"], result["z_grid"], result["curves"]
    chosen = result["loss"]
    marks_loss = [Mark(z, result["value"], f"{chosen} = {fmt(result['value'])}")]
    marks_grad = [Mark(z, result["grad"], f"dL/dz = {fmt(result['grad'])}")]
    loss_plot = line_plot(
        [Series(grid, curves[n]["loss"], LABELS[n], dashed=n != chosen) for n in LOSSES],
        title=f"Losses against the logit z, target y = {fmt(result['y'])}",
        desc=", ".join(
            f"{LABELS[n]} at z = {fmt(z)}: {fmt(v['value'])}" for n, v in result["losses"].items()
        ),
        x_label="logit z",
        y_label="loss",
        y_range=(0, max(2.0, min(10.0, 1.1 * result["value"]))),
        vlines=[Line(z)],
        marks=marks_loss,
    )
    grad_plot = line_plot(
        [Series(grid, curves[n]["grad"], LABELS[n], dashed=n != chosen) for n in LOSSES],
        title="Gradient dL/dz against the logit",
        desc=", ".join(
            f"{LABELS[n]} gradient at z = {fmt(z)}: {fmt(v['grad'])}"
            for n, v in result["losses"].items()
        ),
        x_label="logit z",
        y_label="dL/dz",
        y_range=(-1.1, 1.1),
        vlines=[Line(z)],
        hlines=[Line(0.0)],
        marks=marks_grad,
    )
    rows = [
        {
            "name": LABELS[n],
            "value": fmt(v["value"]),
            "grad": fmt(v["grad"]),
            "chosen": n == chosen,
        }
        for n, v in result["losses"].items()
    ]
    return {"loss_plot": loss_plot, "grad_plot": grad_plot, "rows": rows, "p": fmt(result["p"])}


DEMO = Demo(
    slug="loss-functions",
    title="Loss functions and their gradients",
    summary="MSE vs cross-entropy vs hinge on a sigmoid unit: the gradient when confidently wrong.",
    params=LossParams,
    compute=compute,
    view=view,
    explain=(
        "Set the target y = 1 and drag the logit z far negative: the model is confidently wrong. "
        "With MSE on the sigmoid output (this demo uses ½(σ(z) − y)², so "
        "dL/dz = (σ − y)·σ(1 − σ)) the gradient is multiplied by σ'(z), which is almost 0 "
        "in the saturated tail: at z = −5 it is only ≈ −0.0066, so learning crawls. "
        "Binary cross-entropy cancels that factor, dL/dz = σ(z) − y ≈ −0.9933, "
        "so the worse the prediction the stronger the push. "
        "Hinge works on the logit directly with the label t = 2y − 1 and stops pushing "
        "once the margin t·z exceeds 1."
    ),
    examples={
        "maximum": {"loss": "bce", "y": 1.0, "z": -50.0},
        "confidently-wrong-mse": {"loss": "mse", "y": 1.0, "z": -5.0},
    },
    predict=Prediction(
        question=(
            "The model outputs z = −5 for a positive example. Switch the loss from BCE to MSE on "
            "the sigmoid: how big is the gradient?"
        ),
        preset="confidently-wrong-mse",
        answer=(
            "About 150× smaller: −0.0066 instead of −0.993 (loss 0.493 instead of 5.01). MSE "
            "through a sigmoid multiplies by σ'(z) ≈ 0.0066, which vanishes when the model is "
            "confidently wrong; BCE's gradient is simply p − y."
        ),
    ),
)
