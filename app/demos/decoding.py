"""Sampling a next token: repetition penalty, temperature, top-k, top-p and min-p, in that order.

The pipeline and its tie rules follow Hugging Face's logits processors (the order of
``generate``'s warpers), so the kept set can be checked against them: each filter works on the
renormalized output of the one before, and ties go to the lower token index.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.bars import bar_chart
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

MAX_VOCAB = 256
MAX_SAMPLES = 10_000
TOP_P_SLACK = 1e-12  # the cumulative sum may fall short of top_p by rounding only
SHOWN_SAMPLES = 40

# Preset next-token distributions: the context, the candidate tokens and their logits.
CONTEXTS: dict[str, dict[str, Any]] = {
    "the-cat-sat-on-the": {
        "text": "The cat sat on the",
        "tokens": [
            "mat", "floor", "sofa", "bed", "chair", "rug", "table", "cat", "roof", "stool",
            "couch", "dog", "ledge", "box", "grass", "lawn", "the", "sat", "on", ".",
        ],
        "logits": [
            5.0, 4.2, 3.6, 3.4, 3.0, 2.9, 2.6, 2.5, 2.2, 2.1,
            2.0, 1.6, 1.5, 1.4, 1.0, 0.9, 0.5, -0.5, -0.2, -1.0,
        ],
    },
    "two-plus-two-is": {
        "text": "Two plus two is",
        "tokens": [
            "four", "4", "five", "two", "equal", "not", "a", "three", "the", "one",
            "also", "22", "six", "plus", "is", "just", "still", "five.", "fish", "?",
        ],
        "logits": [
            9.0, 7.5, 3.0, 2.6, 2.4, 2.2, 2.0, 1.8, 1.6, 1.5,
            1.4, 1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.2, -1.0, -1.5,
        ],
    },
}  # fmt: skip


def _context_history(name: str) -> list[int]:
    """The tokens of the context that are also candidates: what the penalty acts on."""
    context = CONTEXTS[name]
    words = context["text"].lower().split()
    return [context["tokens"].index(w) for w in words if w in context["tokens"]]


Logit = Annotated[float, Field(ge=-1e4, le=1e4)]
TokenIndex = Annotated[int, Field(ge=0, lt=MAX_VOCAB)]


class DecodingParams(DemoParams):
    context: Literal["the-cat-sat-on-the", "two-plus-two-is"] = Field(
        "the-cat-sat-on-the",
        description="A preset next-token distribution over 20 named tokens (unless logits given)",
    )
    logits: list[Logit] | None = Field(
        None,
        min_length=1,
        max_length=MAX_VOCAB,
        description=f"Your own logits, one per token (≤ {MAX_VOCAB}); replaces the context",
    )
    history: list[TokenIndex] | None = Field(
        None,
        max_length=MAX_VOCAB,
        description="Token indices already generated (the penalty's targets); default: the "
        "context's words that are candidates, or none with your own logits",
    )
    repetition_penalty: float = Field(
        1.0,
        ge=1.0,
        le=10.0,
        description="Divides positive, multiplies negative logits of tokens in history",
        json_schema_extra={"slider": [1, 3, 0.05]},
    )
    temperature: float = Field(
        1.0,
        gt=0,
        le=100.0,
        description="Logits are divided by it before the softmax",
        json_schema_extra={"slider": [0.05, 3, 0.05]},
    )
    top_k: int | None = Field(
        None, ge=1, le=MAX_VOCAB, description="Keep the k most likely tokens (empty: off)"
    )
    top_p: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Keep the smallest prefix, most likely first, with mass ≥ p (empty: off)",
        json_schema_extra={"slider": [0.05, 1, 0.01]},
    )
    min_p: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="Keep tokens with probability ≥ min_p × the largest (empty: off)",
        json_schema_extra={"slider": [0, 0.5, 0.01]},
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the samples")
    samples: int = Field(
        20,
        ge=0,
        le=MAX_SAMPLES,
        description=f"Tokens drawn from the final distribution (≤ {MAX_SAMPLES})",
    )

    @field_validator("history")
    @classmethod
    def _history_in_vocabulary(cls, history: list[int] | None, info: ValidationInfo) -> Any:
        if history is None or "logits" not in info.data:  # an invalid logits has its own error
            return history
        logits = info.data["logits"]
        vocab = len(logits) if logits is not None else 20
        bad = [t for t in history if t >= vocab]
        if bad:
            source = f"the {vocab} logits" if logits is not None else "the context's 20 tokens"
            raise ValueError(
                f"token {bad[0]} is not one of {source} (logits has indices 0–{vocab - 1})"
            )
        return history

    @field_validator("top_k")
    @classmethod
    def _top_k_within_vocabulary(cls, top_k: int | None, info: ValidationInfo) -> Any:
        logits = info.data.get("logits")
        if top_k is not None and logits is not None and top_k > len(logits):
            raise ValueError(f"top_k = {top_k} is more than the {len(logits)} logits given")
        if top_k is not None and logits is None and "logits" in info.data and top_k > 20:
            raise ValueError(f"top_k = {top_k} is more than the context's 20 tokens (logits)")
        return top_k


def history_of(params: DecodingParams) -> list[int]:
    """The given history; by default the context's words, or nothing with your own logits."""
    if params.history is not None:
        return list(params.history)
    return [] if params.logits is not None else _context_history(params.context)


