"""Learning-rate schedules as closed forms of PyTorch's schedulers, and what they do to training.

``lr[t]`` is the rate optimizer step t uses: what ``get_last_lr()`` returns before the t-th
``scheduler.step()``. The loss curve is the expected loss of plain SGD with noisy gradients on
a quadratic of the gradient-descent stepper, because noise is where a decaying rate pays off.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

MAX_STEPS = 20_000
DIVERGENCE = 1e12
# The gradient-descent stepper's quadratics as curvatures per coordinate: parabola x², bowl
# (x² + 10y²)/2. On a quadratic the expected loss of noisy SGD has a closed recursion.
CURVATURES = {"parabola": (2.0,), "bowl": (1.0, 10.0)}
START = (-4.0, 2.0)  # as the gradient-descent stepper's default start

Schedule = Literal["constant", "step", "warmup-cosine", "one-cycle", "inverse-sqrt", "wsd"]

# OneCycleLR's defaults (torch.optim.lr_scheduler.OneCycleLR).
PCT_START, DIV_FACTOR, FINAL_DIV_FACTOR = 0.3, 25.0, 1e4


class LRScheduleParams(DemoParams):
    schedule: Schedule = Field("warmup-cosine", description="The schedule")
    compare: Literal[
        "", "constant", "step", "warmup-cosine", "one-cycle", "inverse-sqrt", "wsd"
    ] = Field("constant", description="A second schedule drawn dashed (empty: none)")
    base_lr: float = Field(
        0.1, gt=0, le=10, description="Peak rate (max_lr of one-cycle)",
        json_schema_extra={"slider": [0.005, 0.2, 0.005]},
    )  # fmt: skip
    min_lr: float = Field(
        0.0, ge=0, le=10, description="Final rate of warmup-cosine and wsd (eta_min)"
    )
    steps: int = Field(200, ge=1, le=MAX_STEPS, description="Optimizer steps")
    warmup_steps: int = Field(
        20,
        ge=0,
        le=MAX_STEPS,
        validate_default=True,
        description="Linear warm-up (warmup-cosine, inverse-sqrt, wsd)",
    )
    step_size: int = Field(50, ge=1, le=MAX_STEPS, description="StepLR: steps between decays")
    gamma: float = Field(0.5, gt=0, le=1, description="StepLR: factor at each decay")
    decay_fraction: float = Field(
        0.2,
        ge=0,
        le=1,
        validate_default=True,
        description="wsd: share of the steps spent decaying to min_lr",
    )
    function: Literal["none", "parabola", "bowl"] = Field(
        "bowl", description="Train SGD on this quadratic of the gradient-descent demo"
    )
    noise: float = Field(
        2.0, ge=0, le=100, description="Std of the Gaussian noise added to each gradient"
    )

    @field_validator("warmup_steps")
    @classmethod
    def _warmup_fits(cls, warmup_steps: int, info: ValidationInfo) -> int:
        steps = info.data.get("steps")
        warmed = {"warmup-cosine", "inverse-sqrt", "wsd"}
        uses = warmed & {info.data.get("schedule"), info.data.get("compare")}
        if steps is not None and uses and warmup_steps > steps:
            raise ValueError(f"warmup_steps = {warmup_steps} is more than steps = {steps}")
        if info.data.get("schedule") == "inverse-sqrt" and warmup_steps < 1:
            raise ValueError("warmup_steps must be at least 1 for inverse-sqrt")
        return warmup_steps

    @field_validator("decay_fraction")
    @classmethod
    def _decay_fits(cls, fraction: float, info: ValidationInfo) -> float:
        steps, warmup = info.data.get("steps"), info.data.get("warmup_steps")
        wsd = "wsd" in (info.data.get("schedule"), info.data.get("compare"))
        if wsd and steps is not None and warmup is not None:
            decay = decay_steps(fraction, steps)
            if warmup + decay > steps:
                raise ValueError(
                    f"warmup_steps ({warmup}) + decay steps ({decay} = round(decay_fraction × "
                    f"steps)) exceed steps = {steps}"
                )
        return fraction


def decay_steps(fraction: float, steps: int) -> int:
    """D = ⌊decay_fraction × steps + 0.5⌋ (round half up)."""
    return math.floor(fraction * steps + 0.5)


def _warmup(params: LRScheduleParams, t: np.ndarray) -> np.ndarray:
    return params.base_lr * (t + 1) / max(params.warmup_steps, 1)


def _one_cycle(base_lr: float, steps: int, t: np.ndarray) -> np.ndarray:
    """OneCycleLR(max_lr, total_steps) with its defaults: two cosine phases."""
    initial = base_lr / DIV_FACTOR
    final = initial / FINAL_DIV_FACTOR
    first_end = float(PCT_START * steps) - 1  # end_step of phase 1, as PyTorch computes it
    last_end = steps - 1

    def cos_anneal(start: float, end: float, pct: np.ndarray) -> np.ndarray:
        return end + (start - end) / 2.0 * (np.cos(math.pi * pct) + 1)

    up = t <= first_end
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = cos_anneal(initial, base_lr, t / first_end)
        falling = cos_anneal(base_lr, final, (t - first_end) / (last_end - first_end))
    return np.where(up, rising, falling)


def learning_rates(params: LRScheduleParams, schedule: str) -> np.ndarray:
    """lr[t] for t = 0 … steps − 1 of one schedule."""
    p = params
    t = np.arange(p.steps, dtype=float)
    base, low, warm = p.base_lr, p.min_lr, p.warmup_steps
    if schedule == "constant":
        return np.full(p.steps, base)
    if schedule == "step":
        return base * p.gamma ** np.floor(t / p.step_size)
    if schedule == "warmup-cosine":
        span = max(p.steps - warm, 1)  # T_max; unused when the warm-up takes every step
        cosine = low + (base - low) * (1 + np.cos(math.pi * (t - warm) / span)) / 2
        return np.where(t < warm, _warmup(p, t), cosine)
    if schedule == "one-cycle":
        return _one_cycle(base, p.steps, t)
    if schedule == "inverse-sqrt":
        w = max(warm, 1)
        return base * np.minimum((t + 1) / w, np.sqrt(w / (t + 1)))
    decay = decay_steps(p.decay_fraction, p.steps)  # wsd
    lr = np.where(t < warm, _warmup(p, t), base)
    if decay:
        start = p.steps - decay
        falling = base + (low - base) * (t - start + 1) / decay
        lr = np.where(t >= start, falling, lr)
    return lr


def affine_scan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x₁ … x_T of xₜ₊₁ = aₜxₜ + bₜ from x₀ = 0, by doubling (log₂ T array passes, no loop
    over steps): each entry composes the affine maps of a window that doubles every pass."""
    a, b = a.copy(), b.copy()
    k = 1
    while k < a.size:
        b[k:] = a[k:] * b[:-k] + b[k:]  # the right side is evaluated before any assignment
        a[k:] = a[k:] * a[:-k]
        k *= 2
    return b


