"""Contrastive learning: the InfoNCE / CLIP loss over a batch's similarity matrix.

Row i of a and row i of b are a positive pair (an image and its caption); every other row of
the batch is a negative. similarity = a·bᵀ / τ after L2 normalization; the loss is the
cross-entropy of each row against its diagonal entry, and CLIP averages it with the same loss
over the columns (Radford et al. 2021). Seeded batches share a latent per pair, and
`hard_negatives` correlates each pair with a partner pair, making that negative hard.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.bars import bar_chart
from app.charts.grids import heat_table
from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_BATCH = 64
MAX_DIM = 256
DEFAULT_BATCH, DEFAULT_DIM = 8, 16  # of the seeded batch
SHOWN = 16  # rows and columns of the similarity table on the page
TEMPERATURES = np.geomspace(0.01, 10, 61)

Value = Annotated[float, Field(ge=-1e3, le=1e3)]
Matrix = Annotated[
    list[Annotated[list[Value], Field(min_length=1, max_length=MAX_DIM)]],
    Field(min_length=2, max_length=MAX_BATCH),
]


def _rectangular(rows: list[list[float]] | None) -> list[list[float]] | None:
    if rows is not None and any(len(r) != len(rows[0]) for r in rows):
        raise ValueError(f"must be rectangular: every row needs {len(rows[0])} values")
    return rows


class ContrastiveParams(DemoParams):
    batch: int | None = Field(
        None, ge=2, le=MAX_BATCH, description="Pairs n of the seeded batch (default 8; else from a)"
    )
    dim: int | None = Field(
        None, ge=1, le=MAX_DIM, description="Embedding dimension d (default 16; else from a)"
    )
    noise: float = Field(
        0.8, ge=0, le=10, description="Seeded: how far each b_i is from its a_i (noise std)"
    )
    hard_negatives: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Seeded: correlation of each pair with a partner pair (a hard negative)",
        json_schema_extra={"slider": [0, 0.95, 0.05]},
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the batch")
    temperature: float = Field(
        0.07,
        ge=0.001,
        le=100,
        description="τ: similarities are divided by it (CLIP starts at 0.07)",
    )
    symmetric: bool = Field(True, description="CLIP: average the row (a→b) and column losses")
    normalize: bool = Field(True, description="L2-normalize a and b first (cosine similarity)")
    a: Matrix | None = Field(None, description=f"Embeddings a, n × d (≤ {MAX_BATCH} × {MAX_DIM})")
    b: Matrix | None = Field(
        None, validate_default=True, description="Embeddings b, n × d; b_i is a_i's positive"
    )

    @field_validator("a")
    @classmethod
    def _a_shape(cls, a: Any, info: ValidationInfo) -> Any:
        a = _rectangular(a)
        if a is not None:
            for name, size in (("batch", len(a)), ("dim", len(a[0]))):
                given = info.data.get(name)
                if given is not None and given != size:
                    raise ValueError(f"a gives {name} = {size}, but {name} = {given} was given")
        return a

    @field_validator("b")
    @classmethod
    def _b_shape(cls, b: Any, info: ValidationInfo) -> Any:
        if "a" not in info.data:
            return b
        a = info.data["a"]
        if (a is None) != (b is None):
            raise ValueError("give a and b together (one row of each per pair)")
        b = _rectangular(b)
        if a is not None and b is not None and (len(b), len(b[0])) != (len(a), len(a[0])):
            raise ValueError(
                f"b is {len(b)} × {len(b[0])} but a is {len(a)} × {len(a[0])}: same shape needed"
            )
        return b


def seeded(params: ContrastiveParams) -> tuple[np.ndarray, np.ndarray]:
    """Pairs sharing a latent z_i; pairs 2k and 2k+1 share a part of weight hard_negatives."""
    rng = np.random.default_rng(params.seed)
    n, d, h = params.batch or DEFAULT_BATCH, params.dim or DEFAULT_DIM, params.hard_negatives
    own = rng.standard_normal((n, d))
    shared = rng.standard_normal(((n + 1) // 2, d))[np.arange(n) // 2]
    z = np.sqrt(1 - h**2) * own + h * shared
    a = z + params.noise * rng.standard_normal((n, d))
    b = z + params.noise * rng.standard_normal((n, d))
    return a, b


def cosine_ready(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; a zero row stays zero (as F.normalize with its eps)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def cross_entropy_diagonal(logits: np.ndarray) -> np.ndarray:
    """−log softmax(row)_i for each row i of each matrix in the stack (…, n, n), stable."""
    top = logits.max(axis=-1, keepdims=True)
    log_z = top[..., 0] + np.log(np.exp(logits - top).sum(axis=-1))
    return log_z - np.diagonal(logits, axis1=-2, axis2=-1)


def losses(raw: np.ndarray, temperatures: np.ndarray) -> dict[str, np.ndarray]:
    """Mean row and column losses of raw / τ for each τ at once."""
    logits = raw[None] / temperatures[:, None, None]
    return {
        "row_loss": cross_entropy_diagonal(logits).mean(axis=-1),
        "column_loss": cross_entropy_diagonal(logits.transpose(0, 2, 1)).mean(axis=-1),
    }


def accuracies(raw: np.ndarray) -> tuple[float, float]:
    """Shares of rows and of columns whose arg-max is the diagonal (ties: the lower index,
    as torch.argmax); dividing by τ > 0 never changes them."""
    n = raw.shape[0]
    return (
        float((raw.argmax(axis=1) == np.arange(n)).mean()),
        float((raw.argmax(axis=0) == np.arange(n)).mean()),
    )


def compute(params: ContrastiveParams) -> dict[str, Any]:
    if params.a is not None and params.b is not None:
        a, b = np.array(params.a, dtype=float), np.array(params.b, dtype=float)
    else:
        a, b = seeded(params)
    if params.normalize:
        a, b = cosine_ready(a), cosine_ready(b)
    raw = np.einsum("id,jd->ij", a, b)  # for these sizes faster than a BLAS call
    out = losses(raw, np.array([params.temperature]))
    row_loss, column_loss = float(out["row_loss"][0]), float(out["column_loss"][0])
    row_accuracy, column_accuracy = accuracies(raw)
    both = params.symmetric
    return {
        "similarity": (raw / params.temperature).tolist(),
        "loss": (row_loss + column_loss) / 2 if both else row_loss,
        "accuracy": (row_accuracy + column_accuracy) / 2 if both else row_accuracy,
        "row_loss": row_loss,
        "column_loss": column_loss,
        "row_accuracy": row_accuracy,
        "column_accuracy": column_accuracy,
        "cosine": raw.tolist(),
        "log_batch": float(np.log(raw.shape[0])),
    }


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def view(params: ContrastiveParams, result: dict[str, Any]) -> dict[str, Any]:
    """The similarity table, loss and accuracy against τ, row 1's softmax at τ and at 1."""
    raw = np.array(result["cosine"])
    n = raw.shape[0]
    sweep = losses(raw, TEMPERATURES)
    loss_curve = (
        (sweep["row_loss"] + sweep["column_loss"]) / 2 if params.symmetric else sweep["row_loss"]
    )
    log_t = np.log10(TEMPERATURES)
    here = [Line(float(np.log10(params.temperature)), f"τ = {fmt(params.temperature)}")]
    loss_svg = line_plot(
        [
            Series(log_t, loss_curve, "loss"),
            Series(log_t, np.full(log_t.size, result["log_batch"]), "log n (chance)", dashed=True),
        ],
        title="Contrastive loss against temperature",
        desc="Loss of this batch for τ from 0.01 to 10; at large τ every row is near uniform "
        "and the loss tends to log n",
        x_label="log10 τ",
        y_label="loss (nats)",
        vlines=here,
        width=PAIR_WIDTH,
    )
    row = raw[0]
    probs_here = _softmax(row / params.temperature)
    probs_one = _softmax(row)
    labels = [f"b{j + 1}" for j in range(n)]
    softmax_svg = bar_chart(
        labels,
        probs_here,
        title=f"Row 1's softmax over the batch at τ = {fmt(params.temperature)}",
        desc="Probability that a1 is paired with each b_j; b1 is the positive, the rest "
        "are negatives",
        y_label="probability",
        highlight=[0],
        width=PAIR_WIDTH,
        value_labels=None if n > 12 else [f"{p:.2f}" for p in probs_here],
    )
    softmax_one_svg = bar_chart(
        labels,
        probs_one,
        title="The same row at τ = 1",
        desc="Without the temperature, cosine similarities in [−1, 1] give a nearly flat "
        "softmax over the batch",
        y_label="probability",
        highlight=[0],
        width=PAIR_WIDTH,
        value_labels=None if n > 12 else [f"{p:.2f}" for p in probs_one],
    )
    shown = min(n, SHOWN)
    return {
        "similarity": heat_table(np.array(result["similarity"])[:shown, :shown]),
        "cut": n > SHOWN,
        "n": n,
        "loss_svg": loss_svg,
        "softmax_svg": softmax_svg,
        "softmax_one_svg": softmax_one_svg,
        "positive_here": f"{probs_here[0]:.3f}",
        "positive_one": f"{probs_one[0]:.3f}",
        "mean_positive": fmt(float(np.diag(raw).mean())),
        "mean_negative": fmt(float((raw.sum() - np.trace(raw)) / max(n * n - n, 1))),
    }


