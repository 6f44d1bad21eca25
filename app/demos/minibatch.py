"""The gradient-descent demo's batch view: plain SGD on a line fit with full, mini and single
batches, to show why smaller batches give noisier paths (an epoch is ⌈N / batch size⌉ updates).

Reached as ``/demos/gradient-descent?view=batch``; gradient_descent.py hands the view here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from app.charts.heat import heatmap
from app.charts.lines import Series, distinct
from app.charts.scale import fmt

DIVERGENCE = 1e12  # |loss| beyond this stops a run (both views of the demo)


def regression_data() -> tuple[np.ndarray, np.ndarray]:
    """64 points of y = 2x + 1 + noise, always the same (seed 0)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 64)
    return x, 2 * x + 1 + rng.normal(0, 0.5, 64)


def _batch_statistics(x: np.ndarray, y: np.ndarray, batch: int, steps: int) -> np.ndarray:
    """Per update: the means of x², x, xy, y over its mini-batch (epochs reshuffled, seed 1).

    The MSE gradient of a line is affine in (w, b), so these four numbers are all a step needs.
    """
    rng = np.random.default_rng(1)
    per_epoch = math.ceil(x.size / batch)
    epochs = max(1, math.ceil(steps / per_epoch))
    order = rng.random((epochs, x.size)).argsort(axis=1).ravel()  # one shuffle per epoch
    batch_of = (np.arange(epochs)[:, None] * per_epoch + np.arange(x.size) // batch).ravel()
    sizes = np.bincount(batch_of)
    means = [np.bincount(batch_of, weights=c[order]) / sizes for c in (x * x, x, x * y, y)]
    return np.stack(means, axis=1)[:steps]


def _batch_run(
    x: np.ndarray, y: np.ndarray, batch: int, start: Sequence[float], lr: float, steps: int
) -> dict[str, Any]:
    """Plain SGD on the MSE of the line w·x + b with shuffled mini-batches of ``batch`` points."""
    w, b = (list(start) + [0.0])[:2]
    xx, xm, xy, ym, yy = (float(v) for v in (np.mean(x * x), x.mean(), np.mean(x * y), y.mean(),
                                                 np.mean(y * y)))  # fmt: skip

    def full_loss(w: float, b: float) -> float:
        return w * w * xx + 2 * w * b * xm + b * b - 2 * w * xy - 2 * b * ym + yy

    path, losses = [[w, b]], [full_loss(w, b)]
    diverged_at = None
    for k, (sxx, sx, sxy, sy) in enumerate(_batch_statistics(x, y, batch, steps).tolist()):
        w, b = w - lr * 2 * (w * sxx + b * sx - sxy), b - lr * 2 * (w * sx + b - sy)
        loss = full_loss(w, b)
        if not (math.isfinite(loss) and loss <= DIVERGENCE):
            diverged_at = k + 1
            break
        path.append([w, b])
        losses.append(loss)
    per_epoch = math.ceil(x.size / batch)
    return {
        "batch_size": batch,
        "iterations_per_epoch": per_epoch,
        "epochs": steps / per_epoch,
        "path": path,
        "loss": losses,
        "diverged": diverged_at is not None,
        "diverged_at": diverged_at,
    }


def simulate(start: Sequence[float], lr: float, steps: int, batch_size: int) -> dict[str, Any]:
    """The chosen batch size's run (as the JSON contract's main run) beside full batch and 1."""
    x, y = regression_data()
    sizes = dict.fromkeys([x.size, batch_size, 1])
    runs = [_batch_run(x, y, size, start, lr, steps) for size in sizes]
    chosen = next(r for r in runs if r["batch_size"] == batch_size)
    return {
        **{key: chosen[key] for key in ("path", "loss", "diverged", "diverged_at")},
        "batch": {"n": int(x.size), "x": x.tolist(), "y": y.tolist(), "runs": runs},
    }


def labelled_runs(batch: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of ``simulate`` with the names the plots and the table use."""

    def label(size: int) -> str:
        if size == batch["n"]:
            return "full batch"
        return "stochastic (1)" if size == 1 else f"batch {size}"

    return [{**r, "label": label(r["batch_size"])} for r in batch["runs"]]


def contour_plot(batch: dict[str, Any], runs: list[dict[str, Any]], lr: float, steps: int) -> str:
    """Every run's path in (w, b) over the contours of the full-data MSE."""
    x, y = np.array(batch["x"]), np.array(batch["y"])
    gw, gb = np.linspace(-5, 5, 49), np.linspace(-3, 4, 41)
    ww, bb = np.meshgrid(gw, gb)
    z = ((ww[..., None] * x + bb[..., None] - y) ** 2).mean(axis=-1)
    paths = []
    for i, r in enumerate(runs):
        css, marker = distinct(i)
        xs, ys = [p[0] for p in r["path"]], [p[1] for p in r["path"]]
        paths.append(Series(xs, ys, r["label"], "line", css, marker=marker))
    return heatmap(
        z,
        gw,
        gb,
        title="Batch vs mini-batch vs stochastic gradient descent",
        desc=f"Paths of plain SGD with lr {fmt(lr)} on the MSE of a line fit to "
        f"{batch['n']} points, {steps} updates each; smaller batches are noisier.",
        x_label="slope w",
        y_label="intercept b",
        paths=paths,
        tone="grey",
        width=560,
        height=440,
    )


def table_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Updates per epoch, epochs and final loss of each run."""
    return [
        {
            "label": r["label"],
            "batch_size": r["batch_size"],
            "per_epoch": r["iterations_per_epoch"],
            "epochs": fmt(r["epochs"]),
            "loss": fmt(r["loss"][-1]),
            "diverged": r["diverged_at"],
        }
        for r in runs
    ]
