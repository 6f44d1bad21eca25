"""The KV cache: its size for MHA, GQA and MQA, and grouped-query attention on small tensors.

During generation every layer keeps the keys and values of all earlier tokens, so the cache grows
with layers × KV heads × head_dim × tokens; sharing one KV head among several query heads (GQA,
MQA) divides it. The attention part follows ``scaled_dot_product_attention(..., enable_gqa=True)``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.grids import heat_table
from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

GIB = 2**30
MAX_HEADS = 16  # of the small attention tensors
MAX_LENGTH = 16
MAX_DIM = 32
SHOWN_HEADS = 8  # of the small attention's tables; the JSON keeps every head
SHOWN_COLUMNS = 16
CURVE_POINTS = 64

Value = Annotated[float, Field(ge=-1e3, le=1e3)]
Row = Annotated[list[Value], Field(min_length=1, max_length=MAX_DIM)]
HeadMatrix = Annotated[list[Row], Field(min_length=1, max_length=MAX_LENGTH)]
Tensor = Annotated[list[HeadMatrix], Field(min_length=1, max_length=MAX_HEADS)]


def _cube(name: str, t: list[list[list[float]]] | None) -> tuple[int, int, int] | None:
    """The shape of a heads × tokens × dim tensor, which must be a full box."""
    if t is None:
        return None
    n, d = len(t[0]), len(t[0][0])
    if any(len(m) != n for m in t) or any(len(r) != d for m in t for r in m):
        raise ValueError(f"every head of {name} needs {n} rows of {d} values")
    return len(t), n, d


def _split_heads(name: str, value: Any, tokens: int | None) -> Any:
    """A matrix typed in the form (or a deep link) is the heads stacked, ``tokens`` rows each."""
    flat = isinstance(value, list) and all(
        isinstance(row, list) and all(not isinstance(x, list) for x in row) for row in value
    )
    if not flat or not value:
        return value
    if tokens is None:
        raise ValueError(f"{name} as rows needs tokens (the rows of each head)")
    if len(value) % tokens:
        raise ValueError(f"{name} has {len(value)} rows, not a multiple of tokens = {tokens}")
    return [value[i : i + tokens] for i in range(0, len(value), tokens)]


class KVCacheParams(DemoParams):
    layers: int = Field(32, ge=1, le=512, description="Transformer layers")
    heads: int = Field(32, ge=1, le=512, description="Query heads per layer")
    kv_heads: int = Field(
        32,
        ge=1,
        le=512,
        validate_default=True,
        description="KV heads per layer: = heads is MHA, 1 is MQA, between GQA",
    )
    head_dim: int = Field(128, ge=1, le=1024, description="Dimension of each head")
    seq_len: int = Field(
        4096, ge=1, le=10_000_000, description="Tokens cached per sequence (prompt + generated)"
    )
    batch: int = Field(1, ge=1, le=100_000, description="Sequences cached at once")
    bytes_per_value: int = Field(
        2, ge=1, le=8, description="Bytes per cached number: 2 for fp16/bf16, 1 for fp8"
    )
    params_billion: float = Field(
        7.0, ge=0, le=10_000, description="Model parameters, in billions (for the weights)"
    )
    weight_bytes: float = Field(
        2.0, gt=0, le=8, description="Bytes per weight: 2 for bf16, 1 for int8, 0.5 for int4"
    )
    gpu_memory_gib: float = Field(80.0, gt=0, le=10_000, description="Memory of one GPU, GiB")
    gpus: int = Field(1, ge=1, le=1024, description="GPUs holding weights and cache")
    # Grouped-query attention on small tensors: given q, k, v or seeded ones of these sizes.
    causal: bool = Field(False, description="Mask future positions in the small attention")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the small q, k, v ~ N(0, 1)")
    q_heads: int | None = Field(
        None, ge=1, le=MAX_HEADS, description="H, query heads of the small tensors (default 4)"
    )
    groups: int | None = Field(
        None, ge=1, le=MAX_HEADS, description="G, KV heads of the small tensors (default 2)"
    )
    tokens: int | None = Field(
        None, ge=1, le=MAX_LENGTH, description="n, tokens of the small tensors (default 4)"
    )
    dim: int | None = Field(
        None, ge=1, le=MAX_DIM, description="d, head dimension of the small tensors (default 4)"
    )
    q: Tensor | None = Field(
        None,
        description="Queries, H × n × d (replaces the seeded ones); in the form the heads' "
        "rows one after another, with tokens set",
    )
    k: Tensor | None = Field(None, description="Keys, G × n × d (H a multiple of G)")
    v: Tensor | None = Field(None, validate_default=True, description="Values, G × n × d (as k)")

    @field_validator("q", "k", "v", mode="before")
    @classmethod
    def _stacked_rows(cls, value: Any, info: ValidationInfo) -> Any:
        return _split_heads(str(info.field_name), value, info.data.get("tokens"))

    @field_validator("kv_heads")
    @classmethod
    def _kv_heads_divide_heads(cls, kv_heads: int, info: ValidationInfo) -> int:
        heads = info.data.get("heads")
        if heads is not None and heads % kv_heads:
            raise ValueError(f"kv_heads = {kv_heads} must divide heads = {heads}")
        return kv_heads

    @field_validator("groups")
    @classmethod
    def _groups_divide_q_heads(cls, groups: int | None, info: ValidationInfo) -> Any:
        q_heads = info.data.get("q_heads") or 4
        if groups is not None and q_heads % groups:
            raise ValueError(f"groups = {groups} must divide q_heads = {q_heads}")
        return groups

    @field_validator("q")
    @classmethod
    def _q_matches_sizes(cls, q: Any, info: ValidationInfo) -> Any:
        shape = _cube("q", q)
        if shape is not None:
            for name, size in zip(("q_heads", "tokens", "dim"), shape, strict=True):
                given = info.data.get(name)
                if given is not None and given != size:
                    raise ValueError(f"q has {name} = {size}, but {name} = {given} was given")
        return q

    @field_validator("k")
    @classmethod
    def _k_matches_q(cls, k: Any, info: ValidationInfo) -> Any:
        shape = _cube("k", k)
        q = info.data.get("q")
        if shape is not None and q is not None:
            h, n, d = len(q), len(q[0]), len(q[0][0])
            if shape[1:] != (n, d):
                raise ValueError(f"k needs {n} × {d} per head, as q (tokens × dim)")
            if h % shape[0]:
                raise ValueError(f"k's {shape[0]} heads must divide q's {h} heads")
        groups = info.data.get("groups")
        if shape is not None and groups is not None and groups != shape[0]:
            raise ValueError(f"k has {shape[0]} heads, but groups = {groups} was given")
        return k

    @field_validator("v")
    @classmethod
    def _v_matches_k(cls, v: Any, info: ValidationInfo) -> Any:
        if {"q", "k"} <= set(info.data):
            given = [name for name in ("q", "k") if info.data[name] is not None]
            if v is not None:
                given.append("v")
            if given and len(given) < 3:
                raise ValueError(f"give q, k and v together (only {', '.join(given)} given)")
        shape = _cube("v", v)
        k = info.data.get("k")
        if shape is not None and k is not None and shape != (len(k), len(k[0]), len(k[0][0])):
            raise ValueError("v needs the shape of k (G × n × d)")
        return v


def cache_bytes(layers: int, kv_heads: int, head_dim: int, tokens: int, value_bytes: int) -> int:
    """K and V (the 2) of every layer and KV head for ``tokens`` tokens."""
    return 2 * layers * kv_heads * head_dim * tokens * value_bytes


def gqa_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> dict[str, Any]:
    """Query head h attends with KV head ⌊h / (H/G)⌋, scale 1/√d, causal mask top-left."""
    heads, groups = q.shape[0], k.shape[0]
    kv_of = np.arange(heads) // (heads // groups)
    kk, vv = k[kv_of], v[kv_of]  # repeat_interleave along the head axis
    scores = q @ kk.transpose(0, 2, 1) / math.sqrt(q.shape[2])
    if causal:
        n = q.shape[1]
        scores = np.where(np.triu(np.ones((n, n), dtype=bool), k=1), -np.inf, scores)
    e = np.exp(scores - scores.max(axis=2, keepdims=True))
    weights = e / e.sum(axis=2, keepdims=True)
    return {"output": weights @ vv, "weights": weights, "kv_of": kv_of}


def small_tensors(params: KVCacheParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if params.q is not None and params.k is not None and params.v is not None:
        q, k, v = (np.array(t, dtype=float) for t in (params.q, params.k, params.v))
        return q, k, v
    h, n, d = params.q_heads or 4, params.tokens or 4, params.dim or 4
    g = params.groups or (2 if h % 2 == 0 else 1)
    rng = np.random.default_rng(params.seed)
    return (
        rng.standard_normal((h, n, d)),
        rng.standard_normal((g, n, d)),
        rng.standard_normal((g, n, d)),
    )


def compute(params: KVCacheParams) -> dict[str, Any]:
    p = params
    per_token = cache_bytes(p.layers, p.kv_heads, p.head_dim, 1, p.bytes_per_value)
    weights = p.params_billion * 1e9 * p.weight_bytes
    memory = p.gpus * p.gpu_memory_gib * GIB
    free = max(memory - weights, 0.0)
    variants = []
    chosen = "GQA" if 1 < p.kv_heads < p.heads else "MHA" if p.kv_heads == p.heads else "MQA"
    for name, kv in (("MHA", p.heads), (f"{chosen} (chosen)", p.kv_heads), ("MQA", 1)):
        token = cache_bytes(p.layers, kv, p.head_dim, 1, p.bytes_per_value)
        sequence = token * p.seq_len
        variants.append(
            {
                "name": name,
                "kv_heads": kv,
                "bytes_per_token": token,
                "bytes": sequence * p.batch,
                "sequences_fit": int(free // sequence),
                "max_tokens": int(free // (token * p.batch)),
            }
        )
    q, k, v = small_tensors(p)
    attention = gqa_attention(q, k, v, p.causal)
    return {
        "bytes": per_token * p.seq_len * p.batch,
        "bytes_per_token": per_token,
        "variants": variants,
        "weight_bytes": weights,
        "memory_bytes": memory,
        "free_bytes": free,
        "fits": weights + per_token * p.seq_len * p.batch <= memory,
        "output": attention["output"].tolist(),
        "attention_weights": attention["weights"].tolist(),
        "kv_head_of": attention["kv_of"].tolist(),
        "q_shape": list(q.shape),
        "kv_shape": list(k.shape),
    }


def gib(n: float) -> str:
    """Bytes in the unit that reads best: GiB down to KiB."""
    for unit, size in (("TiB", 2**40), ("GiB", GIB), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:,.4g} {unit}"
    return f"{n:,.0f} B"


def view(params: KVCacheParams, result: dict[str, Any]) -> dict[str, Any]:
    """The MHA/GQA/MQA table, cache size against context length, and the per-head weights."""
    top = params.seq_len * 2
    x = np.linspace(0, top, CURVE_POINTS)
    series = [
        Series(
            x, v["bytes_per_token"] * x * params.batch / GIB, f"{v['name']} ({v['kv_heads']} KV)"
        )
        for v in result["variants"]
    ]
    plot = line_plot(
        series,
        title="KV cache size against context length",
        desc=f"Cache of {params.batch} sequence(s) for MHA, GQA and MQA; the horizontal line is "
        "the memory left after the weights",
        x_label="tokens per sequence",
        y_label="cache (GiB)",
        hlines=[Line(result["free_bytes"] / GIB, "free after the weights")],
        vlines=[Line(params.seq_len, "seq_len")],
        x_range=(0, top),
        y_range=(0, max(1.1 * result["free_bytes"] / GIB, float(series[0].y[-1]) * 1.05, 1e-9)),
    )
    heads = [
        {
            "head": h,
            "kv": result["kv_head_of"][h],
            "weights": heat_table(result["attention_weights"][h]),
            "output": heat_table(np.array(result["output"][h])[:, :SHOWN_COLUMNS]),
        }
        for h in range(min(result["q_shape"][0], SHOWN_HEADS))
    ]
    mha = result["variants"][0]["bytes"]
    return {
        "rows": [
            {
                **v,
                "per_token": gib(v["bytes_per_token"]),
                "total": gib(v["bytes"]),
                "ratio": fmt(mha / v["bytes"]),
                "chosen": i == 1,
            }
            for i, v in enumerate(result["variants"])
        ],
        "plot": plot,
        "total": gib(result["bytes"]),
        "per_token": gib(result["bytes_per_token"]),
        "weights": gib(result["weight_bytes"]),
        "memory": gib(result["memory_bytes"]),
        "free": gib(result["free_bytes"]),
        "group": params.heads // params.kv_heads,
        "heads": heads,
        "small_group": result["q_shape"][0] // result["kv_shape"][0],
        "hidden_heads": max(0, result["q_shape"][0] - SHOWN_HEADS),
        "cut_columns": result["q_shape"][2] > SHOWN_COLUMNS,
    }


DEMO = Demo(
    slug="kv-cache",
    title="KV cache: MHA, GQA and MQA",
    summary="How many bytes the keys and values of past tokens take, how many sequences fit "
    "next to the weights, and grouped-query attention computed on small tensors.",
    params=KVCacheParams,
    compute=compute,
    view=view,
    explain=(
        "Autoregressive decoding reuses the keys and values of every earlier token, so each "
        "layer caches them: **2 × layers × kv_heads × head_dim × seq_len × batch × "
        "bytes_per_value** bytes. For a 7B-class model (32 layers, 32 heads of 128, fp16) that "
        "is 512 KiB per token, 2 GiB for one 4,096-token sequence — the cache, not the weights, "
        "limits the batch. **GQA** lets a group of query heads share one KV head (LLaMA-2 70B: "
        "64 query heads, 8 KV heads, an 8× smaller cache); **MQA** is the extreme of one KV "
        "head. The quality cost is small because the queries stay distinct. In the small "
        "attention below, query head h reads KV head ⌊h / (H/G)⌋: heads of the same group see "
        "the same keys and values, yet their weights differ because their queries do."
    ),
    examples={
        "maximum": {
            "layers": 512,
            "heads": 512,
            "kv_heads": 8,
            "head_dim": 1024,
            "seq_len": 10_000_000,
            "batch": 100_000,
            "q_heads": MAX_HEADS,
            "groups": 4,
            "tokens": MAX_LENGTH,
            "dim": MAX_DIM,
            "causal": True,
        },
        "7b-class": {"layers": 32, "heads": 32, "kv_heads": 32, "head_dim": 128},
        "7b-class-batch-32": {"batch": 32},
        "70b-class": {
            "layers": 80,
            "heads": 64,
            "kv_heads": 8,
            "head_dim": 128,
            "params_billion": 70,
            "gpus": 2,
        },
        "70b-class-as-mha": {
            "layers": 80,
            "heads": 64,
            "kv_heads": 64,
            "head_dim": 128,
            "params_billion": 70,
            "gpus": 2,
        },
        "long-context-fp8": {"seq_len": 131072, "bytes_per_value": 1},
        "mqa": {"kv_heads": 1},
        "causal-gqa": {"causal": True, "q_heads": 4, "groups": 2},
        "given-2-to-1": {
            "tokens": 1,
            "q": [[[1, 0]], [[0, 1]], [[1, 1]], [[0, 0]]],
            "k": [[[1, 0]], [[0, 1]]],
            "v": [[[1, 1]], [[2, 2]]],
        },
    },
    predict=Prediction(
        question="The 70B-class model has 64 query heads but only 8 KV heads. If it used full "
        "multi-head attention instead, how many 4,096-token sequences would fit next to its "
        "weights on two 80 GiB GPUs?",
        preset="70b-class-as-mha",
        answer=(
            "About 8× fewer: 2 instead of 23. With 8 KV heads a token costs 2 × 80 × 8 × 128 × "
            "2 B = 320 KiB (1.25 GiB per sequence); with 64 KV heads it is 2.5 MiB (10 GiB per "
            "sequence), and only about 29.6 GiB are left after 140 GB of bf16 weights."
        ),
    ),
)