DEMO = Demo(
    slug="contrastive",
    title="Contrastive loss (InfoNCE, CLIP)",
    summary="A batch's similarity matrix, the InfoNCE loss and top-1 accuracy, and how the "
    "temperature sharpens the softmax over negatives.",
    params=ContrastiveParams,
    compute=compute,
    view=view,
    explain=(
        "Each of the n rows of a has its positive in the same row of b; the other n − 1 rows "
        "of the batch serve as negatives for free. The loss is a classification: "
        "softmax over row i of a·bᵀ/τ should pick column i. With L2-normalized embeddings "
        "the similarities are cosines in [−1, 1], so without a temperature the softmax can "
        "never be sharp (compare the two softmax plots); a small τ such as CLIP's 0.07 "
        "turns small cosine gaps into large probability gaps and concentrates the gradient "
        "on the hardest negatives, while a very small τ makes the loss brittle. CLIP's "
        "symmetric loss averages the a→b (rows) and b→a (columns) losses. The loss is at "
        "most about log n for random embeddings, and log n − loss is a lower bound on the "
        "mutual information (van den Oord et al. 2018), one reason large batches help. "
        "Raise `hard_negatives`: pairs 1–2, 3–4, … become alike, and the off-diagonal "
        "blocks light up."
    ),
    examples={
        "maximum": {"batch": MAX_BATCH, "dim": MAX_DIM},
        "temperature-one": {"temperature": 1.0},
        "hard-negatives": {"hard_negatives": 0.9, "noise": 0.5},
        "large-batch": {"batch": 64, "noise": 1.0},
        "one-way": {"symmetric": False},
        "given": {"a": [[1, 0], [0, 1]], "b": [[1, 0], [1, 1]], "temperature": 1},
    },
    predict=Prediction(
        question="Keep the same embeddings and raise the temperature from 0.07 to 1. What "
        "happens to the loss and to the top-1 accuracy?",
        preset="temperature-one",
        answer="The loss rises toward log n (here log 8 ≈ 2.08), since cosines in [−1, 1] "
        "divided by 1 give an almost flat softmax; the accuracy does not change at all, "
        "because dividing a row by a positive τ never changes which entry is largest.",
    ),
)
