"""Speculative decoding: a draft model proposes γ tokens, the target accepts or resamples.

Leviathan et al. 2023 (and Chen et al. 2023): a drafted token x ~ q is accepted with
probability min(1, p(x)/q(x)); at the first rejection a token is drawn from
norm(max(0, p − q)) and the step ends; if all γ are accepted, one more token is drawn from p.
Every emitted token is then distributed exactly as p. Each draft token is accepted with
probability α = Σ min(p, q), so a target call yields (1 − α^(γ+1)) / (1 − α) tokens on average.
The distributions here do not depend on the context, so drafts are i.i.d. draws from q.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.bars import bar_chart
from app.charts.lines import Line, Mark, Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_VOCAB = 64
MAX_GAMMA = 16
MAX_TRIALS = 10_000
SHOWN_TRIALS = 8  # trials traced step by step on the page

Weight = Annotated[float, Field(ge=0, le=1e6)]
Weights = Annotated[list[Weight], Field(min_length=2, max_length=MAX_VOCAB)]

TARGET = [0.35, 0.2, 0.15, 0.1, 0.08, 0.06, 0.04, 0.02]
DRAFT = [0.25, 0.25, 0.1, 0.15, 0.05, 0.1, 0.05, 0.05]


def _positive_total(weights: list[float]) -> list[float]:
    if sum(weights) <= 0:
        raise ValueError("needs at least one positive weight")
    return weights


class SpeculativeDecodingParams(DemoParams):
    target: Weights = Field(
        TARGET,
        description=f"Target model's next-token probabilities p (≤ {MAX_VOCAB}; normalized)",
    )
    draft: Weights = Field(
        DRAFT,
        validate_default=True,
        description="Draft model's probabilities q over the same tokens (normalized)",
    )
    gamma: int = Field(
        4,
        ge=1,
        le=MAX_GAMMA,
        description="Draft length γ: tokens proposed per target call",
        json_schema_extra={"slider": [1, MAX_GAMMA, 1]},
    )
    trials: int = Field(
        4000, ge=1, le=MAX_TRIALS, description="Simulated target calls (speculative steps)"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the simulation")

    @field_validator("target")
    @classmethod
    def _target_total(cls, target: list[float]) -> list[float]:
        return _positive_total(target)

    @field_validator("draft")
    @classmethod
    def _draft_matches_target(cls, draft: list[float], info: ValidationInfo) -> list[float]:
        target = info.data.get("target")
        if target is not None and len(draft) != len(target):
            raise ValueError(
                f"draft has {len(draft)} tokens but target has {len(target)}: "
                "both are distributions over the same vocabulary"
            )
        return _positive_total(draft)


def expected_tokens(alpha: float, gamma: int) -> float:
    """(1 − α^(γ+1)) / (1 − α), the number of tokens per target call; γ + 1 when α = 1."""
    if alpha >= 1 - 1e-12:
        return float(gamma + 1)
    return (1 - alpha ** (gamma + 1)) / (1 - alpha)


def _draw(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws: the first index whose cumulative probability exceeds u."""
    cdf = np.cumsum(probs)
    return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), probs.size - 1)


def simulate(
    p: np.ndarray, q: np.ndarray, gamma: int, trials: int, seed: int
) -> dict[str, np.ndarray]:
    """All trials at once: drafts (trials × γ), accepted counts, the first emitted token."""
    rng = np.random.default_rng(seed)
    drafts = _draw(q, rng.random((trials, gamma)))
    ratio = np.divide(p[drafts], q[drafts], out=np.ones(drafts.shape), where=q[drafts] > 0)
    accepted = rng.random((trials, gamma)) < ratio
    n_accepted = np.where(accepted.all(axis=1), gamma, np.argmin(accepted, axis=1))
    residual = np.maximum(p - q, 0.0)
    fallback = residual if residual.sum() > 0 else p  # p = q never rejects: unused then
    # the token after the accepted prefix: from the residual after a rejection, else from p
    after_reject = _draw(fallback, rng.random(trials))
    bonus = _draw(p, rng.random(trials))
    last = np.where(n_accepted == gamma, bonus, after_reject)
    first = np.where(n_accepted > 0, drafts[:, 0], last)
    return {
        "drafts": drafts,
        "ratio": ratio,
        "accepted": accepted,
        "n_accepted": n_accepted,
        "last": last,
        "first": first,
    }


def compute(params: SpeculativeDecodingParams) -> dict[str, Any]:
    p = np.array(params.target, dtype=float)
    q = np.array(params.draft, dtype=float)
    p, q = p / p.sum(), q / q.sum()
    alpha = float(np.minimum(p, q).sum())
    sim = simulate(p, q, params.gamma, params.trials, params.seed)
    counts = np.bincount(sim["first"], minlength=p.size)
    residual = np.maximum(p - q, 0.0)
    trace = []
    for t in range(min(SHOWN_TRIALS, params.trials)):
        k = int(sim["n_accepted"][t])
        trace.append(
            {
                "drafted": sim["drafts"][t].tolist(),
                "ratios": sim["ratio"][t].tolist(),
                "accepted": k,
                "emitted": sim["drafts"][t, :k].tolist() + [int(sim["last"][t])],
                "bonus": k == params.gamma,
            }
        )
    return {
        "acceptance_rate": alpha,
        "expected_tokens": expected_tokens(alpha, params.gamma),
        "empirical_tokens": float(sim["n_accepted"].mean() + 1),
        "empirical_distribution": (counts / params.trials).tolist(),
        "empirical_acceptance": float(sim["accepted"][:, 0].mean()),
        "target": p.tolist(),
        "draft": q.tolist(),
        "residual": (residual / residual.sum() if residual.sum() > 0 else residual).tolist(),
        "counts": counts.tolist(),
        "trace": trace,
    }


