"""Gradient-descent stepper: torch.optim's update rules on 1-D and 2-D test functions.

The loop runs on Python floats (a handful of coordinates), which is ~10x faster than NumPy
on 2-element arrays, so 10,000 Adam steps stay well inside the time budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from app.charts.heat import heatmap
from app.charts.lines import Mark, Series, distinct, line_plot
from app.charts.scale import fmt
from app.demos import minibatch
from app.demos.minibatch import DIVERGENCE
from app.demos.registry import Demo, DemoParams

Function = Literal["parabola", "double-well", "bowl", "rosenbrock", "himmelblau", "saddle"]
Optimizer = Literal["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam"]
MAX_STEPS = 10_000
DEFAULT_EPS = {"rmsprop": 1e-8, "adagrad": 1e-10, "adam": 1e-8}
Coordinate = Annotated[float, Field(ge=-100, le=100)]
Beta = Annotated[float, Field(ge=0, lt=1)]


# Each function maps (x, y) to (f, ∂f/∂x, ∂f/∂y); 1-D ones ignore y. Written with products
# (no **) so they overflow to inf instead of raising, and work elementwise on arrays too.
Objective = Callable[[Any, Any], tuple[Any, Any, Any]]


def _parabola(x: Any, y: Any) -> tuple[Any, Any, Any]:
    return x * x, 2 * x, 0.0


def _double_well(x: Any, y: Any) -> tuple[Any, Any, Any]:
    x2 = x * x
    return x2 * x2 - 3 * x2 + x, 4 * x2 * x - 6 * x + 1, 0.0


def _bowl(x: Any, y: Any) -> tuple[Any, Any, Any]:
    return 0.5 * (x * x + 10 * y * y), x, 10 * y


def _rosenbrock(x: Any, y: Any) -> tuple[Any, Any, Any]:
    r = y - x * x
    return (1 - x) * (1 - x) + 100 * r * r, -2 * (1 - x) - 400 * x * r, 200 * r


def _himmelblau(x: Any, y: Any) -> tuple[Any, Any, Any]:
    a, b = x * x + y - 11, x + y * y - 7
    return a * a + b * b, 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _saddle(x: Any, y: Any) -> tuple[Any, Any, Any]:
    return x * x - y * y, 2 * x, -2 * y


FUNCTIONS: dict[str, Objective] = {
    "parabola": _parabola,
    "double-well": _double_well,
    "bowl": _bowl,
    "rosenbrock": _rosenbrock,
    "himmelblau": _himmelblau,
    "saddle": _saddle,
}
FORMULAS = {
    "parabola": "f(x) = x²",
    "double-well": "f(x) = x⁴ − 3x² + x",
    "bowl": "f(x, y) = ½(x² + 10y²)",
    "rosenbrock": "f(x, y) = (1 − x)² + 100(y − x²)²",
    "himmelblau": "f(x, y) = (x² + y − 11)² + (x + y² − 7)²",
    "saddle": "f(x, y) = x² − y²",
}
ONE_D = {"parabola", "double-well"}
# plain GD on a quadratic is stable iff lr < 2 / (largest eigenvalue of the Hessian)
LARGEST_CURVATURE = {"parabola": 2.0, "bowl": 10.0}
WINDOWS = {  # (x range, y range) drawn for each function
    "parabola": ((-5.0, 5.0), None),
    "double-well": ((-2.5, 2.5), None),
    "bowl": ((-5.0, 5.0), (-3.0, 3.0)),
    "rosenbrock": ((-2.0, 2.0), (-1.0, 3.0)),
    "himmelblau": ((-5.0, 5.0), (-5.0, 5.0)),
    "saddle": ((-3.0, 3.0), (-3.0, 3.0)),
}
PATH_MARKERS = 30  # markers along a path: enough to see the step sizes, few enough to see the line
MINIMA = {
    "bowl": [(0.0, 0.0)],
    "rosenbrock": [(1.0, 1.0)],
    "himmelblau": [
        (3.0, 2.0),
        (-2.805118, 3.131312),
        (-3.779310, -3.283186),
        (3.584428, -1.848126),
    ],
}


def _used_by(*optimizers: str) -> dict[str, Any]:
    """Show a hyper-parameter only while the optimizer (or the compared one) uses it."""
    return {"show_when": {"optimizer": list(optimizers), "compare_optimizer": list(optimizers)}}


class GradientDescentParams(DemoParams):
    function: Function = Field("bowl", title="Function", description="The function to minimize")
    start: list[Coordinate] = Field(
        [-4.0, 2.0],
        min_length=1,
        max_length=2,
        title="Start point",
        description="Start point [x] or [x, y]",
    )
    optimizer: Optimizer = Field(
        "sgd", title="Optimizer", description="Update rule, as in torch.optim"
    )
    lr: float = Field(
        0.05,
        title="Learning rate",
        gt=0,
        le=10,
        description="Learning rate (the slider covers 0–0.5; type larger values)",
        json_schema_extra={"slider": [0.005, 0.5, 0.005]},
    )
    steps: int = Field(50, ge=0, le=MAX_STEPS, description="Number of steps")
    momentum: float = Field(
        0.9,
        ge=0,
        lt=1,
        title="Momentum",
        description="momentum / nesterov: momentum factor",
        json_schema_extra=_used_by("momentum", "nesterov"),
    )
    alpha: float = Field(
        0.99,
        ge=0,
        lt=1,
        title="Smoothing α",
        description="rmsprop: smoothing constant",
        json_schema_extra=_used_by("rmsprop"),
    )
    betas: tuple[Beta, Beta] = Field(
        (0.9, 0.999),
        title="Betas (β1, β2)",
        description="adam: (β1, β2)",
        json_schema_extra=_used_by("adam"),
    )
    eps: float | None = Field(
        None,
        ge=1e-12,
        le=1,
        title="Epsilon",
        description="rmsprop/adam 1e-8, adagrad 1e-10 when empty",
        json_schema_extra=_used_by("rmsprop", "adagrad", "adam"),
    )
    compare_optimizer: Optimizer | Literal[""] = Field(
        "", title="Compare with optimizer", description="A second run using this optimizer"
    )
    compare_lr: float | None = Field(
        None,
        gt=0,
        le=10,
        title="Compare with learning rate",
        description="A second run using this learning rate",
    )
    view: Literal["path", "batch"] = Field(
        "path", title="View", description="Optimizer path, or batch sizes"
    )
    batch_size: int = Field(
        8,
        ge=1,
        le=64,
        title="Batch size",
        description="Batch view: the mini-batch size",
        json_schema_extra={"show_when": {"view": ["batch"]}},
    )

    @model_validator(mode="after")
    def _start_matches_dimension(self) -> GradientDescentParams:
        if self.function not in ONE_D and len(self.start) != 2:
            raise ValueError(f"start needs two values [x, y] for the 2-D {self.function}")
        return self


Step = Callable[[float, float, float, float], tuple[float, float]]


def make_step(params: GradientDescentParams, name: str, lr: float) -> Step:
    """One torch.optim update rule (weight decay 0) as a closure over its state.

    The loop runs on Python floats: ~10x faster than NumPy on two coordinates.
    """
    if name == "sgd":
        return lambda x, y, gx, gy: (x - lr * gx, y - lr * gy)
    if name in ("momentum", "nesterov"):
        return _momentum_step(params.momentum, lr, nesterov=name == "nesterov")
    eps = params.eps if params.eps is not None else DEFAULT_EPS[name]
    if name in ("rmsprop", "adagrad"):
        return _scaled_step(params.alpha if name == "rmsprop" else None, lr, eps)
    return _adam_step(*params.betas, lr, eps)


def _momentum_step(mu: float, lr: float, *, nesterov: bool) -> Step:
    """b = μb + g (b = g on the first step); nesterov moves along g + μb, plain along b."""
    bx = by = 0.0
    first = True

    def step(x: float, y: float, gx: float, gy: float) -> tuple[float, float]:
        nonlocal bx, by, first
        if first:
            bx, by, first = gx, gy, False
        else:
            bx, by = mu * bx + gx, mu * by + gy
        if nesterov:
            return x - lr * (gx + mu * bx), y - lr * (gy + mu * by)
        return x - lr * bx, y - lr * by

    return step


def _scaled_step(alpha: float | None, lr: float, eps: float) -> Step:
    """RMSprop v = αv + (1 − α)g², or Adagrad (alpha None) v = v + g²; p -= lr·g / (√v + ε)."""
    vx = vy = 0.0
    keep, add = (1.0, 1.0) if alpha is None else (alpha, 1 - alpha)

    def step(x: float, y: float, gx: float, gy: float) -> tuple[float, float]:
        nonlocal vx, vy
        vx, vy = keep * vx + add * gx * gx, keep * vy + add * gy * gy
        return x - lr * gx / (math.sqrt(vx) + eps), y - lr * gy / (math.sqrt(vy) + eps)

    return step


def _adam_step(beta1: float, beta2: float, lr: float, eps: float) -> Step:
    """Bias-corrected moments: p -= lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)."""
    mx = my = vx = vy = 0.0
    t = 0

    def step(x: float, y: float, gx: float, gy: float) -> tuple[float, float]:
        nonlocal mx, my, vx, vy, t
        t += 1
        mx, my = beta1 * mx + (1 - beta1) * gx, beta1 * my + (1 - beta1) * gy
        vx, vy = beta2 * vx + (1 - beta2) * gx * gx, beta2 * vy + (1 - beta2) * gy * gy
        step_size = lr / (1 - beta1**t)
        root = math.sqrt(1 - beta2**t)
        return (
            x - step_size * mx / (math.sqrt(vx) / root + eps),
            y - step_size * my / (math.sqrt(vy) / root + eps),
        )

    return step


def run(
    params: GradientDescentParams, optimizer: str, lr: float, objective: Objective, steps: int
) -> dict[str, Any]:
    """The path and loss per step, stopped when |loss| exceeds 1e12 or anything is non-finite.

    The path holds only accepted points: if step k diverges, path and loss have k entries and
    ``diverged_at`` is k.
    """
    x, y = (list(params.start) + [0.0])[:2] if params.function not in ONE_D else (
        params.start[0], 0.0)  # fmt: skip
    loss, gx, gy = objective(x, y)
    xs, ys, losses = [x], [y], [loss]
    step = make_step(params, optimizer, lr)
    diverged_at = None
    for k in range(1, steps + 1):
        x, y = step(x, y, gx, gy)
        loss, gx, gy = objective(x, y)
        # comparisons with NaN are False, so this also catches NaN and ±inf
        if not (abs(loss) <= DIVERGENCE and abs(x) < math.inf and abs(y) < math.inf):
            diverged_at = k
            break
        xs.append(x)
        ys.append(y)
        losses.append(loss)
    path = (
        [[a] for a in xs]
        if params.function in ONE_D
        else [[a, b] for a, b in zip(xs, ys, strict=True)]
    )
    return {
        "path": path,
        "loss": losses,
        "diverged": diverged_at is not None,
        "diverged_at": diverged_at,
        "optimizer": optimizer,
        "lr": lr,
    }


def _critical_lr(params: GradientDescentParams) -> float | None:
    curvature = LARGEST_CURVATURE.get(params.function)
    return 2 / curvature if curvature else None


# ---------------------------------------------------------------- compute and view


def compute(params: GradientDescentParams) -> dict[str, Any]:
    """The run (and an optional comparison run) as in the JSON contract."""
    if params.view == "batch":
        batch = minibatch.simulate(params.start, params.lr, params.steps, params.batch_size)
        return {**batch, "function": params.function, "critical_lr": None}
    objective = FUNCTIONS[params.function]
    main = run(params, params.optimizer, params.lr, objective, params.steps)
    result: dict[str, Any] = {key: main[key] for key in ("path", "loss", "diverged", "diverged_at")}
    result.update(function=params.function, critical_lr=_critical_lr(params))
    if params.compare_optimizer or params.compare_lr is not None:
        result["compare"] = run(
            params,
            params.compare_optimizer or params.optimizer,
            params.compare_lr if params.compare_lr is not None else params.lr,
            objective,
            params.steps,
        )
    return result


def divergence_text(run_: dict[str, Any], params: GradientDescentParams) -> str:
    """Why the run stopped, in one sentence (empty when it did not diverge)."""
    if not run_["diverged"]:
        return ""
    text = (
        f"Diverged at step {run_['diverged_at']}: the loss exceeded 1e12 in magnitude or "
        "became non-finite, so the run stopped."
    )
    critical = _critical_lr(params)
    if critical and run_.get("optimizer", params.optimizer) == "sgd":
        text += (
            f" On {params.function} plain GD diverges when lr > 2/λ_max = {fmt(critical)} "
            f"(λ_max = {fmt(LARGEST_CURVATURE[params.function])}, the largest curvature)."
        )
    if params.function == "saddle":
        text += " The saddle is unbounded below: along y the loss falls without limit."
    return text


def _runs(params: GradientDescentParams, result: dict[str, Any]) -> list[dict[str, Any]]:
    main = {
        **result,
        "optimizer": params.optimizer,
        "lr": params.lr,
        "label": f"{params.optimizer}, lr {fmt(params.lr)}",
    }
    runs = [main]
    if "compare" in result:
        other = result["compare"]
        runs.append({**other, "label": f"{other['optimizer']}, lr {fmt(other['lr'])} (compare)"})
    return runs


def _window(params: GradientDescentParams) -> tuple[tuple[float, float], tuple[float, float]]:
    """The drawn region: the function's window, widened to contain the start point."""
    (x0, x1), y_range = WINDOWS[params.function]
    sx = params.start[0]
    x0, x1 = min(x0, sx - 0.5), max(x1, sx + 0.5)
    if y_range is None:
        return (x0, x1), (0.0, 0.0)
    sy = params.start[1]
    return (x0, x1), (min(y_range[0], sy - 0.5), max(y_range[1], sy + 0.5))


