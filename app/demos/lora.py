"""LoRA: how well a rank-r product B·A can stand for a weight update ΔW, and what it costs.

By Eckart–Young the best rank-r approximation in Frobenius norm is the truncated SVD, so its
error, √(Σ_{i>r} σᵢ²), is the floor any trained LoRA of rank r can reach. The scales are
LoRA's α/r and rsLoRA's α/√r (Kalajdzievski 2023).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.grids import heat_table
from app.charts.lines import Line, Mark, Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_SIDE = 128
SHOWN = 12  # rows and columns of the matrices shown

Value = Annotated[float, Field(ge=-1e4, le=1e4)]
Row = Annotated[list[Value], Field(min_length=1, max_length=MAX_SIDE)]


class LoRAParams(DemoParams):
    m: int | None = Field(
        None, ge=1, le=MAX_SIDE, description="Rows of the seeded ΔW (default 64; else from delta_w)"
    )
    n: int | None = Field(
        None, ge=1, le=MAX_SIDE, description="Columns of the seeded ΔW (default 48)"
    )
    true_rank: int = Field(4, ge=0, le=MAX_SIDE, description="Rank of the seeded low-rank part")
    noise: float = Field(
        0.02, ge=0, le=10, description="Std of the full-rank noise added to the seeded ΔW",
        json_schema_extra={"slider": [0, 0.2, 0.005]},
    )  # fmt: skip
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the seeded ΔW")
    delta_w: list[Row] | None = Field(
        None,
        min_length=1,
        max_length=MAX_SIDE,
        description=f"Your own ΔW, m × n (≤ {MAX_SIDE} × {MAX_SIDE}); replaces the seeded one",
    )
    rank: int = Field(4, ge=1, le=MAX_SIDE, description="LoRA rank r", validate_default=True,
                      json_schema_extra={"slider": [1, 32, 1]})  # fmt: skip
    alpha: float = Field(16.0, gt=0, le=10_000, description="LoRA α (the update is scaled)")

    @field_validator("delta_w")
    @classmethod
    def _shape(cls, delta_w: Any, info: ValidationInfo) -> Any:
        if delta_w is None:
            return delta_w
        n = len(delta_w[0])
        if any(len(row) != n for row in delta_w):
            raise ValueError(f"must be rectangular: every row needs {n} values")
        for name, size in (("m", len(delta_w)), ("n", n)):
            given = info.data.get(name)
            if given is not None and given != size:
                raise ValueError(f"delta_w gives {name} = {size}, but {name} = {given} was given")
        return delta_w

    @field_validator("rank")
    @classmethod
    def _rank_fits(cls, rank: int, info: ValidationInfo) -> int:
        if "delta_w" not in info.data:
            return rank
        delta_w = info.data["delta_w"]
        if delta_w is not None:
            sides = (len(delta_w), len(delta_w[0]))
        else:
            sides = (info.data.get("m") or 64, info.data.get("n") or 48)
        if rank > min(sides):
            raise ValueError(f"rank = {rank} exceeds min(m, n) = {min(sides)} (of delta_w)")
        return rank


def delta_of(params: LoRAParams) -> np.ndarray:
    """The given ΔW, or (1/√(true rank))·A·B with A, B ~ N(0, 1) plus noise · N(0, 1)."""
    if params.delta_w is not None:
        return np.array(params.delta_w, dtype=float)
    m, n = params.m or 64, params.n or 48
    k = min(params.true_rank, m, n)
    rng = np.random.default_rng(params.seed)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    low = a @ b / math.sqrt(k) if k else np.zeros((m, n))
    return low + params.noise * rng.standard_normal((m, n))


def compute(params: LoRAParams) -> dict[str, Any]:
    w = delta_of(params)
    u, s, vt = np.linalg.svd(w, full_matrices=False)
    tail = np.concatenate([np.sqrt(np.cumsum((s**2)[::-1])[::-1]), [0.0]])
    r = params.rank
    approx = (u[:, :r] * s[:r]) @ vt[:r]
    m, n = w.shape
    return {
        "singular_values": s.tolist(),
        "error_by_rank": tail.tolist(),
        "params_full": m * n,
        "params_lora": r * (m + n),
        "scale": params.alpha / r,
        "scale_rslora": params.alpha / math.sqrt(r),
        "shape": [m, n],
        "norm": float(np.linalg.norm(w)),
        "error": float(np.linalg.norm(w - approx)),
        "relative_error": float(np.linalg.norm(w - approx) / (np.linalg.norm(w) or 1.0)),
        "energy_kept": float((s[:r] ** 2).sum() / ((s**2).sum() or 1.0)),
        "delta_w": w.tolist(),
        "approximation": approx.tolist(),
    }


def view(params: LoRAParams, result: dict[str, Any]) -> dict[str, Any]:
    s = np.array(result["singular_values"])
    r = params.rank
    index = np.arange(1, s.size + 1)
    positive = s[s > 0]
    spectrum = line_plot(
        [Series(index, np.where(s > 0, s, np.nan), "σᵢ", kind="both")],
        title="Singular values of ΔW",
        desc=f"{s.size} singular values, largest first; LoRA of rank {r} keeps the first {r}",
        x_label="i",
        y_label="σᵢ (log)",
        log_y=positive.size > 0,
        vlines=[Line(r + 0.5, f"r = {r}")],
        width=PAIR_WIDTH,
    )
    errors = np.array(result["error_by_rank"])
    ranks = np.arange(errors.size)
    error_plot = line_plot(
        [Series(ranks, errors, "‖ΔW − best rank-r‖_F", kind="both")],
        title="Reconstruction error against the rank",
        desc="Frobenius norm of ΔW minus its truncated SVD, the best any rank-r product can do",
        x_label="rank r",
        y_label="error",
        marks=[Mark(r, float(errors[r]), f"r = {r}: {fmt(float(errors[r]))}")],
        width=PAIR_WIDTH,
    )
    w, approx = np.array(result["delta_w"]), np.array(result["approximation"])
    m, n = result["shape"]
    scales = [
        {"r": k, "lora": fmt(params.alpha / k), "rslora": fmt(params.alpha / math.sqrt(k))}
        for k in (1, 2, 4, 8, 16, 32, 64, 128)
        if k <= min(m, n) or k == r
    ]
    return {
        "spectrum": spectrum,
        "error_plot": error_plot,
        "delta": heat_table(w[:SHOWN, :SHOWN]),
        "approx": heat_table(approx[:SHOWN, :SHOWN]),
        "residual": heat_table((w - approx)[:SHOWN, :SHOWN]),
        "cut": m > SHOWN or n > SHOWN,
        "error": fmt(result["error"]),
        "relative": f"{100 * result['relative_error']:.2f} %",
        "energy": f"{100 * result['energy_kept']:.2f} %",
        "saving": fmt(result["params_full"] / result["params_lora"]),
        "scales": scales,
    }


DEMO = Demo(
    slug="lora",
    title="LoRA: low-rank updates",
    summary="The singular values of a weight update, the reconstruction error of a rank-r "
    "approximation (the Eckart–Young optimum), parameter counts and the α/r scale.",
    params=LoRAParams,
    compute=compute,
    view=view,
    explain=(
        "LoRA freezes W and learns ΔW = B·A with B of m × r and A of r × n: r·(m + n) "
        "parameters instead of m·n. Whether that loses anything depends on ΔW's spectrum: "
        "by the Eckart–Young theorem the best rank-r approximation is the SVD truncated to "
        "the r largest singular values, with error √(σ²_{r+1} + … ). Fine-tuning updates "
        "tend to have a fast-decaying spectrum, so a small r captures most of them. The "
        "seeded ΔW is a rank-`true_rank` matrix plus noise: the error curve drops steeply "
        "until r reaches the true rank and then only chips at the noise. The update is "
        "multiplied by α/r, so that changing r does not change the initial step size "
        "much; rsLoRA argues for α/√r, which keeps the update's scale stable as r grows "
        "(with α/r, large ranks learn slowly)."
    ),
    examples={
        "maximum": {"m": MAX_SIDE, "n": MAX_SIDE, "true_rank": 32, "rank": MAX_SIDE},
        "rank-below-true": {"rank": 2},
        "rank-at-true": {"rank": 4},
        "rank-above-true": {"rank": 8},
        "noisy": {"noise": 0.3, "rank": 4},
        "full-rank-update": {"true_rank": 48, "rank": 8},
        "diagonal": {"delta_w": [[3, 0, 0], [0, 2, 0], [0, 0, 1]], "rank": 2},
    },
    predict=Prediction(
        question="ΔW is rank 4 plus a little noise. Going from r = 2 to r = 4 lowers the error "
        "a lot. What happens going from r = 4 to r = 8?",
        preset="rank-above-true",
        answer=(
            "Almost nothing: after the true rank every further singular value is noise "
            "(here about 0.27 each against 20–37 for the first four), so the error falls only "
            "from 1.04 to 0.89 while the parameters double. A LoRA rank beyond the update's "
            "effective rank buys nothing."
        ),
    ),
)