def vocabulary(params: DecodingParams) -> tuple[list[str], np.ndarray]:
    """Token labels and logits: the given logits (labelled by index) or the preset context's."""
    if params.logits is not None:
        return [str(i) for i in range(len(params.logits))], np.array(params.logits, dtype=float)
    context = CONTEXTS[params.context]
    return list(context["tokens"]), np.array(context["logits"], dtype=float)


def penalize(logits: np.ndarray, history: list[int], penalty: float) -> np.ndarray:
    """RepetitionPenaltyLogitsProcessor: each token in history once, whatever its count."""
    out = logits.copy()
    seen = np.unique(np.array(history, dtype=int))
    chosen = out[seen]
    out[seen] = np.where(chosen > 0, chosen / penalty, chosen * penalty)
    return out


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(z / T), shifted before the division so that a tiny T cannot overflow."""
    with np.errstate(over="ignore"):  # (z - max) / T → −inf is exp → 0, as intended
        e = np.exp((z - z.max()) / temperature)
    return e / e.sum()


def descending(probs: np.ndarray) -> np.ndarray:
    """Token indices by probability, largest first, ties to the lower index (a stable sort)."""
    return np.argsort(-probs, kind="stable")


def keep(probs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    kept = np.where(mask, probs, 0.0)
    return kept / kept.sum()


def top_k_mask(probs: np.ndarray, k: int) -> np.ndarray:
    mask = np.zeros(probs.size, dtype=bool)
    mask[descending(probs)[:k]] = True
    return mask


def top_p_mask(probs: np.ndarray, p: float) -> np.ndarray:
    """The prefix, most likely first, up to the first token where the mass reaches p."""
    order = descending(probs)
    cumulative = np.cumsum(probs[order])
    reached = np.nonzero(cumulative >= p - TOP_P_SLACK)[0]
    last = int(reached[0]) if reached.size else order.size - 1
    mask = np.zeros(probs.size, dtype=bool)
    mask[order[: last + 1]] = True
    return mask & (probs > 0)


def min_p_mask(probs: np.ndarray, min_p: float) -> np.ndarray:
    return probs >= min_p * probs.max()


def entropy(probs: np.ndarray) -> float:
    """In nats; 0 · log 0 counts as 0."""
    nonzero = probs[probs > 0]
    return float(-(nonzero * np.log(nonzero)).sum())


def compute(params: DecodingParams) -> dict[str, Any]:
    labels, logits = vocabulary(params)
    history = history_of(params)
    penalized = penalize(logits, history, params.repetition_penalty)
    probs = softmax(penalized, params.temperature)
    stages: list[dict[str, Any]] = [{"name": "softmax of the logits", "probs": softmax(logits)}]
    if params.repetition_penalty > 1 and history:
        name = f"repetition penalty {fmt(params.repetition_penalty)}"
        stages.append({"name": name, "probs": softmax(penalized)})
    if params.temperature != 1:
        stages.append({"name": f"temperature {fmt(params.temperature)}", "probs": probs})
    # (name, the setting, its mask: top_k takes an int, the others a float)
    filters: list[tuple[str, float | None, Callable[[np.ndarray, Any], np.ndarray]]] = [
        ("top_k", params.top_k, top_k_mask),
        ("top_p", params.top_p, top_p_mask),
        ("min_p", params.min_p, min_p_mask),
    ]
    for name, value, make_mask in filters:
        if value is not None:
            probs = keep(probs, make_mask(probs, value))
            stages.append({"name": f"{name} {fmt(value)}", "probs": probs})
    kept = np.nonzero(probs > 0)[0]
    drawn = np.random.default_rng(params.seed).choice(probs.size, size=params.samples, p=probs)
    return {
        "probs": probs.tolist(),
        "kept": kept.tolist(),
        "entropy": entropy(probs),
        "samples": drawn.tolist(),
        "tokens": labels,
        "history": history,
        "penalized_logits": penalized.tolist(),
        "stages": [
            {
                "name": s["name"],
                "probs": s["probs"].tolist(),
                "kept": int(np.count_nonzero(s["probs"])),
                "entropy": entropy(s["probs"]),
            }
            for s in stages
        ],
    }


def view(params: DecodingParams, result: dict[str, Any]) -> dict[str, Any]:
    """A bar chart per stage (kept tokens highlighted), the kept set and the samples' counts."""
    labels = result["tokens"]
    probs = np.array(result["probs"])
    counts = np.bincount(np.array(result["samples"], dtype=int), minlength=probs.size)
    kept = result["kept"]  # highlighted at every stage: which tokens survive to the end
    stage_plots = []
    for stage in result["stages"]:
        p = np.array(stage["probs"])
        stage_plots.append(
            {
                "name": stage["name"],
                "kept": stage["kept"],
                "entropy": fmt(stage["entropy"]),
                "svg": bar_chart(
                    labels,
                    p,
                    title=f"Probabilities after {stage['name']}",
                    desc=f"{stage['kept']} tokens with non-zero probability; entropy "
                    f"{fmt(stage['entropy'])} nats",
                    y_label="probability",
                    highlight=kept,
                    value_labels=[f"{v:.2f}" for v in p] if p.size <= 20 else None,
                    height=240,
                ),
            }
        )
    order = descending(probs)
    context = None if params.logits is not None else CONTEXTS[params.context]["text"]
    return {
        "context": context,
        "stages": stage_plots,
        "kept": [
            {"index": int(i), "token": labels[i], "p": f"{probs[i]:.4f}", "count": int(counts[i])}
            for i in order
            if probs[i] > 0
        ],
        "history": [labels[i] for i in result["history"]],
        "entropy": f"{result['entropy']:.4f}",
        "uniform_entropy": f"{math.log(len(result['kept'])):.4f}",
        "samples": " ".join(labels[i] for i in result["samples"][:SHOWN_SAMPLES]),
        "more_samples": max(0, len(result["samples"]) - SHOWN_SAMPLES),
    }