def _marks(
    params: GradientDescentParams, runs: list[dict[str, Any]], first: int, point: Objective
) -> list[Mark]:
    """Start (hollow), each run's end (its colour) and the minima (stars), labelled."""

    def at(p: list[float]) -> tuple[float, float]:
        return (p[0], point(p[0], 0.0)[0]) if params.function in ONE_D else (p[0], p[1])

    marks = [Mark(*at(list(params.start)), "start", "start")]
    for i, r in enumerate(runs):
        label = "end" if len(runs) == 1 else f"end {i + 1}"
        marks.append(Mark(*at(r["path"][-1]), label, f"end {distinct(first + i)[0]}"))
    for minimum in MINIMA.get(params.function, []):
        marks.append(Mark(*at(list(minimum)), "min", "minimum", shape="star"))
    return marks


def _path_plot(params: GradientDescentParams, runs: list[dict[str, Any]], first: int = 0) -> str:
    """The runs' paths over the curve (1-D) or the contours (2-D), styled from ``first`` on."""
    (x0, x1), (y0, y1) = _window(params)
    objective = FUNCTIONS[params.function]
    start = params.start
    desc_runs = "; ".join(
        f"{r['label']}: {len(r['path']) - 1} steps, final loss {fmt(r['loss'][-1])}"
        + (f", diverged at step {r['diverged_at']}" if r["diverged"] else "")
        for r in runs
    )
    marks = _marks(params, runs, first, objective)
    if params.function in ONE_D:
        xs = np.linspace(x0, x1, 301)
        curve = objective(xs, 0.0)[0]
        series = [Series(xs, curve, FORMULAS[params.function], css="series-8")]
        for i, r in enumerate(runs):
            css, marker = distinct(first + i)
            px = [p[0] for p in r["path"]]
            py = [objective(v, 0.0)[0] for v in px]
            series.append(
                Series(px, py, r["label"], "both", css, marker=marker, max_markers=PATH_MARKERS)
            )
        return line_plot(
            series,
            title=f"{params.function}: the path on the curve",
            desc=f"{FORMULAS[params.function]} from x = {fmt(start[0])}. {desc_runs}",
            x_label="x",
            y_label="f(x)",
            x_range=(x0, x1),
            y_range=(float(curve.min()), float(curve.max())),
            marks=marks,
        )
    # a fine grid (about 4 px per sample) for smooth shading and round contours
    gx, gy = np.linspace(x0, x1, 121), np.linspace(y0, y1, 97)
    xx, yy = np.meshgrid(gx, gy)
    z = objective(xx, yy)[0]
    paths = []
    for i, r in enumerate(runs):
        css, marker = distinct(first + i)
        xs_, ys_ = [p[0] for p in r["path"]], [p[1] for p in r["path"]]
        paths.append(
            Series(xs_, ys_, r["label"], "both", css, marker=marker, max_markers=PATH_MARKERS)
        )
    return heatmap(
        z,
        gx,
        gy,
        title=f"{params.function}: optimizer path over the contours",
        desc=f"{FORMULAS[params.function]} from ({fmt(start[0])}, {fmt(start[1])}). {desc_runs}",
        x_label="x",
        y_label="y",
        log=params.function in ("rosenbrock", "himmelblau"),
        levels=10,
        paths=paths,
        marks=marks,
        tone="grey",
        width=560,
        height=440,
    )


