"""Grid vs random search (Bergstra & Bengio, 2012) on a response surface with few axes that matter.

Every hyper-parameter lives in [0, 1]. The score is the mean of a narrow bump
exp(−(x − c)² / 2w²) over the important axes (c drawn from the seed) plus a small ripple from
the unimportant ones. With the same budget n, a grid over d axes tries only ⌊n^(1/d)⌋ values
per axis, random search n distinct values on every axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from app.charts.heat import heatmap
from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

BUMP_WIDTH = 0.06
RIPPLE = 0.02  # total effect of all unimportant axes on the score
SURFACE_POINTS = 41


class SearchParams(DemoParams):
    budget: int = Field(
        9,
        ge=1,
        le=100,
        description="Number of trials n (≤ 100)",
        json_schema_extra={"slider": [1, 100, 1]},
    )
    important: int = Field(1, ge=1, le=3, description="Hyper-parameters that matter (1..3)")
    unimportant: int = Field(1, ge=0, le=5, description="Hyper-parameters that barely matter")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the random trials and the peak")


def points_per_axis(budget: int, dims: int) -> int:
    """The largest m with m^dims ≤ budget (exact integer arithmetic)."""
    m = 1
    while (m + 1) ** dims <= budget:
        m += 1
    return m


def score(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Response of each point (rows): bumps on the important axes, a ripple on the rest."""
    k = len(centers)
    bump = np.exp(-((points[:, :k] - centers) ** 2) / (2 * BUMP_WIDTH**2)).mean(axis=1)
    rest = points[:, k:]
    ripple = RIPPLE * np.cos(2 * np.pi * rest).mean(axis=1) if rest.shape[1] else 0.0
    return bump + ripple


def _summary(points: np.ndarray, centers: np.ndarray) -> dict[str, Any]:
    scores = score(points, centers)
    best = int(np.argmax(scores))
    return {
        "points": points.tolist(),
        "scores": scores.tolist(),
        "best": float(scores[best]),
        "best_point": points[best].tolist(),
        "distinct": [len(np.unique(points[:, i])) for i in range(points.shape[1])],
    }


def compute(params: SearchParams) -> dict[str, Any]:
    """Both searches with the same budget: trials, scores, best found, distinct values per axis."""
    rng = np.random.default_rng(params.seed)
    dims = params.important + params.unimportant
    centers = rng.uniform(0.1, 0.9, params.important)
    m = points_per_axis(params.budget, dims)
    levels = (np.arange(m) + 0.5) / m
    grid = np.stack(np.meshgrid(*[levels] * dims, indexing="ij"), axis=-1).reshape(-1, dims)
    random = rng.uniform(0, 1, (params.budget, dims))
    axis = np.linspace(0, 1, SURFACE_POINTS)
    a, b = np.meshgrid(axis, axis)
    plane = np.tile(np.append(centers, np.zeros(params.unimportant)), (a.size, 1))
    plane[:, 0] = a.ravel()
    if dims > 1:
        plane[:, 1] = b.ravel()
    marginal = np.exp(-((axis - centers[0]) ** 2) / (2 * BUMP_WIDTH**2))
    return {
        "dims": dims,
        "per_axis": m,
        "centers": centers.tolist(),
        "optimum": 1.0 + (RIPPLE if params.unimportant else 0.0),
        "grid": _summary(grid, centers),
        "random": _summary(random, centers),
        "surface": {
            "axis": axis.tolist(),
            "z": score(plane, centers).reshape(a.shape).tolist(),
        },
        "marginal": marginal.tolist(),
    }


def view(params: SearchParams, result: dict[str, Any]) -> dict[str, Any]:
    """Trials of both searches over the first two axes, and what each tried on axis 1."""
    axis = result["surface"]["axis"]
    second = "important 2" if params.important > 1 else "unimportant 1"
    maps = {}
    colour = {"grid": "series-3", "random": "series-4"}  # not the orange of the shading
    for kind in ("grid", "random"):
        trials = np.array(result[kind]["points"])
        y = trials[:, 1] if trials.shape[1] > 1 else np.full(len(trials), 0.5)
        maps[kind] = heatmap(
            np.array(result["surface"]["z"]),
            axis,
            axis,
            title=f"{kind} search: {len(trials)} trials",
            desc=f"{result[kind]['distinct'][0]} distinct values on the important axis; "
            f"best score {fmt(result[kind]['best'])} of {fmt(result['optimum'])}.",
            x_label="important 1",
            y_label=second if result["dims"] > 1 else "",
            levels=4,
            paths=[Series(trials[:, 0], y, f"{kind} trials", kind="markers", css=colour[kind])],
            width=400,
            height=380,
        )
    rug = line_plot(
        [
            Series(axis, result["marginal"], "score along important 1", css="series-1"),
            Series(
                np.array(result["grid"]["points"])[:, 0],
                np.full(len(result["grid"]["points"]), 0.05),
                "grid values",
                kind="markers",
                css=colour["grid"],
            ),
            Series(
                np.array(result["random"]["points"])[:, 0],
                np.full(params.budget, -0.05),
                "random values",
                kind="markers",
                css=colour["random"],
            ),
        ],
        title="Values tried on the important axis",
        desc=f"Grid: {result['grid']['distinct'][0]} distinct values; "
        f"random: {result['random']['distinct'][0]}.",
        x_label="important 1",
        y_label="score",
        x_range=(0, 1),
        y_range=(-0.15, 1.1),
        vlines=[Line(result["centers"][0], "peak")],
    )
    return {"grid_map": maps["grid"], "random_map": maps["random"], "rug": rug}


DEMO = Demo(
    slug="hyperparameter-search",
    title="Grid search vs random search",
    summary="Same budget, but random search tries n distinct values of the axis that matters.",
    params=SearchParams,
    compute=compute,
    view=view,
    explain=(
        "The score depends sharply on the important hyper-parameter(s) and hardly at all on "
        "the others, as is typical (learning rate matters, many others barely do). "
        "A grid of n trials over d axes tests only ⌊n^(1/d)⌋ values per axis — with n = 9 "
        "and two axes, 3 learning rates, each tried 3 times with useless variations of the "
        "other axis. Random search spends the same n trials on n distinct values of every "
        "axis, so it lands much closer to the narrow peak; the strip above each plot shows "
        "the values each search tried on the important axis. "
        "The more unimportant axes, the worse the grid gets (Bergstra & Bengio, 2012)."
    ),
    examples={
        "maximum": {"budget": 100, "important": 3, "unimportant": 5},
        "two-axes": {"budget": 16, "important": 1, "unimportant": 1},
        "more-unimportant-axes": {"budget": 16, "important": 1, "unimportant": 3},
    },
    predict=Prediction(
        question=(
            "With 16 trials, 1 important and 3 unimportant hyper-parameters, which finds the "
            "better score: grid or random search?"
        ),
        preset="more-unimportant-axes",
        answer=(
            "Random, by far: best 0.79 against the grid's 0.065 (the optimum is 1.02). The grid "
            "tries only ⌊16^(1/4)⌋ = 2 values per axis, so just 2 values of the one axis that "
            "matters, while random search tries 16 distinct ones."
        ),
    ),
)
