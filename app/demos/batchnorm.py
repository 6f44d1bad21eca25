"""Batch normalization of a batch × features matrix, in training and eval mode.

Training mode normalizes with the batch mean and the biased batch variance, as
``torch.nn.functional.batch_norm(training=True)``, and updates the running statistics
(initially mean 0, var 1) with the unbiased variance and ``momentum``, as ``nn.BatchNorm1d``.
Eval mode normalizes with those running statistics instead.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from app.charts.grids import heat_table
from app.charts.lines import Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

MAX_BATCH = 256
MAX_FEATURES = 16

Value = Annotated[float, Field(ge=-1e6, le=1e6)]
Row = Annotated[list[Value], Field(min_length=1, max_length=MAX_FEATURES)]


class BatchNormParams(DemoParams):
    x: list[Row] = Field(
        [[1.0], [2.0], [3.0], [4.0]],
        min_length=2,
        max_length=MAX_BATCH,
        description=f"The batch, rows = samples, columns = features (2..{MAX_BATCH} × ≤ 16)",
    )
    gamma: list[Value] | None = Field(
        None, max_length=MAX_FEATURES, description="Scale γ per feature (empty: all 1)"
    )
    beta: list[Value] | None = Field(
        None, max_length=MAX_FEATURES, description="Shift β per feature (empty: all 0)"
    )
    eps: float = Field(1e-5, gt=0, le=1, description="ε added to the variance before the sqrt")
    training: bool = Field(True, description="Training (batch statistics) or eval (running)")
    momentum: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Running-statistics momentum",
        json_schema_extra={"slider": [0, 1, 0.05]},
    )

    @model_validator(mode="after")
    def _shapes_agree(self) -> BatchNormParams:
        """x is rectangular and γ, β have one value per feature."""
        features = len(self.x[0])
        if any(len(row) != features for row in self.x):
            raise ValueError(f"x must be rectangular: every row needs {features} values")
        for name in ("gamma", "beta"):
            values = getattr(self, name)
            if values is not None and len(values) != features:
                raise ValueError(f"{name} needs one value per feature ({features})")
        return self


def compute(params: BatchNormParams) -> dict[str, Any]:
    """Statistics used, x̂ = (x − mean)/√(var + ε), y = γ x̂ + β, and the running statistics."""
    x = np.array(params.x, dtype=float)
    n, features = x.shape
    gamma = np.ones(features) if params.gamma is None else np.array(params.gamma)
    beta = np.zeros(features) if params.beta is None else np.array(params.beta)
    batch_mean = x.mean(axis=0)
    batch_var = x.var(axis=0)  # biased: divides by n
    running_mean = params.momentum * batch_mean
    running_var = (1 - params.momentum) + params.momentum * batch_var * n / (n - 1)
    mean, var = (batch_mean, batch_var) if params.training else (running_mean, running_var)
    x_hat = (x - mean) / np.sqrt(var + params.eps)
    return {
        "mean": mean.tolist(),
        "var": var.tolist(),
        "x_hat": x_hat.tolist(),
        "y": (gamma * x_hat + beta).tolist(),
        "batch_mean": batch_mean.tolist(),
        "batch_var": batch_var.tolist(),
        "running_mean": running_mean.tolist(),
        "running_var": running_var.tolist(),
        "zero_variance": (batch_var == 0).tolist(),
    }


def view(params: BatchNormParams, result: dict[str, Any]) -> dict[str, Any]:
    """Per-feature statistics, the batch before and after, and feature 1 drawn as points."""
    features = len(result["mean"])
    stats = [
        {
            "feature": j + 1,
            "mean": fmt(result["mean"][j]),
            "var": fmt(result["var"][j]),
            "batch_mean": fmt(result["batch_mean"][j]),
            "batch_var": fmt(result["batch_var"][j]),
            "running_mean": fmt(result["running_mean"][j]),
            "running_var": fmt(result["running_var"][j]),
            "zero_variance": result["zero_variance"][j],
        }
        for j in range(features)
    ]
    samples = list(range(1, len(params.x) + 1))
    plot = line_plot(
        [
            Series(samples, [row[0] for row in params.x], "x (feature 1)", kind="markers"),
            Series(samples, [row[0] for row in result["y"]], "y = γx̂ + β", kind="markers"),
        ],
        title="Feature 1 before and after batch norm",
        desc=f"Feature 1: mean {fmt(result['mean'][0])}, variance {fmt(result['var'][0])} "
        "used for normalization.",
        x_label="sample",
        y_label="value",
        x_range=(0.5, len(samples) + 0.5),  # the first and last markers inside the frame
    )
    shown = len(params.x) <= 32
    return {
        "stats": stats,
        "plot": plot,
        "x_table": heat_table(params.x) if shown else None,
        "x_hat_table": heat_table(result["x_hat"]) if shown else None,
        "y_table": heat_table(result["y"]) if shown else None,
    }


DEMO = Demo(
    slug="batchnorm",
    title="Batch normalization",
    summary="Batch mean and variance, x̂ and the output; training vs eval statistics; why ε.",
    params=BatchNormParams,
    compute=compute,
    view=view,
    explain=(
        "In training mode every feature (column) is normalized with its own batch mean and "
        "biased variance (divide by n), then scaled by γ and shifted by β, so the layer can "
        "undo the normalization if that helps. [1, 2, 3, 4] has mean 2.5 and variance 1.25, "
        "giving x̂ ≈ [−1.342, −0.447, 0.447, 1.342]. "
        "Training also updates running statistics (starting at mean 0, var 1, with the "
        "unbiased variance); eval mode uses those, so one sample's output no longer depends on "
        "its batch — switch to eval to see how different they are after a single step. "
        "Make a column constant: its variance is 0 and without ε x̂ would be 0/0; "
        "ε keeps the division finite."
    ),
    examples={
        "maximum": {
            "x": [[float((i * 7 + j) % 13) for j in range(MAX_FEATURES)] for i in range(MAX_BATCH)],
            "gamma": [2.0] * MAX_FEATURES,
            "beta": [0.5] * MAX_FEATURES,
        },
        "zero-variance": {"x": [[3.0], [3.0], [3.0], [3.0]]},
    },
    predict=Prediction(
        question=(
            "Feed batch norm a batch where all four values are 3: what does it output, and what "
            "happens to the running statistics?"
        ),
        preset="zero-variance",
        answer=(
            "Every output is 0 (x̂ = 0 / √(0 + ε)), not a division by zero: the batch variance is "
            "0 and ε keeps the denominator finite. The running mean moves from 0 to 0.3 and the "
            "running variance from 1 to 0.9 (momentum 0.1), so a constant feature carries no "
            "information through the layer except via β."
        ),
    ),
)
