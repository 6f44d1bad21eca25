"""A tiny restricted Boltzmann machine solved exactly by enumeration, next to CD-k samples."""

from __future__ import annotations

import itertools
from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.bars import bar_chart
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_VISIBLE = 4
MAX_HIDDEN = 3
CHAINS = 1000  # Gibbs chains started from uniform random visible states

Weight = Annotated[float, Field(ge=-10, le=10)]


class RBMParams(DemoParams):
    W: list[list[Weight]] = Field(
        [[1.0], [1.0]],
        min_length=1,
        max_length=MAX_VISIBLE,
        description=f"Weights, visible × hidden (≤ {MAX_VISIBLE} × {MAX_HIDDEN}), each in ±10",
    )
    b: list[Weight] | None = Field(None, description="Visible biases (default zeros)")
    c: list[Weight] | None = Field(None, description="Hidden biases (default zeros)")
    cd_k: int = Field(1, ge=1, le=50, description="Gibbs steps of contrastive divergence")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the Gibbs samples")

    @field_validator("W")
    @classmethod
    def _shape(cls, rows: list[list[float]]) -> list[list[float]]:
        hidden = len(rows[0])
        if not 1 <= hidden <= MAX_HIDDEN:
            raise ValueError(f"needs 1 to {MAX_HIDDEN} columns (hidden units)")
        if any(len(row) != hidden for row in rows):
            raise ValueError(f"must be rectangular: every row needs {hidden} values")
        return rows

    @field_validator("b")
    @classmethod
    def _visible_bias(cls, b: list[float] | None, info: ValidationInfo) -> list[float] | None:
        rows = info.data.get("W")
        if b is not None and rows is not None and len(b) != len(rows):
            raise ValueError(f"needs one value per visible unit ({len(rows)}), got {len(b)}")
        return b

    @field_validator("c")
    @classmethod
    def _hidden_bias(cls, c: list[float] | None, info: ValidationInfo) -> list[float] | None:
        rows = info.data.get("W")
        if c is not None and rows is not None and len(c) != len(rows[0]):
            raise ValueError(f"needs one value per hidden unit ({len(rows[0])}), got {len(c)}")
        return c


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def states(n: int) -> np.ndarray:
    """Every binary vector of length n, in counting order (0…0, 0…01, …, 1…1)."""
    return np.array(list(itertools.product((0.0, 1.0), repeat=n))).reshape(-1, n)