DEMO = Demo(
    slug="decoding",
    title="Decoding: temperature, top-k, top-p, min-p",
    summary="A next-token distribution through repetition penalty, temperature and the "
    "top-k / top-p / min-p filters, with samples drawn from what is left.",
    params=DecodingParams,
    compute=compute,
    view=view,
    explain=(
        "The model gives a logit per token; sampling turns them into a choice in a fixed "
        "order. The **repetition penalty** divides the positive logits (multiplies the "
        "negative ones) of tokens already in `history`, as Hugging Face does. **Temperature** "
        "divides every logit: below 1 the softmax sharpens towards the arg-max (greedy as T → "
        "0), above 1 it flattens towards uniform. Then the filters cut the tail, each on the "
        "renormalized output of the one before: **top-k** keeps a fixed number of tokens "
        "whatever the shape; **top-p** (nucleus) keeps the most likely tokens until their mass "
        "reaches p, so it keeps one token when the model is sure (`two-plus-two-is`) and many "
        "when it is not (`the-cat-sat-on-the`); **min-p** keeps tokens at least min_p times as "
        "likely as the best one, a cut that also scales with the model's confidence. Watch the "
        "entropy: it falls with every filter, and the samples come only from the kept set."
    ),
    examples={
        "maximum": {
            "logits": [math.sin(i) * 5 for i in range(MAX_VOCAB)],
            "history": list(range(0, MAX_VOCAB, 2)),
            "repetition_penalty": 1.3,
            "temperature": 0.8,
            "top_k": 200,
            "top_p": 0.95,
            "min_p": 0.01,
            "samples": MAX_SAMPLES,
        },
        "greedy-like": {"temperature": 0.2},
        "flat": {"temperature": 2.0},
        "top-k-5": {"top_k": 5},
        "nucleus-0.9": {"top_p": 0.9},
        "nucleus-hot": {"top_p": 0.9, "temperature": 2.0},
        "min-p-0.1": {"min_p": 0.1},
        "confident-top-k": {"context": "two-plus-two-is", "top_k": 5},
        "confident-nucleus": {"context": "two-plus-two-is", "top_p": 0.9},
        "repetition-penalty": {"repetition_penalty": 2.0},
        "own-logits": {
            "logits": [2, 1, 0.5, 0, 0, -1],
            "history": [0],
            "repetition_penalty": 1.5,
            "top_p": 0.8,
        },
    },
    predict=Prediction(
        question="With top_p = 0.9 the nucleus of 'The cat sat on the' holds some tokens. Raise "
        "the temperature from 1 to 2: does the nucleus keep more tokens or fewer?",
        preset="nucleus-hot",
        answer=(
            "More (9 → 14 of the 20). Temperature is applied *before* the filter: at T = 2 "
            "the distribution is flatter, so it takes more tokens to gather 90 % of the mass. "
            "top-p adapts to the shape; top-k would keep the same number of tokens either way."
        ),
    ),
)
