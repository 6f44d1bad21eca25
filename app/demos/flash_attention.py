"""FlashAttention's tiled forward pass: online softmax over key blocks, equal to plain attention.

The loop order is FlashAttention-2's: the outer loop over query blocks keeps that block's
running max m, running sum l and unnormalized output in fast memory, the inner loop streams
the key/value blocks; the full L × S score matrix never exists. With ``causal`` (top-left
aligned, as ``scaled_dot_product_attention(is_causal=True)``) tiles entirely above the diagonal
are skipped.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.grids import grid_svg, heat_table
from app.charts.scale import fmt
from app.demos.attention import attention
from app.demos.registry import Demo, DemoParams, Prediction

MAX_LENGTH = 64
MAX_DIM = 32
SHOWN_ROWS = 16  # of the per-row tables; the JSON keeps every row

Value = Annotated[float, Field(ge=-1e3, le=1e3)]
Matrix = Annotated[
    list[Annotated[list[Value], Field(min_length=1, max_length=MAX_DIM)]],
    Field(min_length=1, max_length=MAX_LENGTH),
]


def _rectangular(name: str, rows: list[list[float]] | None) -> list[list[float]] | None:
    if rows is not None and any(len(r) != len(rows[0]) for r in rows):
        raise ValueError(f"{name} must be rectangular: every row needs {len(rows[0])} values")
    return rows


class FlashAttentionParams(DemoParams):
    seq_len: int | None = Field(
        None, ge=1, le=MAX_LENGTH, description="n of the seeded q, k, v (default 8; else from q)"
    )
    head_dim: int | None = Field(
        None, ge=1, le=MAX_DIM, description="d of the seeded q, k, v (default 4; else from q)"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of q, k, v ~ N(0, 1)")
    q: Matrix | None = Field(None, description=f"Queries, L × d (≤ {MAX_LENGTH} × {MAX_DIM})")
    k: Matrix | None = Field(None, description="Keys, S × d (same d as q)")
    v: Matrix | None = Field(
        None, validate_default=True, description="Values, S × d_v (same S as k)"
    )
    block_size: int = Field(
        2, ge=1, le=MAX_LENGTH, description="Rows of a query block and of a key block"
    )
    causal: bool = Field(False, description="Mask keys after the query (top-left aligned)")
    step: int | None = Field(
        None, ge=0, le=MAX_LENGTH * MAX_LENGTH, description="Show the state after this many "
        "tiles (empty: all done)"
    )  # fmt: skip

    @field_validator("q")
    @classmethod
    def _q_shape(cls, q: Any, info: ValidationInfo) -> Any:
        q = _rectangular("q", q)
        if q is not None:
            for name, size in (("seq_len", len(q)), ("head_dim", len(q[0]))):
                given = info.data.get(name)
                if given is not None and given != size:
                    raise ValueError(f"q gives {name} = {size}, but {name} = {given} was given")
        return q

    @field_validator("k")
    @classmethod
    def _k_shape(cls, k: Any, info: ValidationInfo) -> Any:
        q = info.data.get("q")
        if k is not None and q is not None and len(k[0]) != len(q[0]):
            raise ValueError(f"k needs {len(q[0])} columns, as q (the dimension d)")
        return _rectangular("k", k)

    @field_validator("v")
    @classmethod
    def _v_shape(cls, v: Any, info: ValidationInfo) -> Any:
        if {"q", "k"} <= set(info.data):
            given = [name for name in ("q", "k") if info.data[name] is not None]
            if v is not None:
                given.append("v")
            if given and len(given) < 3:
                raise ValueError(f"give q, k and v together (only {', '.join(given)} given)")
        k = info.data.get("k")
        if v is not None and k is not None and len(v) != len(k):
            raise ValueError(f"v needs one row per key ({len(k)}), got {len(v)}")
        return _rectangular("v", v)


def given_or_seeded(params: FlashAttentionParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if params.q is not None and params.k is not None and params.v is not None:
        q, k, v = (np.array(m, dtype=float) for m in (params.q, params.k, params.v))
        return q, k, v
    rng = np.random.default_rng(params.seed)
    q, k, v = rng.standard_normal((3, params.seq_len or 8, params.head_dim or 4))
    return q, k, v


def flash_forward(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, block: int, causal: bool
) -> dict[str, Any]:
    """Tiled attention with the online softmax; the steps record each tile's running stats.

    Rows are independent, so one pass over the key blocks updates every query block at once
    (FlashAttention-1's loop order); the steps are then listed in FlashAttention-2's order,
    query block by query block, with the same numbers. A query block's tile that the causal
    mask skips would leave its state unchanged: its scores are all −inf here.
    """
    length, keys = q.shape[0], k.shape[0]
    scale = 1.0 / math.sqrt(q.shape[1])
    m = np.full(length, -np.inf)  # running max of each row's scores
    row_sum = np.zeros(length)  # running sum l of exp(score − m)
    acc = np.zeros((length, v.shape[1]))  # running Σ exp(score − m) · v
    rows = np.arange(length)[:, None]
    after: list[dict[str, list[Any]]] = []  # per key block: every row's state after it
    for c0 in range(0, keys, block):
        c1 = min(c0 + block, keys)
        s = q @ k[c0:c1].T * scale
        if causal:
            s = np.where(np.arange(c0, c1)[None, :] > rows, -np.inf, s)
        tile_max = s.max(axis=1)
        m_new = np.maximum(m, tile_max)
        # A row whose scores are all masked so far keeps m = −inf; its factors are 0.
        safe = np.where(np.isfinite(m_new), m_new, 0.0)
        correction = np.where(np.isfinite(m), np.exp(m - safe), 0.0)
        p = np.exp(s - safe[:, None])
        row_sum = correction * row_sum + p.sum(axis=1)
        acc = correction[:, None] * acc + p @ v[c0:c1]
        rose = np.isfinite(m) & (m_new > m)
        m = m_new
        after.append({"m": m.tolist(), "l": row_sum.tolist(), "tile_max": tile_max.tolist(),
                      "rose": rose.tolist(), "cols": [c0, c1]})  # fmt: skip
    steps, skipped = [], []
    for r0 in range(0, length, block):
        r1 = min(r0 + block, length)
        for j, state in enumerate(after):
            c0, c1 = state["cols"]
            if causal and c0 > r1 - 1:  # every key of the tile is after every query
                skipped.append([r0 // block, j])
                continue
            steps.append(
                {
                    "q_block": r0 // block,
                    "k_block": j,
                    "rows": [r0, r1],
                    "cols": [c0, c1],
                    "m": state["m"][r0:r1],
                    "l": state["l"][r0:r1],
                    "tile_max": state["tile_max"][r0:r1],
                    "rescaled": any(state["rose"][r0:r1]),
                }
            )
    return {"output": acc / row_sum[:, None], "steps": steps, "skipped": skipped}


def traffic(length: int, keys: int, d: int, dv: int, tiles: list[dict[str, Any]]) -> dict[str, Any]:
    """Elements moved between slow and fast memory (HBM ↔ SRAM) by the two algorithms.

    Plain: read q, k, write S; read S, write P; read P and v, write O (FlashAttention paper,
    Algorithm 0). Tiled: each query block read once and its output written once; each tile
    reads its key and value blocks.
    """
    naive = length * d + keys * d + 4 * length * keys + keys * dv + length * dv
    streamed = sum((t["cols"][1] - t["cols"][0]) * (d + dv) for t in tiles)
    tiled = length * d + length * dv + streamed
    return {"naive": naive, "tiled": tiled}


def compute(params: FlashAttentionParams) -> dict[str, Any]:
    q, k, v = given_or_seeded(params)
    flash = flash_forward(q, k, v, params.block_size, params.causal)
    _, masked, weights = attention(q, k, v, params.causal, 1.0 / math.sqrt(q.shape[1]))
    plain = weights @ v
    moved = traffic(q.shape[0], k.shape[0], q.shape[1], v.shape[1], flash["steps"])
    return {
        "output": flash["output"].tolist(),
        "max_abs_diff": float(np.abs(flash["output"] - plain).max()),
        "steps": flash["steps"],
        "skipped_tiles": flash["skipped"],
        "plain_output": plain.tolist(),
        "weights": weights.tolist(),
        "masked": masked.tolist(),
        "traffic": moved,
        # a query block, a key block, a value block, the accumulator, m and l, the scores
        "sram_elements": params.block_size * (2 * q.shape[1] + 2 * v.shape[1] + 2)
        + params.block_size**2,
    }


def _state_at(result: dict[str, Any], step: int, rows: int) -> list[dict[str, Any]]:
    """Each query row's m and l after ``step`` tiles (blank before its block starts)."""
    state: list[dict[str, Any]] = [{"m": "", "l": "", "status": "waiting"} for _ in range(rows)]
    steps = result["steps"]
    for t, tile in enumerate(steps[:step]):
        r0, r1 = tile["rows"]
        last_of_block = t + 1 == len(steps) or steps[t + 1]["q_block"] != tile["q_block"]
        for i, r in enumerate(range(r0, r1)):
            state[r] = {
                "m": fmt(tile["m"][i]),
                "l": fmt(tile["l"][i]),
                "status": "done" if last_of_block else f"running, {tile['cols'][1]} keys seen",
            }
    return state


def view(params: FlashAttentionParams, result: dict[str, Any]) -> dict[str, Any]:
    total = len(result["steps"])
    step = total if params.step is None else min(params.step, total)
    current = result["steps"][step - 1] if step else None
    outlines = []
    if current is not None:
        (r0, r1), (c0, c1) = current["rows"], current["cols"]
        outlines.append((r0, c0, r1 - r0, c1 - c0, False))
    weights = np.array(result["weights"])
    rows = weights.shape[0]
    picture = grid_svg(
        weights,
        title="Attention weights, tiled",
        desc=f"softmax(q·kᵀ/√d), {rows} × {weights.shape[1]}; the outlined tile is the one "
        f"processed at step {step} of {total}",
        outlines=outlines,
        max_side=360,
    )
    moved = result["traffic"]
    return {
        "picture": picture,
        "step": step,
        "total": total,
        "current": current,
        "rows": _state_at(result, step, rows)[:SHOWN_ROWS],
        "hidden_rows": max(0, rows - SHOWN_ROWS),
        "schedule": [
            {"n": t + 1, **s, "now": t + 1 == step}
            for t, s in enumerate(result["steps"][: max(step, 1)])
        ][-12:],
        "output": heat_table(np.array(result["output"])[:SHOWN_ROWS]),
        "diff": f"{result['max_abs_diff']:.2e}",
        "naive": f"{moved['naive']:,}",
        "tiled": f"{moved['tiled']:,}",
        "saving": fmt(moved["naive"] / moved["tiled"]),
        "next": min(step + 1, total),
        "back": max(step - 1, 0),
    }


DEMO = Demo(
    slug="flash-attention",
    title="FlashAttention: tiled attention with an online softmax",
    summary="Attention computed block by block with a running max and running sum per row: "
    "the same output as plain attention without ever storing the score matrix.",
    params=FlashAttentionParams,
    compute=compute,
    view=view,
    explain=(
        "Plain attention writes the L × S scores to memory, reads them back for the softmax, "
        "writes the probabilities and reads them again for the product with v: memory traffic "
        "grows as n², and on a GPU that traffic, not the arithmetic, is the bottleneck. "
        "FlashAttention keeps a block of queries in fast on-chip memory and streams blocks "
        "of keys and values past it. The softmax is computed **online**: for each row it keeps "
        "the running maximum m and the running sum l of exp(score − m); when a new block "
        "raises the maximum, the sum and the partial output are rescaled by exp(m_old − m_new). "
        "After the last block, output = accumulator / l — exactly softmax(q·kᵀ/√d)·v, to "
        "rounding (the difference below is in float64). Step through the tiles and watch m "
        "only grow and l jump down whenever m does. With `causal`, tiles above the diagonal "
        "are skipped: about half the work."
    ),
    examples={
        "maximum": {"seq_len": MAX_LENGTH, "head_dim": MAX_DIM, "block_size": 1, "causal": True},
        "first-tile": {"step": 1},
        "one-row-of-tiles": {"step": 4},
        "causal": {"causal": True},
        "large-blocks": {"block_size": 8, "seq_len": 16},
        "long-sequence": {"seq_len": 64, "block_size": 16},
        "max-jumps": {
            "q": [[1, 0]],
            "k": [[0, 0], [1, 0], [4, 0], [2, 0]],
            "v": [[1, 0], [0, 1], [1, 1], [2, 2]],
            "block_size": 1,
        },
    },
    predict=Prediction(
        question="One query, four keys whose scores are 0, 0.71, 2.83 and 1.41, one key per "
        "tile. At which tiles does the running sum l go down instead of up?",
        preset="max-jumps",
        answer=(
            "Only at tile 3, where the maximum jumps from 0.71 to 2.83: the old sum is "
            "multiplied by exp(0.71 − 2.83) ≈ 0.12 before the new term exp(0) = 1 is added "
            "(l: 1 → 1.49 → 1.18). Tile 2 also raises the maximum (0 → 0.71), but the rescaled "
            "0.49 plus 1 still grows; tile 4 is below the maximum, so exp(1.41 − 2.83) ≈ 0.24 "
            "is simply added (l → 1.42)."
        ),
    ),
)
