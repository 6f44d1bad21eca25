"""Mixture-of-experts routing: top-k selection, gates, expert capacity, load-balancing loss.

Each token's router logits pick its k experts (noise, when asked, is added only to the logits
used for that choice, as noisy top-k gating); the gates are a softmax over the selected clean
logits (as Mixtral). An expert serves at most capacity = ⌈capacity_factor · tokens · k / E⌉
slots, filled in token order; later slots are dropped (the token skips that expert). The
auxiliary loss is Switch Transformer's E · Σ_i f_i · P_i, generalized to top-k: f_i is the
share of the tokens·k slots routed to expert i (before dropping), P_i the mean router
probability softmax(logits)_i; it is 1 when both are uniform.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from app.charts.grids import heat_table
from app.charts.lines import Line, Series, line_plot
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_TOKENS = 512
MAX_EXPERTS = 64
DEFAULT_TOKENS, DEFAULT_EXPERTS = 32, 8  # of the seeded logits
SHOWN_TOKENS = 24  # rows of the routing table on the page
COMPARED_FACTORS = (1.0, 1.25, 1.5, 2.0)

Logit = Annotated[float, Field(ge=-1e3, le=1e3)]


class MoeRouterParams(DemoParams):
    tokens: int | None = Field(
        None, ge=1, le=MAX_TOKENS, description="Tokens in the batch (default 32; else from logits)"
    )
    experts: int | None = Field(
        None, ge=2, le=MAX_EXPERTS, description="Experts E (default 8; else from logits)"
    )
    imbalance: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Seeded: how much the router favours low-numbered experts",
    )
    top_k: int = Field(
        2,
        ge=1,
        le=MAX_EXPERTS,
        description="Experts per token k (≤ E)",
        json_schema_extra={"slider": [1, 8, 1]},
    )
    capacity_factor: float | None = Field(
        1.25,
        ge=0.01,
        le=64,
        description="Slots per expert = ⌈factor · tokens · k / E⌉ (JSON null: no limit)",
    )
    noise_std: float = Field(
        0.0, ge=0, le=100, description="Std of the noise added to the logits that choose"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the logits and the noise")
    logits: (
        Annotated[
            list[Annotated[list[Logit], Field(min_length=2, max_length=MAX_EXPERTS)]],
            Field(min_length=1, max_length=MAX_TOKENS),
        ]
        | None
    ) = Field(None, description=f"Given router logits, tokens × E (≤ {MAX_TOKENS} × {MAX_EXPERTS})")

    @model_validator(mode="after")
    def _k_fits(self) -> MoeRouterParams:
        if self.logits is not None:
            width = len(self.logits[0])
            if any(len(r) != width for r in self.logits):
                raise ValueError(f"logits must be rectangular: {width} per row")
            for name, size in (("tokens", len(self.logits)), ("experts", width)):
                given = getattr(self, name)
                if given is not None and given != size:
                    raise ValueError(
                        f"logits gives {name} = {size}, but {name} = {given} was given"
                    )
            if self.top_k > width:
                raise ValueError(
                    f"top_k ({self.top_k}) exceeds the {width} experts (columns) of logits"
                )
        elif self.top_k > (self.experts or DEFAULT_EXPERTS):
            raise ValueError(
                f"top_k ({self.top_k}) exceeds experts ({self.experts or DEFAULT_EXPERTS})"
            )
        return self


def logits_and_noise(params: MoeRouterParams) -> tuple[np.ndarray, np.ndarray]:
    """Given or seeded logits (N(0, 1) plus a tilt toward low experts), then the noise."""
    rng = np.random.default_rng(params.seed)
    if params.logits is not None:
        logits = np.array(params.logits, dtype=float)
    else:
        experts, tokens = params.experts or DEFAULT_EXPERTS, params.tokens or DEFAULT_TOKENS
        tilt = params.imbalance * np.linspace(1, -1, experts)
        logits = rng.standard_normal((tokens, experts)) + tilt
    return logits, params.noise_std * rng.standard_normal(logits.shape)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def capacity_of(factor: float | None, tokens: int, k: int, experts: int) -> int | None:
    return None if factor is None else math.ceil(factor * tokens * k / experts)


def serve(experts: np.ndarray, n_experts: int, capacity: int | None) -> np.ndarray:
    """Which slots (tokens × k) are served, filling each expert in token order."""
    if capacity is None:
        return np.ones(experts.shape, dtype=bool)
    flat = experts.ravel()  # token order, then rank within the token
    onehot = flat[:, None] == np.arange(n_experts)
    position = np.cumsum(onehot, axis=0)[np.arange(flat.size), flat]  # 1-based within expert
    return (position <= capacity).reshape(experts.shape)


def route(logits: np.ndarray, noise: np.ndarray, k: int, factor: float | None) -> dict[str, Any]:
    n_tokens, n_experts = logits.shape
    choose = logits + noise
    experts = np.argsort(-choose, axis=1, kind="stable")[:, :k]  # ties: the lower expert
    chosen = np.take_along_axis(logits, experts, axis=1)
    gates = softmax(chosen)
    capacity = capacity_of(factor, n_tokens, k, n_experts)
    served = serve(experts, n_experts, capacity)
    routed = np.bincount(experts.ravel(), minlength=n_experts)
    load = np.bincount(experts[served], minlength=n_experts)
    f = routed / (n_tokens * k)
    p = softmax(logits).mean(axis=0)
    return {
        "experts": experts,
        "gates": gates,
        "served": served,
        "capacity": capacity,
        "routed": routed,
        "load": load,
        "f": f,
        "p": p,
        "aux_loss": float(n_experts * (f * p).sum()),
    }


def compute(params: MoeRouterParams) -> dict[str, Any]:
    logits, noise = logits_and_noise(params)
    r = route(logits, noise, params.top_k, params.capacity_factor)
    dropped = np.argwhere(~r["served"])
    return {
        "experts": r["experts"].tolist(),
        "gates": r["gates"].tolist(),
        "load": r["load"].tolist(),
        "dropped": [[int(t), int(r["experts"][t, j])] for t, j in dropped],
        "aux_loss": r["aux_loss"],
        "capacity": r["capacity"],
        "routed": r["routed"].tolist(),
        "fraction_routed": r["f"].tolist(),
        "mean_probability": r["p"].tolist(),
        "logits": logits.tolist(),
        "by_capacity_factor": [
            {
                "capacity_factor": c,
                "capacity": capacity_of(c, logits.shape[0], params.top_k, logits.shape[1]),
                "dropped": int((~route(logits, noise, params.top_k, c)["served"]).sum()),
            }
            for c in COMPARED_FACTORS
        ],
    }


def view(params: MoeRouterParams, result: dict[str, Any]) -> dict[str, Any]:
    """Gates per token as a heat table, load per expert against capacity, f and P."""
    experts = np.array(result["experts"])
    gates = np.array(result["gates"])
    n_tokens, k = experts.shape
    n_experts = len(result["load"])
    dropped = {(t, e) for t, e in result["dropped"]}
    grid = np.zeros((n_tokens, n_experts))
    np.put_along_axis(grid, experts, gates, axis=1)
    shown = min(n_tokens, SHOWN_TOKENS)
    table = heat_table(grid[:shown])
    for t in range(shown):
        for e in range(n_experts):
            if (t, e) in dropped:
                table[t][e]["text"] += " ✗"
            elif grid[t, e] == 0:
                table[t][e]["text"] = "·"
    labels = [f"e{i}" for i in range(n_experts)]
    capacity = result["capacity"]
    load_svg = line_plot(
        [
            Series(range(n_experts), result["routed"], "routed (before dropping)", kind="both"),
            Series(range(n_experts), result["load"], "served", kind="both", dashed=True),
        ],
        title="Slots per expert",
        desc=f"Token slots routed to each expert and those served within the capacity of "
        f"{capacity if capacity is not None else 'no limit'}; the gap is dropped",
        x_label="expert",
        y_label="token slots",
        hlines=[Line(capacity, f"capacity {capacity}")] if capacity is not None else [],
        width=PAIR_WIDTH,
    )
    balance_svg = line_plot(
        [
            Series(range(n_experts), result["fraction_routed"], "f (share of slots)", kind="both"),
            Series(
                range(n_experts), result["mean_probability"], "P (mean probability)", kind="both"
            ),
            Series(
                [0, n_experts - 1], [1 / n_experts] * 2, "uniform 1/E", dashed=True, css="series-8"
            ),
        ],
        title="What the load-balancing loss sees",
        desc=f"f_i and P_i per expert; aux loss E·Σ f_i·P_i = {result['aux_loss']:.4f}, 1 "
        "when both are uniform",
        x_label="expert",
        y_label="share",
        width=PAIR_WIDTH,
    )
    return {
        "table": table,
        "expert_labels": labels,
        "shown": shown,
        "cut": n_tokens > SHOWN_TOKENS,
        "load_svg": load_svg,
        "balance_svg": balance_svg,
        "compare": [
            {**c, "current": c["capacity_factor"] == params.capacity_factor}
            for c in result["by_capacity_factor"]
        ],
        "slots": n_tokens * k,
    }


DEMO = Demo(
    slug="moe-router",
    title="Mixture-of-experts router",
    summary="Top-k routing of tokens to experts: gates, load per expert, tokens dropped over "
    "capacity, and the load-balancing loss.",
    params=MoeRouterParams,
    compute=compute,
    view=view,
    explain=(
        "A mixture-of-experts layer replaces one feed-forward block by E experts and a "
        "router: each token's logits pick its top-k experts, and their outputs are mixed "
        "with gates, the softmax over the chosen logits. Compute per token stays that of k "
        "experts while parameters grow with E. Experts run as fixed-size batches, so each "
        "has a capacity of ⌈capacity_factor · tokens · k / E⌉ slots: when the router sends "
        "too many tokens to one expert, the slots past capacity are dropped (the token "
        "goes on through the residual connection only). Switch Transformer's auxiliary "
        "loss E · Σ f_i · P_i pushes toward balance: f_i (the share of slots, not "
        "differentiable) times P_i (the mean router probability, differentiable) is smallest "
        "when the load is spread; it equals 1 for a uniform router. Noise on the selection "
        "logits (noisy top-k gating) spreads tokens onto experts the router would not "
        "pick yet. Raise `imbalance` and watch the drops; raise `capacity_factor` to remove "
        "them at the price of padding."
    ),
    examples={
        "maximum": {"tokens": MAX_TOKENS, "experts": MAX_EXPERTS, "top_k": 8, "noise_std": 1.0},
        "balanced": {"imbalance": 0.0},
        "skewed": {"imbalance": 3.0, "capacity_factor": 1.0},
        "ample-capacity": {"imbalance": 3.0, "capacity_factor": 8.0},
        "noisy": {"imbalance": 3.0, "noise_std": 2.0},
        "switch-top-1": {"top_k": 1, "capacity_factor": 1.0},
        "given": {
            "logits": [[2, 0], [1, 0], [3, 0], [0, 1]],
            "top_k": 1,
            "capacity_factor": 1.0,
        },
    },
    predict=Prediction(
        question="The router strongly favours the first experts (imbalance 3) and each expert "
        "takes 1.0 × its fair share of slots. What happens to the tokens, and to the "
        "auxiliary loss?",
        preset="skewed",
        answer="Many slots are dropped: the favoured experts fill up in token order and later "
        "tokens bounce off them, while the last experts sit idle. The auxiliary loss rises "
        "well above 1 because f and P are both concentrated on the same experts; its "
        "gradient through P pushes the router toward the idle ones.",
    ),
)