def _loss_plot(runs: list[dict[str, Any]], title: str) -> str:
    positive = all(v > 0 for r in runs for v in r["loss"])
    kind = "both" if max(len(r["loss"]) for r in runs) <= 60 else "line"  # few steps: show dots
    series = []
    for i, r in enumerate(runs):
        css, marker = distinct(i)
        series.append(
            Series(np.arange(len(r["loss"])), r["loss"], r["label"], kind, css, marker=marker)
        )
    return line_plot(
        series,
        title=title,
        desc="Loss per step: "
        + "; ".join(f"{r['label']} from {fmt(r['loss'][0])} to {fmt(r['loss'][-1])}" for r in runs),
        x_label="step",
        y_label="loss" + (" (log scale)" if positive else ""),
        log_y=positive,
        height=280,
    )


def view(params: GradientDescentParams, result: dict[str, Any]) -> dict[str, Any]:
    if params.view == "batch":
        return _batch_view(params, result["batch"])
    runs = _runs(params, result)
    critical = result["critical_lr"]
    unstable = (
        critical is not None
        and params.optimizer == "sgd"
        and params.lr > critical
        and not result["diverged"]
    )
    return {
        # two runs: side by side, each over its own copy of the function
        "path_plots": [_path_plot(params, [r], i) for i, r in enumerate(runs)]
        if len(runs) > 1
        else [_path_plot(params, runs)],
        "loss_plot": _loss_plot(runs, "Loss per step"),
        "runs": [
            {
                "label": r["label"],
                "steps": len(r["path"]) - 1,
                "final": [fmt(v) for v in r["path"][-1]],
                "loss": fmt(r["loss"][-1]),
                "diverged": divergence_text(r, params),
            }
            for r in runs
        ],
        "formula": FORMULAS[params.function],
        "unstable": unstable,
        "critical_lr": fmt(critical) if critical else "",
        "next_steps": min(params.steps + 1, MAX_STEPS),
    }


