"""Beam search on a bigram language model, against greedy decoding and the exhaustive best.

The rules are Hugging Face's beam scorer without early stopping: every live beam × every token
is a candidate, ranked by summed log-probability (ties: earlier beam, lower token); an end
token ranked within the top beam_width finishes a hypothesis, the best beam_width others go
on. A hypothesis scores Σ log p / len^length_penalty, len counting the end token. The
exhaustive best is found by dynamic programming over the last token (a Viterbi pass per
length), not by enumerating V^steps sequences.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.scale import fmt
from app.charts.trees import Node, tree_svg
from app.demos.registry import Demo, DemoParams, Prediction

MAX_VOCAB = 32
MAX_BEAMS = 16
MAX_STEPS = 20

LogProb = Annotated[float, Field(ge=-1e4, le=0)]

# The example of Hugging Face's "How to generate text" post: greedy takes "nice" (0.5) and
# misses "dog has" (0.4 × 0.9 = 0.36 > 0.5 × 0.4 = 0.2).
WORDS = ["The", "dog", "nice", "car", "woman", "house", "guy", "has", "and", "runs", "is",
         "drives", "turns", "a", "."]  # fmt: skip
NEXT = {
    "The": {"dog": 0.4, "nice": 0.5, "car": 0.1},
    "dog": {"has": 0.9, "and": 0.05, "runs": 0.05},
    "nice": {"woman": 0.4, "house": 0.3, "guy": 0.3},
    "car": {"is": 0.3, "drives": 0.5, "turns": 0.2},
    "woman": {".": 0.5, "is": 0.3, "has": 0.2},
    "house": {".": 0.7, "is": 0.3},
    "guy": {".": 0.6, "runs": 0.4},
    "has": {"a": 0.6, ".": 0.4},
    "and": {"a": 0.5, "The": 0.5},
    "runs": {".": 0.7, "and": 0.3},
    "is": {"nice": 0.6, "a": 0.3, ".": 0.1},
    "drives": {".": 0.6, "a": 0.4},
    "turns": {".": 1.0},
    "a": {"dog": 0.3, "car": 0.3, "house": 0.2, "guy": 0.2},
    ".": {".": 1.0},
}
FLOOR = 1e-4  # every other next word: the model gives no token probability exactly 0


def preset_log_probs() -> list[list[float]]:
    rows = []
    for word in WORDS:
        p = np.full(len(WORDS), FLOOR)
        for nxt, q in NEXT[word].items():
            p[WORDS.index(nxt)] = q
        rows.append(np.log(p / p.sum()).tolist())
    return rows


class BeamSearchParams(DemoParams):
    model: Literal["hf-example", "seeded"] = Field(
        "hf-example", description="The bigram model (unless log_probs is given)"
    )
    vocab: int = Field(8, ge=2, le=MAX_VOCAB, description="Tokens of the seeded model")
    sharpness: float = Field(
        2.0, ge=0, le=20, description="Std of the seeded model's logits (0: uniform rows)"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the seeded model")
    log_probs: list[Annotated[list[LogProb], Field(min_length=2, max_length=MAX_VOCAB)]] | None = (
        Field(None, min_length=2, max_length=MAX_VOCAB,
              description="Your own V × V log-probabilities, row = previous token")
    )  # fmt: skip
    start: int | None = Field(
        None, ge=0, lt=MAX_VOCAB, description="The token to continue (default: the first)"
    )
    eos: int | None = Field(
        None, ge=0, lt=MAX_VOCAB,
        description="End token (default: “.” in hf-example, none otherwise)",
    )  # fmt: skip
    beam_width: int = Field(2, ge=1, le=MAX_BEAMS, description="Hypotheses kept per step",
                            json_schema_extra={"slider": [1, 8, 1]})  # fmt: skip
    steps: int = Field(4, ge=1, le=MAX_STEPS, description="Most new tokens")
    length_penalty: float = Field(
        1.0, ge=-5, le=5, description="Score = Σ log p / len^length_penalty (0: plain sum)"
    )
    step: int | None = Field(
        None, ge=0, le=MAX_STEPS, description="Show the tree after this many steps (empty: all)"
    )

    @field_validator("log_probs")
    @classmethod
    def _square(cls, log_probs: Any) -> Any:
        if log_probs is not None and any(len(row) != len(log_probs) for row in log_probs):
            raise ValueError(f"must be square: {len(log_probs)} rows of {len(log_probs)} values")
        return log_probs

    @field_validator("start", "eos")
    @classmethod
    def _a_token(cls, token: int | None, info: ValidationInfo) -> Any:
        if token is None or "log_probs" not in info.data:
            return token
        size = vocabulary_size(info.data)
        if token >= size:
            raise ValueError(f"{info.field_name} = {token} is not one of the {size} tokens "
                             "(the rows of log_probs)")  # fmt: skip
        return token


def vocabulary_size(data: dict[str, Any]) -> int:
    if data.get("log_probs") is not None:
        return len(data["log_probs"])
    return len(WORDS) if data.get("model") == "hf-example" else data.get("vocab", 8)


def model_of(params: BeamSearchParams) -> tuple[np.ndarray, list[str], int, int | None]:
    """Log-probabilities, token names, start and end token."""
    if params.log_probs is not None:
        lp = np.array(params.log_probs, dtype=float)
        names = [str(i) for i in range(lp.shape[0])]
        eos = params.eos
    elif params.model == "hf-example":
        lp, names = np.array(preset_log_probs()), list(WORDS)
        eos = WORDS.index(".") if params.eos is None else params.eos
    else:
        rng = np.random.default_rng(params.seed)
        z = rng.standard_normal((params.vocab, params.vocab)) * params.sharpness
        lp = z - z.max(axis=1, keepdims=True)
        lp -= np.log(np.exp(lp).sum(axis=1, keepdims=True))
        names = [f"t{i}" for i in range(params.vocab)]
        eos = params.eos
    return lp, names, params.start or 0, eos


def score(total: float, length: int, penalty: float) -> float:
    return float(total / length**penalty)


def beam_search(
    lp: np.ndarray, start: int, eos: int | None, width: int, steps: int, penalty: float
) -> dict[str, Any]:
    live: list[tuple[list[int], float]] = [([], 0.0)]
    finished: list[dict[str, Any]] = []
    history = []
    vocab = lp.shape[0]
    for t in range(1, steps + 1):
        candidates = [
            (total + float(lp[tokens[-1] if tokens else start, v]), b, v)
            for b, (tokens, total) in enumerate(live)
            for v in range(vocab)
        ]
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        kept: list[tuple[list[int], float, int]] = []
        ended: list[tuple[list[int], float, int]] = []
        for rank, (total, b, v) in enumerate(candidates):
            if v == eos:
                if rank < width:
                    ended.append((live[b][0] + [v], total, b))
            elif len(kept) < width:
                kept.append((live[b][0] + [v], total, b))
            if len(kept) == width and rank >= width - 1:
                break
        for tokens, total, b in ended:
            value = score(total, len(tokens), penalty)
            finished.append({"tokens": tokens, "sum": total, "step": t, "parent": b,
                             "score": value, "finished": True})  # fmt: skip
        history.append(
            {
                "live": [{"tokens": k, "sum": s, "parent": b} for k, s, b in kept],
                "finished": [{"tokens": k, "sum": s, "parent": b} for k, s, b in ended],
            }
        )
        live = [(k, s) for k, s, _ in kept]
        if not live:
            break
    cut = [{"tokens": k, "sum": s, "score": score(s, len(k), penalty), "finished": False}
           for k, s in live]  # fmt: skip
    pool = sorted(finished + cut, key=lambda h: -h["score"])  # stable: finished first on ties
    return {"beams": pool[:width], "history": history}


def greedy(
    lp: np.ndarray, start: int, eos: int | None, steps: int, penalty: float
) -> dict[str, Any]:
    tokens, total, last = [], 0.0, start
    for _ in range(steps):
        v = int(np.argmax(lp[last]))  # ties: the lower index
        tokens.append(v)
        total += float(lp[last, v])
        if v == eos:
            break
        last = v
    return {"tokens": tokens, "score": score(total, len(tokens), penalty), "sum": total}


def exhaustive(
    lp: np.ndarray, start: int, eos: int | None, steps: int, penalty: float
) -> dict[str, Any]:
    """The best-scoring hypothesis over all of them: for each length L the best Σ log p of a
    path of L tokens (ending with eos, or cut off at L = steps), by a max-product pass."""
    vocab = lp.shape[0]
    best = np.full(vocab, -np.inf)
    best[start] = 0.0  # the context: not a generated token, may even be eos
    back: list[np.ndarray] = []
    winner: dict[str, Any] = {"score": -math.inf, "sum": -math.inf, "length": 0, "last": -1}
    for length in range(1, steps + 1):
        total = best[:, None] + lp
        back.append(np.argmax(total, axis=0))
        best = total.max(axis=0)
        ends = [eos] if eos is not None else []
        if length == steps:
            ends += [v for v in range(vocab) if v != eos]
        for v in ends:
            if np.isfinite(best[v]) and score(best[v], length, penalty) > winner["score"]:
                winner = {"score": score(best[v], length, penalty), "sum": float(best[v]),
                          "length": length, "last": v}  # fmt: skip
        if eos is not None:
            best[eos] = -np.inf  # a hypothesis that emitted eos does not go on
    tokens = [winner["last"]]
    for length in range(winner["length"], 1, -1):
        tokens.append(int(back[length - 1][tokens[-1]]))
    return {"tokens": tokens[::-1], "score": winner["score"], "sum": winner["sum"]}


def compute(params: BeamSearchParams) -> dict[str, Any]:
    lp, names, start, eos = model_of(params)
    beam = beam_search(lp, start, eos, params.beam_width, params.steps, params.length_penalty)
    beams = [{"tokens": h["tokens"], "score": h["score"], "finished": h["finished"],
              "sum": h["sum"]} for h in beam["beams"]]  # fmt: skip
    return {
        "best": {"tokens": beams[0]["tokens"], "score": beams[0]["score"]},
        "beams": beams,
        "greedy": greedy(lp, start, eos, params.steps, params.length_penalty),
        "exhaustive": exhaustive(lp, start, eos, params.steps, params.length_penalty),
        "history": beam["history"],
        "tokens": names,
        "start": start,
        "eos": eos,
    }


def view(params: BeamSearchParams, result: dict[str, Any]) -> dict[str, Any]:
    names = result["tokens"]
    history = result["history"]
    shown = len(history) if params.step is None else min(params.step, len(history))
    best = result["best"]["tokens"]
    nodes = [Node(0, 0, None, names[result["start"]])]
    rows = 1
    for t, state in enumerate(history[:shown], start=1):
        for r, h in enumerate(state["live"]):
            kind = "best" if t == len(best) and h["tokens"] == best else "live"
            nodes.append(Node(t, r, h["parent"], names[h["tokens"][-1]], f"{h['sum']:.2f}", kind))
        for r, h in enumerate(state["finished"], start=len(state["live"])):
            kind = "best" if h["tokens"] == best else "finished"
            nodes.append(Node(t, r, h["parent"], names[h["tokens"][-1]], f"{h['sum']:.2f}", kind))
        rows = max(rows, len(state["live"]) + len(state["finished"]))
    tree = tree_svg(
        nodes,
        title="The beam tree",
        desc=f"Hypotheses kept at each of {shown} steps (rows in rank order); larger nodes "
        "finished with the end token; labels: token and summed log-probability",
        steps=max(params.steps, 1),
        rows=rows,
    )

    def words(tokens: list[int]) -> str:
        return " ".join(names[t] for t in tokens)

    def row(label: str, h: dict[str, Any]) -> dict[str, str]:
        return {"label": label, "text": words(h["tokens"]), "length": str(len(h["tokens"])),
                "sum": f"{h['sum']:.4f}", "score": f"{h['score']:.4f}",
                "p": fmt(math.exp(h["sum"]))}  # fmt: skip

    state = history[shown - 1] if shown else {"live": [], "finished": []}
    return {
        "tree": tree,
        "shown": shown,
        "total": len(history),
        "context": names[result["start"]],
        "eos": names[result["eos"]] if result["eos"] is not None else "none",
        "compare": [
            row("beam search (best)", {**result["beams"][0]}),
            row("greedy", result["greedy"]),
            row("exhaustive best", result["exhaustive"]),
        ],
        "beams": [
            {**row(str(i + 1), h), "finished": "yes" if h["finished"] else "cut off"}
            for i, h in enumerate(result["beams"])
        ],
        "state": {
            "live": [{"text": words(h["tokens"]), "sum": f"{h['sum']:.3f}"} for h in state["live"]],
            "finished": [
                {"text": words(h["tokens"]), "sum": f"{h['sum']:.3f}"} for h in state["finished"]
            ],  # fmt: skip
        },
        "beam_found_best": math.isclose(result["beams"][0]["score"], result["exhaustive"]["score"]),
        "next": min(shown + 1, len(history)),
        "back": max(shown - 1, 0),
    }


DEMO = Demo(
    slug="beam-search",
    title="Beam search",
    summary="The beam tree of a tiny bigram model step by step, its finished hypotheses with "
    "length-normalized scores, and greedy vs beam vs the exhaustive best.",
    params=BeamSearchParams,
    compute=compute,
    view=view,
    explain=(
        "Greedy decoding commits to the most likely next token and can walk past a better "
        "sentence: in the preset, “The nice” (0.5) beats “The dog” (0.4), but “The dog has” "
        "(0.36) beats every continuation of “nice” (at most 0.2). Beam search keeps the "
        "beam_width best prefixes by summed log-probability at every step, so it can recover. "
        "It is still approximate: a wider beam can only help the search, not always the "
        "result, and the exhaustive best (computed exactly here) shows when it misses. A "
        "finished hypothesis is scored Σ log p / len^length_penalty: with 0 the plain sum "
        "favours short outputs (every token lowers it); 1 is the mean log-probability per "
        "token; larger values favour longer outputs. Step through the tree to see which "
        "prefixes survive each cut."
    ),
    examples={
        "maximum": {
            "model": "seeded",
            "vocab": MAX_VOCAB,
            "beam_width": MAX_BEAMS,
            "steps": MAX_STEPS,
            "eos": 0,
            "start": 1,
        },
        "greedy-misses": {"beam_width": 2, "steps": 3},
        "beam-1-is-greedy": {"beam_width": 1},
        "wide-beam": {"beam_width": 5, "steps": 6},
        "short-bias": {"length_penalty": 0.0, "beam_width": 3, "steps": 6},
        "long-bias": {"length_penalty": 2.0, "beam_width": 3, "steps": 6},
        "first-step": {"step": 1},
        "seeded": {"model": "seeded", "vocab": 8, "beam_width": 3, "steps": 5, "eos": 7},
        "given": {
            "log_probs": [
                [-0.693147, -0.798508, -2.995732],
                [-2.995732, -2.995732, -0.105361],
                [-1.07881, -1.108663, -1.108663],
            ],
            "start": 0,
            "eos": 2,
            "beam_width": 2,
            "steps": 3,
        },
    },  # fmt: skip
    predict=Prediction(
        question="From “The”, the model says nice 0.5, dog 0.4; after nice the best word has "
        "0.4, after dog “has” has 0.9. After three tokens, which prefix does greedy hold, "
        "and which does a beam of 2?",
        preset="greedy-misses",
        answer=(
            "Greedy holds “nice woman .” (0.5 × 0.4 × 0.5 = 0.10). A beam of 2 keeps “nice” "
            "and “dog”, then “dog has” (0.36) and “nice woman” (0.20); at step 3 it finishes "
            "“dog has .” (0.14) and keeps “dog has a” (0.22): both beat greedy's sentence, "
            "which greedy chose for its first word alone."
        ),
    ),
)