def view(params: SpeculativeDecodingParams, result: dict[str, Any]) -> dict[str, Any]:
    """p, q and their overlap; empirical against target; tokens per call against γ."""
    p, q = np.array(result["target"]), np.array(result["draft"])
    labels = [f"t{i}" for i in range(p.size)]
    index = np.arange(p.size)
    dists = line_plot(
        [
            Series(index, p, "target p", kind="both"),
            Series(index, q, "draft q", kind="both", dashed=True),
            Series(index, np.minimum(p, q), "min(p, q)", kind="markers"),
        ],
        title="Target and draft distributions",
        desc=f"p and q per token; the overlap Σ min(p, q) = {result['acceptance_rate']:.4f} is "
        "the chance a drafted token is accepted",
        x_label="token",
        y_label="probability",
        width=PAIR_WIDTH,
    )
    empirical = bar_chart(
        labels,
        result["empirical_distribution"],
        title="First emitted token over the trials",
        desc=f"Share of {params.trials} trials whose first emitted token is each token; it "
        "follows the target p (the line of the other plot), not the draft",
        y_label="share of trials",
        value_labels=[f"{v:.3f}" for v in result["empirical_distribution"]]
        if p.size <= 12
        else None,
        width=PAIR_WIDTH,
    )
    alpha = result["acceptance_rate"]
    gammas = np.arange(1, MAX_GAMMA + 1)
    per_call = line_plot(
        [Series(gammas, [expected_tokens(alpha, int(g)) for g in gammas], "expected", kind="both")],
        title="Tokens per target call against draft length",
        desc=f"(1 − α^(γ+1))/(1 − α) with α = {alpha:.3f}; it saturates at 1/(1 − α)",
        x_label="draft length γ",
        y_label="tokens per target call",
        vlines=[Line(params.gamma, f"γ = {params.gamma}")],
        marks=[Mark(params.gamma, result["empirical_tokens"], "simulated")],
        width=PAIR_WIDTH,
    )
    rows = [
        {
            "token": labels[i],
            "p": f"{p[i]:.4f}",
            "q": f"{q[i]:.4f}",
            "overlap": f"{min(p[i], q[i]):.4f}",
            "residual": f"{result['residual'][i]:.4f}",
            "empirical": f"{result['empirical_distribution'][i]:.4f}",
            "count": result["counts"][i],
        }
        for i in range(p.size)
    ]
    trace = [
        {
            "trial": t + 1,
            "drafted": " ".join(labels[x] for x in tr["drafted"]),
            "ratios": " ".join(fmt(min(r, 1.0)) for r in tr["ratios"][: tr["accepted"] + 1]),
            "accepted": tr["accepted"],
            "emitted": " ".join(labels[x] for x in tr["emitted"]),
            "last": "bonus from p" if tr["bonus"] else "resampled from max(0, p − q)",
        }
        for t, tr in enumerate(result["trace"])
    ]
    return {
        "dists_svg": dists,
        "empirical_svg": empirical,
        "per_call_svg": per_call,
        "rows": rows,
        "trace": trace,
        "saturation": "∞" if alpha >= 1 - 1e-12 else fmt(1 / (1 - alpha)),
    }


DEMO = Demo(
    slug="speculative-decoding",
    title="Speculative decoding",
    summary="A draft model proposes γ tokens, the target accepts or resamples: acceptance "
    "rate, tokens per call, and proof by simulation that the output follows the target.",
    params=SpeculativeDecodingParams,
    compute=compute,
    view=view,
    explain=(
        "A small draft model q proposes γ tokens; the large target model p scores all of them "
        "in one forward pass. Each drafted token x is accepted with probability "
        "min(1, p(x)/q(x)); at the first rejection a replacement is drawn from the leftover "
        "mass max(0, p − q), renormalized, and the step ends; if all γ pass, the target's "
        "pass already gives one more token from p. The acceptance rate is α = Σ min(p, q), "
        "the overlap of the two distributions, and a target call yields "
        "(1 − α^(γ+1))/(1 − α) tokens on average, at most 1/(1 − α) however long the draft. "
        "The output is not an approximation: accepted tokens contribute min(p, q) and "
        "rejections (1 − α)·norm(max(0, p − q)) = max(0, p − q), which sum to p exactly. The "
        "bars show it: the first emitted token follows p, not q (Leviathan et al. 2023)."
    ),
    examples={
        "maximum": {
            "target": [float(1 + (i * 7) % 13) for i in range(MAX_VOCAB)],
            "draft": [float(1 + (i * 5) % 11) for i in range(MAX_VOCAB)],
            "gamma": MAX_GAMMA,
            "trials": MAX_TRIALS,
        },
        "identical": {"draft": TARGET},
        "disjoint": {"target": [0.5, 0.5, 0, 0], "draft": [0, 0, 0.5, 0.5]},
        "uniform-draft": {"draft": [1.0] * 8},
        "long-draft": {"gamma": 16},
    },
    predict=Prediction(
        question="The draft model is terrible: it only ever proposes tokens the target never "
        "picks. Is the output still distributed as the target's? How many tokens does each "
        "target call give?",
        preset="disjoint",
        answer="Yes, it still follows p exactly, and each call gives exactly 1 token. With "
        "α = Σ min(p, q) = 0 every draft is rejected at once and the replacement is drawn from "
        "max(0, p − q) = p: plain decoding, plus the wasted draft work.",
    ),
)
