"""L1 and L2 regularization on a small linear regression with redundant and useless features.

The data loss is ½·mean((Xw − y)²). L2 is applied as weight decay, w ← (1 − lr·λ)w − lr·g,
the same step as gradient descent on loss + (λ/2)‖w‖². L1 is applied as a proximal step
(soft-thresholding, ISTA): w ← sign(v)·max(|v| − lr·λ, 0) with v = w − lr·g, which sets
weights to exactly 0, where a plain subgradient step would only make them oscillate around it.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

N_SAMPLES = 60
FEATURES = ("x1", "x2", "x3", "x1 copy", "x2 copy", "noise 1", "noise 2", "noise 3")
TRUE_WEIGHTS = (2.0, -1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0)
COPY_NOISE = 0.1
TARGET_NOISE = 0.3
MAX_RECORDED = 201
DIVERGED = 1e6  # |w| beyond this: the step size is unstable, stop before overflowing


class RegularizationParams(DemoParams):
    penalty: Literal["none", "l1", "l2"] = Field(
        "l2", description="none, L1 (proximal soft-threshold step) or L2 (weight decay)"
    )
    lam: float = Field(
        0.1,
        ge=0,
        le=2,
        description="Regularization strength λ",
        json_schema_extra={"slider": [0, 2, 0.01]},
    )
    lr: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Learning rate of gradient descent",
        json_schema_extra={"slider": [0.01, 1, 0.01]},
    )
    steps: int = Field(
        500,
        ge=1,
        le=2000,
        description="Gradient-descent steps (≤ 2000)",
        json_schema_extra={"slider": [1, 2000, 1]},
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the dataset")


def make_dataset(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three useful features, near-copies of two of them, and three pure-noise features."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((N_SAMPLES, 3))
    copies = base[:, :2] + COPY_NOISE * rng.standard_normal((N_SAMPLES, 2))
    noise = rng.standard_normal((N_SAMPLES, 3))
    x = np.hstack([base, copies, noise])
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = x @ np.array(TRUE_WEIGHTS) + TARGET_NOISE * rng.standard_normal(N_SAMPLES)
    return x, y - y.mean()


def soft_threshold(v: np.ndarray, t: float) -> np.ndarray:
    """The proximal map of t·‖·‖₁: shrink towards 0 by t, and stop at exactly 0."""
    return v - np.minimum(np.maximum(v, -t), t)


def compute(params: RegularizationParams) -> dict[str, Any]:
    """Weight paths, losses, the final weights, how many are exactly zero, divergence."""
    x, y = make_dataset(params.seed)
    n, d = x.shape
    gram, corr, y_sq = x.T @ x / n, x.T @ y / n, float(y @ y / n)
    decay = 1 - params.lr * params.lam if params.penalty == "l2" else 1.0
    update = decay * np.eye(d) - params.lr * gram  # w ← update·w + lr·c is w ← decay·w − lr·g
    shift = params.lr * corr
    threshold = params.lr * params.lam
    recorded = set(np.linspace(0, params.steps, min(MAX_RECORDED, params.steps + 1)).astype(int))
    w = np.zeros(d)
    steps, paths, losses = [0], [w.tolist()], [0.5 * y_sq]
    diverged_at = None
    for t in range(1, params.steps + 1):
        w = update @ w + shift
        if params.penalty == "l1":
            w = soft_threshold(w, threshold)
        if t in recorded:
            if float(np.max(np.abs(w))) > DIVERGED:
                diverged_at = t
                break
            steps.append(t)
            paths.append(w.tolist())
            losses.append(float(0.5 * w @ gram @ w - corr @ w + 0.5 * y_sq))
    w = np.array(paths[-1])
    return {
        "features": list(FEATURES),
        "true_weights": list(TRUE_WEIGHTS),
        "steps": steps,
        "paths": paths,
        "loss": losses,
        "weights": paths[-1],
        "zeros": int(np.sum(w == 0)),
        "diverged_at": diverged_at,
        "penalty_value": _penalty_value(w, params.penalty, params.lam),
    }


def _penalty_value(w: np.ndarray, penalty: str, lam: float) -> float:
    if penalty == "l1":
        return float(lam * np.sum(np.abs(w)))
    if penalty == "l2":
        return float(lam / 2 * np.sum(w**2))
    return 0.0


def view(params: RegularizationParams, result: dict[str, Any]) -> dict[str, Any]:
    """Every weight's path over the steps, the loss, and the final weights against the truth."""
    paths = np.array(result["paths"])
    # x1-x3 solid; each near-copy dashed in its original's colour; the noise dashed in 4-6
    colours = [1, 2, 3, 1, 2, 4, 5, 6]
    series = [
        Series(result["steps"], paths[:, j], name, dashed=j >= 3, css=f"series-{colours[j]}")
        for j, name in enumerate(result["features"])
    ]
    penalty = {"none": "no penalty", "l1": "L1", "l2": "L2"}[params.penalty]
    weight_plot = line_plot(
        series,
        title=f"Weight paths, {penalty}, λ = {fmt(params.lam)}, lr = {fmt(params.lr)}",
        desc="Final weights: "
        + ", ".join(
            f"{n} {fmt(w)}" for n, w in zip(result["features"], result["weights"], strict=True)
        ),
        x_label="step",
        y_label="weight",
        hlines=[Line(0.0)],
    )
    loss_plot = line_plot(
        [Series(result["steps"], result["loss"], "data loss ½·mean(r²)")],
        title="Data loss over the steps",
        desc=f"Data loss falls from {fmt(result['loss'][0])} to {fmt(result['loss'][-1])}.",
        x_label="step",
        y_label="loss",
        log_y=True,
    )
    rows = [
        {"name": n, "true": fmt(t), "weight": fmt(w), "zero": w == 0.0}
        for n, t, w in zip(
            result["features"], result["true_weights"], result["weights"], strict=True
        )
    ]
    return {"weight_plot": weight_plot, "loss_plot": loss_plot, "rows": rows}


DEMO = Demo(
    slug="regularization",
    title="L1 vs L2 regularization",
    summary="Weight paths under L1 and L2 on a regression with redundant features.",
    params=RegularizationParams,
    compute=compute,
    view=view,
    explain=(
        "Eight standardized features: x1–x3 carry the signal (true weights 2, −1, 0.5), two are "
        "near-copies of x1 and x2, three are noise. "
        "L2 is weight decay, w ← (1 − lr·λ)w − lr·g: every weight shrinks in proportion to "
        "its size, and the weight of a duplicated feature is shared between the copies, "
        "but almost nothing becomes exactly 0. "
        "L1 (applied as a proximal soft-threshold step) subtracts a constant lr·λ and stops "
        "at 0, so the noise features are switched off exactly, and as λ grows the weaker "
        "features and one of each copy pair follow: sparse, feature-selecting weights. "
        "The table counts the weights that are exactly 0."
    ),
    examples={
        "maximum": {"penalty": "l1", "lam": 0.01, "lr": 0.5, "steps": 2000},
        "unstable": {"penalty": "l2", "lam": 2.0, "lr": 1.0},
        "lasso": {"penalty": "l1", "lam": 0.1},
    },
    predict=Prediction(
        question=(
            "Switch the penalty from L2 to L1 at the same λ = 0.1: how many weights end at "
            "exactly zero?"
        ),
        preset="lasso",
        answer=(
            "3 (all three noise features) instead of 0. The L1 subgradient pulls with constant "
            "force λ even near zero, so small weights are driven to zero, while L2's pull 2λw "
            "fades and leaves noise weights small but nonzero (e.g. 0.071)."
        ),
    ),
)