def expected_loss(params: LRScheduleParams, lr: np.ndarray) -> list[float]:
    """E[loss] per step of SGD with N(0, noise²) added to each gradient, computed exactly.

    On a quadratic Σ hᵢxᵢ²/2 each coordinate's mean shrinks by (1 − ηₜhᵢ) per step and its
    variance follows vₜ₊₁ = (1 − ηₜhᵢ)² vₜ + ηₜ² noise²; the expected loss is
    Σ hᵢ (mᵢ² + vᵢ) / 2. No sampling, so no seed and no sampling noise in the curve. The curve
    ends where the loss passes 1e12 (a rate too large for the curvature).
    """
    curvatures = CURVATURES[params.function]
    total = np.zeros(lr.size + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for h, start in zip(curvatures, START, strict=False):
            shrink = 1 - lr * h
            means = start * np.concatenate([[1.0], np.cumprod(shrink)])
            variances = np.concatenate([[0.0], affine_scan(shrink**2, (lr * params.noise) ** 2)])
            total += h * (means**2 + variances) / 2
    bad = np.nonzero(~np.isfinite(total) | (total > DIVERGENCE))[0]
    return total[: bad[0] if bad.size else total.size].tolist()


def compute(params: LRScheduleParams) -> dict[str, Any]:
    lr = learning_rates(params, params.schedule)
    result: dict[str, Any] = {"lr": lr.tolist()}
    if params.compare:
        result["compare_lr"] = learning_rates(params, params.compare).tolist()
    if params.function != "none":
        result["loss"] = expected_loss(params, lr)
        if params.compare:
            result["compare_loss"] = expected_loss(params, np.array(result["compare_lr"]))
    return result


def _landmarks(params: LRScheduleParams) -> list[int]:
    """Steps worth reading off: the ends, the warm-up's end, the decay's start, the middle."""
    s = params.steps
    marks = {0, s - 1, s // 2}
    if params.schedule in ("warmup-cosine", "inverse-sqrt", "wsd") and params.warmup_steps:
        marks |= {params.warmup_steps - 1, min(params.warmup_steps, s - 1)}
    if params.schedule == "wsd":
        marks.add(s - decay_steps(params.decay_fraction, s))
    if params.schedule == "one-cycle":
        marks.add(max(0, min(s - 1, round(PCT_START * s - 1))))
    if params.schedule == "step":
        marks |= {k for k in range(params.step_size, s, params.step_size)}
    return sorted(m for m in marks if 0 <= m < s)[:12]


def view(params: LRScheduleParams, result: dict[str, Any]) -> dict[str, Any]:
    steps = np.arange(params.steps)
    lr_series = [Series(steps, result["lr"], params.schedule)]
    loss_series = []
    if params.compare:
        lr_series.append(Series(steps, result["compare_lr"], params.compare, dashed=True))
    vlines = []
    if params.schedule in ("warmup-cosine", "inverse-sqrt", "wsd") and params.warmup_steps:
        vlines.append(Line(params.warmup_steps, "end of warm-up"))
    if params.schedule == "wsd":
        vlines.append(
            Line(params.steps - decay_steps(params.decay_fraction, params.steps), "decay")
        )
    lr_plot = line_plot(
        lr_series,
        title=f"Learning rate per step: {params.schedule}",
        desc=f"lr[t] for t = 0 … {params.steps - 1}"
        + (f", with {params.compare} dashed" if params.compare else ""),
        x_label="optimizer step t",
        y_label="learning rate",
        vlines=vlines,
        x_range=(0, max(params.steps - 1, 1)),
    )
    loss_plot = ""
    if "loss" in result:
        loss_series.append(Series(np.arange(len(result["loss"])), result["loss"], params.schedule))
        if "compare_loss" in result:
            cl = result["compare_loss"]
            loss_series.append(Series(np.arange(len(cl)), cl, params.compare, dashed=True))
        loss_plot = line_plot(
            loss_series,
            title=f"Expected loss of noisy SGD on {params.function}",
            desc="Loss per step with gradient noise; a rate that decays at the end settles "
            "lower than a constant one",
            x_label="step",
            y_label="loss (log)",
            log_y=True,
            x_range=(0, params.steps),
        )
    lr = result["lr"]
    compare = result.get("compare_lr")
    return {
        "lr_plot": lr_plot,
        "loss_plot": loss_plot,
        "rows": [
            {"t": t, "lr": f"{lr[t]:.6g}", "compare": f"{compare[t]:.6g}" if compare else ""}
            for t in _landmarks(params)
        ],
        "peak": fmt(max(lr)),
        "last": f"{lr[-1]:.6g}",
        "mean": fmt(float(np.mean(lr))),
        "final_loss": fmt(result["loss"][-1]) if "loss" in result else "",
        "compare_final_loss": fmt(result["compare_loss"][-1]) if "compare_loss" in result else "",
        "diverged": "loss" in result and len(result["loss"]) < params.steps + 1,
        "one_cycle": {
            "initial": fmt(params.base_lr / DIV_FACTOR),
            "final": fmt(params.base_lr / DIV_FACTOR / FINAL_DIV_FACTOR),
        },
    }


DEMO = Demo(
    slug="lr-schedule",
    title="Learning-rate schedules",
    summary="Constant, step, warm-up + cosine, one-cycle, inverse square root and "
    "warm-up–stable–decay, per step as PyTorch's schedulers give them, and the loss they train to.",
    params=LRScheduleParams,
    compute=compute,
    view=view,
    explain=(
        "**Warm-up** ramps the rate linearly from base_lr / warmup_steps so that the first, "
        "large and badly-conditioned updates (and Adam's not yet averaged second moments) do "
        "not blow the weights up. **Cosine** then decays smoothly to min_lr, the closed form of "
        "`CosineAnnealingLR(T_max = steps − warmup_steps)`. **StepLR** multiplies by gamma every "
        "step_size steps. **One-cycle** (`OneCycleLR` with its defaults) rises from max_lr / 25 "
        "over the first 30 % of the steps and anneals to max_lr / 25 / 10⁴: it ignores "
        "min_lr. **Inverse square root** (the original Transformer's) decays as 1/√t after the "
        "warm-up and never reaches zero. **Warm-up–stable–decay** holds the peak and decays "
        "linearly over the last decay_fraction of the steps, so a run can be extended from "
        "any checkpoint of the stable phase. In the loss plot the gradients are noisy: a "
        "constant rate hovers at a noise floor proportional to the rate; decaying at the end "
        "is what brings the loss down."
    ),
    examples={
        "maximum": {
            "schedule": "wsd",
            "compare": "one-cycle",
            "steps": MAX_STEPS,
            "warmup_steps": 1000,
            "function": "bowl",
        },
        "warmup-cosine": {"schedule": "warmup-cosine"},
        "step-decay": {"schedule": "step", "step_size": 50, "gamma": 0.3},
        "one-cycle": {"schedule": "one-cycle", "compare": "warmup-cosine"},
        "inverse-sqrt": {"schedule": "inverse-sqrt", "warmup_steps": 20},
        "wsd": {"schedule": "wsd", "compare": "warmup-cosine", "decay_fraction": 0.2},
        "no-noise": {"noise": 0.0},
        "too-hot": {"schedule": "constant", "compare": "warmup-cosine", "base_lr": 0.21},
    },  # fmt: skip
    predict=Prediction(
        question="With noisy gradients on the bowl, train at a constant 0.1 and with warm-up "
        "+ cosine to 0 at the same peak. Which ends with the lower loss, and by about how much?",
        preset="warmup-cosine",
        answer=(
            "Warm-up + cosine, about ten times lower (0.026 against 0.30). With gradient "
            "noise SGD settles where "
            "the pull to the minimum balances the noise; that floor scales with the rate. The "
            "constant run stays at its floor; the cosine run lowers its rate to 0, and the "
            "loss follows it down."
        ),
    ),
)
