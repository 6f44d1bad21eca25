"""Dropout on one layer: the mask, inverted scaling, and train vs eval behaviour.

Training keeps each unit with probability 1 − p (``torch.nn.functional.dropout``); inverted
dropout scales the kept values by 1/(1 − p), so eval returns x unchanged. Classic
(non-inverted) dropout leaves kept values as they are and scales by (1 − p) at eval instead.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field

from app.charts.bars import bar_chart
from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

MAX_UNITS = 1000
SWEEP_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SWEEP_DRAWS = 50

Value = Annotated[float, Field(ge=-1e6, le=1e6)]


class DropoutParams(DemoParams):
    x: list[Value] = Field(
        [1.0] * 20,
        min_length=1,
        max_length=MAX_UNITS,
        description=f"Activations of the layer (≤ {MAX_UNITS} values)",
    )
    p: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="Drop probability p in [0, 1)",
        json_schema_extra={"slider": [0, 0.95, 0.05]},
    )
    training: bool = Field(True, description="Training mode (drop) or eval mode")
    inverted: bool = Field(True, description="Scale kept values by 1/(1 − p) during training")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the mask")


def apply_dropout(
    x: np.ndarray, p: float, training: bool, inverted: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The keep mask (1 = kept) and the output, for one or many rows of x."""
    if not training:
        return np.ones_like(x), x if inverted else x * (1 - p)
    mask = (rng.random(x.shape) >= p).astype(float)
    return mask, x * mask / (1 - p) if inverted else x * mask


def compute(params: DropoutParams) -> dict[str, Any]:
    """The mask and output; and, over many masks, how the output's mean and spread move with p."""
    rng = np.random.default_rng(params.seed)
    x = np.array(params.x, dtype=float)
    mask, y = apply_dropout(x, params.p, params.training, params.inverted, rng)
    sweep_mean, sweep_std = [], []
    for rate in SWEEP_RATES:
        draws = np.broadcast_to(x, (SWEEP_DRAWS, x.size))
        _, out = apply_dropout(draws, rate, True, params.inverted, rng)
        sweep_mean.append(float(out.mean()))
        sweep_std.append(float(np.mean(np.std(out, axis=0))))
    eval_scale = 1.0 if params.inverted else 1 - params.p
    return {
        "mask": mask.tolist(),
        "y": y.tolist(),
        "kept": int(mask.sum()),
        "mean_x": float(x.mean()),
        "mean_y": float(y.mean()),
        "expected_train_mean": float(x.mean() * (1.0 if params.inverted else 1 - params.p)),
        "eval_mean": float(x.mean() * eval_scale),
        "sweep": {"p": list(SWEEP_RATES), "mean": sweep_mean, "std": sweep_std},
    }


def view(params: DropoutParams, result: dict[str, Any]) -> dict[str, Any]:
    """The layer's output per unit (kept units highlighted) and the sweep over drop rates."""
    y, mask = result["y"], result["mask"]
    mode = "training" if params.training else "eval"
    kept = [i for i, m in enumerate(mask) if m]
    units = bar_chart(
        [str(i + 1) for i in range(len(y))],
        y,
        title=f"Output per unit ({mode}, p = {fmt(params.p)})",
        desc=f"{result['kept']} of {len(y)} units kept; mean output {fmt(result['mean_y'])} "
        f"against mean input {fmt(result['mean_x'])}.",
        y_label="y",
        highlight=kept if params.training else (),
        value_labels=[] if len(y) > 20 else None,
    )
    sweep = result["sweep"]
    noise = line_plot(
        [
            Series(sweep["p"], sweep["mean"], "mean of y", kind="both"),
            Series(sweep["p"], sweep["std"], "spread of y per unit (std)", kind="both"),
        ],
        title="Mean and spread of the training output against the drop rate",
        desc="Over many masks: "
        + ", ".join(
            f"p = {fmt(p)}: mean {fmt(m)}, std {fmt(s)}"
            for p, m, s in zip(sweep["p"], sweep["mean"], sweep["std"], strict=True)
        ),
        x_label="drop rate p",
        y_label="value",
        vlines=[Line(params.p, f"p = {fmt(params.p)}")],
    )
    return {
        "units": units,
        "sweep": noise,
        "mean_x": fmt(result["mean_x"]),
        "mean_y": fmt(result["mean_y"]),
        "expected": fmt(result["expected_train_mean"]),
        "eval_mean": fmt(result["eval_mean"]),
        "scale": fmt(1 / (1 - params.p)) if params.inverted else "1",
    }


DEMO = Demo(
    slug="dropout",
    title="Dropout",
    summary="The dropout mask, inverted scaling, and why train and eval agree on average.",
    params=DropoutParams,
    compute=compute,
    view=view,
    explain=(
        "In training each unit is dropped with probability p and, with inverted dropout, the "
        "survivors are multiplied by 1/(1 − p), so the expected output equals the input and "
        "eval mode can simply return x unchanged. Without inverting, the training output is "
        "(1 − p)·x on average and eval must scale by (1 − p) to match. "
        "The sweep below draws many masks per rate: the mean stays put while the spread "
        "x·√(p/(1 − p)) grows, which is why a higher drop rate is a stronger regularizer — the "
        "next layer cannot rely on any single unit."
    ),
    examples={
        "maximum": {"x": [1.0] * MAX_UNITS, "p": 0.99, "seed": 1},
        "not-inverted": {"inverted": False},
    },
    predict=Prediction(
        question=(
            "Turn `inverted` off (p = 0.5, 20 inputs of 1): what is the mean output in training, "
            "and what does evaluation do?"
        ),
        preset="not-inverted",
        answer=(
            "Training outputs are no longer scaled: 12 of 20 units survive, so the mean is 0.6 "
            "(expected 0.5) instead of 1.2 (expected 1.0). Evaluation then has to multiply by 1 − "
            "p, giving 0.5, so test activations match the training expectation; inverted dropout "
            "does that scaling at training time so inference is untouched."
        ),
    ),
)