def _batch_view(params: GradientDescentParams, batch: dict[str, Any]) -> dict[str, Any]:
    runs = minibatch.labelled_runs(batch)
    return {
        "batch_plot": minibatch.contour_plot(batch, runs, params.lr, params.steps),
        "loss_plot": _loss_plot(runs, "Training loss per update"),
        "batch_rows": minibatch.table_rows(runs),
        "n": batch["n"],
        "next_steps": min(params.steps + 1, MAX_STEPS),
    }


DEMO = Demo(
    slug="gradient-descent",
    title="Gradient-descent stepper",
    summary="SGD, momentum, Nesterov, RMSprop, Adagrad and Adam, step by step on test functions.",
    params=GradientDescentParams,
    compute=compute,
    view=view,
    explain=(
        "On the **bowl** ½(x² + 10y²) the curvature is 1 along x and 10 along y. Plain gradient "
        "descent multiplies the y-coordinate by (1 − 10·lr) each step, so it zig-zags once "
        "lr > 0.1 and **diverges exactly when lr > 0.2 = 2/λ_max**; meanwhile x shrinks only "
        "by (1 − lr), so a learning rate small enough for the steep direction crawls along the "
        "flat one. Momentum and Nesterov build speed along the flat valley; RMSprop, Adagrad "
        "and Adam divide by a running size of each coordinate's gradient, so their first steps "
        "have length ≈ lr whatever the scale (Adam's first step is exactly −lr·sign(g), up to "
        "ε). On **rosenbrock** the minimum (1, 1) sits in a curved valley; on **himmelblau** "
        "the start decides which of the four minima you reach; on the **saddle** the gradient "
        "vanishes at the origin yet it is not a minimum. Use **Step** to advance one step "
        "(the state is the URL), **compare** to run a second optimizer or learning rate "
        "beside the first, and the **batch** view to see why smaller mini-batches give "
        "noisier paths: an epoch is N / batch size updates."
    ),
    examples={
        "maximum": {
            "function": "rosenbrock",
            "start": [-1.5, 2.5],
            "optimizer": "adam",
            "lr": 0.01,
            "steps": MAX_STEPS,
            "compare_optimizer": "nesterov",
            "compare_lr": 0.0005,
        },
        "maximum-batch": {"view": "batch", "steps": MAX_STEPS, "batch_size": 1, "lr": 0.01},
        "bowl-diverges": {"function": "bowl", "lr": 0.21, "steps": 200},
        "parabola-overshoot": {"function": "parabola", "start": [4.0], "lr": 0.9, "steps": 20},
        "double-well-local-minimum": {
            "function": "double-well",
            "start": [2.0],
            "lr": 0.01,
            "compare_optimizer": "momentum",
        },
        "bowl-compare": {"function": "bowl", "lr": 0.05, "compare_lr": 0.21, "steps": 60},
        "rosenbrock-sgd-vs-adam": {
            "function": "rosenbrock",
            "start": [-1.5, 2.0],
            "lr": 0.001,
            "compare_optimizer": "adam",
            "compare_lr": 0.05,
            "steps": 500,
        },
    },
)