def energy(v: np.ndarray, h: np.ndarray, w: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """E(v, h) = −bᵀv − cᵀh − vᵀWh for every pair: rows are v, columns h."""
    return -(v @ b)[:, None] - (h @ c)[None, :] - v @ w @ h.T


def gibbs(
    w: np.ndarray, b: np.ndarray, c: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, list[dict[str, list[float]]]]:
    """k steps v → h → v of CD-k for every chain; returns the final v and the first chain."""
    v = (rng.random((CHAINS, w.shape[0])) < 0.5).astype(float)
    first: list[dict[str, list[float]]] = []
    for step in range(k + 1):
        h = (rng.random((CHAINS, w.shape[1])) < sigmoid(c + v @ w)).astype(float)
        first.append({"v": v[0].tolist(), "h": h[0].tolist()})
        if step < k:
            v = (rng.random(v.shape) < sigmoid(b + h @ w.T)).astype(float)
    return v, first


def compute(params: RBMParams) -> dict[str, Any]:
    w = np.array(params.W, dtype=float)
    n_v, n_h = w.shape
    b = np.zeros(n_v) if params.b is None else np.array(params.b, dtype=float)
    c = np.zeros(n_h) if params.c is None else np.array(params.c, dtype=float)
    vs, hs = states(n_v), states(n_h)
    energies = energy(vs, hs, w, b, c)
    weights = np.exp(-energies)
    z = float(weights.sum())
    joint = weights / z
    p_v = joint.sum(axis=1)
    final_v, chain = gibbs(w, b, c, params.cd_k, np.random.default_rng(params.seed))
    counts = np.zeros(len(vs))
    np.add.at(counts, (final_v @ (2 ** np.arange(n_v)[::-1])).astype(int), 1)
    frequencies = counts / CHAINS
    return {
        "visible_states": vs.tolist(),
        "hidden_states": hs.tolist(),
        "energy": energies.tolist(),
        "p_joint": joint.tolist(),
        "partition_function": z,
        "p_v": p_v.tolist(),
        "free_energy": (-(vs @ b) - np.logaddexp(0.0, c + vs @ w).sum(axis=1)).tolist(),
        "p_h_given_v": sigmoid(c + vs @ w).tolist(),
        "p_v_given_h": sigmoid(b + hs @ w.T).tolist(),
        "chain": chain,
        "sample_frequencies": frequencies.tolist(),
        "total_variation": float(0.5 * np.abs(frequencies - p_v).sum()),
        "connections": {"visible_hidden": n_v * n_h, "visible_visible": 0, "hidden_hidden": 0},
    }


def view(params: RBMParams, result: dict[str, Any]) -> dict[str, Any]:
    """Exact p(v) beside the CD-k sample frequencies, and the enumeration as tables."""
    names = ["".join(str(int(u)) for u in v) for v in result["visible_states"]]
    hidden = ["".join(str(int(u)) for u in h) for h in result["hidden_states"]]
    top = max(max(result["p_v"]), max(result["sample_frequencies"]))
    y_range = (0.0, top * 1.1 or 1.0)

    def bars(values: list[float], title: str, desc: str) -> str:
        return bar_chart(
            names,
            values,
            title=title,
            desc=desc,
            y_label="probability",
            y_range=y_range,
            width=PAIR_WIDTH,
            height=240,
        )

    z = result["partition_function"]
    return {
        "exact_svg": bars(result["p_v"], "Exact p(v)", f"p(v) by enumeration, Z = {fmt(z)}"),
        "samples_svg": bars(
            result["sample_frequencies"],
            f"Visible states after CD-{params.cd_k}",
            f"Frequencies over 1000 chains; total variation from p(v) "
            f"{fmt(result['total_variation'])}",
        ),
        "visible_rows": [
            {
                "v": name,
                "p_v": fmt(p),
                "free_energy": fmt(f),
                "p_h": ", ".join(fmt(q) for q in ph),
                "frequency": fmt(freq),
            }
            for name, p, f, ph, freq in zip(
                names,
                result["p_v"],
                result["free_energy"],
                result["p_h_given_v"],
                result["sample_frequencies"],
                strict=True,
            )
        ],
        "joint_rows": [
            {
                "v": names[i],
                "h": hidden[j],
                "energy": fmt(result["energy"][i][j]),
                "weight": fmt(float(np.exp(-result["energy"][i][j]))),
                "p": fmt(result["p_joint"][i][j]),
            }
            for i in range(len(names))
            for j in range(len(hidden))
        ],
        "chain": [
            {
                "step": i,
                "v": "".join(str(int(u)) for u in s["v"]),
                "h": "".join(str(int(u)) for u in s["h"]),
            }
            for i, s in enumerate(result["chain"])
        ],
    }


DEMO = Demo(
    slug="rbm",
    title="Restricted Boltzmann machine, exactly",
    summary="Enumerate every state of a tiny RBM: energies, partition function, p(h|v), CD-k.",
    params=RBMParams,
    compute=compute,
    view=view,
    explain=(
        "Every joint state (v, h) has an energy E = −bᵀv − cᵀh − vᵀWh and probability "
        "exp(−E)/Z; with at most 4 visible and 3 hidden units the partition function Z is a sum "
        "over at most 128 states, so everything here is exact. *Restricted* means there are no "
        "visible–visible or hidden–hidden connections: given v, the hidden units are "
        "independent, so p(h_j = 1 | v) = σ(c_j + Σ_i v_i W_ij) in one step, and likewise for "
        "v given h. That is what makes Gibbs sampling cheap; CD-k runs only k such steps, so "
        "with small k the samples (here 1000 chains from random starts) still differ from the "
        "exact p(v): compare the total-variation distance as k grows."
    ),
    examples={
        "maximum": {
            "W": [[2.0, -1.0, 0.5], [-2.0, 1.0, 1.5], [1.0, 1.0, -1.0], [0.5, -0.5, 2.0]],
            "b": [0.5, -0.5, 0.0, 1.0],
            "c": [-1.0, 0.0, 1.0],
            "cd_k": 50,
        },
        "two-modes": {"W": [[5, -5], [5, -5], [-5, 5], [-5, 5]], "cd_k": 1},
    },
    predict=Prediction(
        question=(
            "Set the weights so units 1–2 and 3–4 pull in opposite directions: how much of p(v) "
            "lands on 1100 and 0011, and does CD-1 sampling get it right?"
        ),
        preset="two-modes",
        answer=(
            "The exact p(v) puts 0.486 on each of the two patterns (97 % together), but CD-1 "
            "samples give only 0.388 and 0.402, a total-variation distance of 0.18. One Gibbs "
            "step from a random start cannot cross between the two deep energy wells, so short "
            "chains under-sample the modes."
        ),
    ),
)
