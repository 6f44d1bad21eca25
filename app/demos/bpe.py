"""Byte-pair encoding as Sennrich et al. (2016) learn it: merge the most frequent adjacent pair.

Words are split on whitespace and end with a separate ``</w>`` symbol; pair counts are weighted
by word frequency; ties go to the smallest (left, right) pair in Python's string order, so the
merges are reproducible. Pair counts are kept up to date incrementally (only the pairs next to
a merged occurrence change) and the best pair comes from a lazy heap.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.lines import Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

END = "</w>"
MAX_CORPUS = 20_000
MAX_MERGES = 2_000
SHOWN_WORDS = 60

Pair = tuple[str, str]

CORPORA = {
    "sennrich": " ".join(["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3),
    "english": (
        "the lower the lowest the newer the newest the wider the widest a low road and a "
        "lower road the newest roads are the widest roads in the lowest valley"
    ),
    "german": (
        "das Haus die Häuser im Hause das Hausdach die Hausaufgabe die Hausaufgaben der "
        "Hausmeister die Hausmeisterin das Rathaus die Rathäuser das Krankenhaus"
    ),
    "turkish": (
        "ev evler evde evlerde evim evlerim evimiz evlerimiz evlerimizde göz gözler gözde "
        "gözlerde gözlük gözlükler gözlükçü"
    ),
    "french": (
        "manger mangeons mangez mangent mangeait mangeaient parler parlons parlez parlent "
        "parlait parlaient finir finissons finissez finissent"
    ),
    "python": (
        "def forward(self, x): x = self.linear(x) x = self.relu(x) return self.dropout(x) "
        "def backward(self, grad): grad = self.dropout.backward(grad) return grad"
    ),
}


class BPEParams(DemoParams):
    preset: Literal["sennrich", "english", "german", "turkish", "french", "python"] = Field(
        "sennrich", description="A corpus to learn from (unless corpus is given)"
    )
    corpus: str | None = Field(
        None,
        max_length=MAX_CORPUS,
        description=f"Your own text (≤ {MAX_CORPUS:,} characters), split on whitespace",
    )
    merges: int = Field(
        10, ge=0, le=MAX_MERGES, description="Merges to learn (fewer if no pair occurs twice)"
    )

    @field_validator("corpus")
    @classmethod
    def _has_words(cls, corpus: str | None, info: ValidationInfo) -> str | None:
        if corpus is not None and not corpus.split():
            raise ValueError("needs at least one word (it is split on whitespace)")
        return corpus


def learn(words: Counter[str], merges: int) -> dict[str, Any]:
    """The merges in order, each word's symbols after them, and the token count per step.

    A merge changes only the pairs next to each merged occurrence (as Hugging Face's
    ``Word.merge``): (prev, a) becomes (prev, ab) and (b, next) becomes (ab, next), where prev
    is the symbol already written, so that back-to-back occurrences are counted right.
    ``where`` may keep words that no longer hold a pair; the merge loop just finds nothing.
    """
    spelled = list(words)  # word index -> word
    freq = [words[w] for w in spelled]
    symbols = [[*w, END] for w in spelled]
    counts: Counter[Pair] = Counter()
    where: defaultdict[Pair, set[int]] = defaultdict(set)
    for i, s in enumerate(symbols):
        for pair in zip(s, s[1:], strict=False):
            counts[pair] += freq[i]
            where[pair].add(i)
    heap = [(-c, a, b) for (a, b), c in counts.items()]
    heapq.heapify(heap)
    tokens = sum(len(s) * f for s, f in zip(symbols, freq, strict=True))
    learned: list[Pair] = []
    pair_counts: list[int] = []
    token_counts = [tokens]
    while len(learned) < merges and heap:
        negative, a, b = heapq.heappop(heap)
        if counts.get((a, b), 0) != -negative:
            continue  # stale: the count changed since this entry was pushed
        if -negative < 2:
            break  # no pair occurs at least twice
        learned.append((a, b))
        pair_counts.append(-negative)
        ab = a + b
        changed: set[Pair] = set()
        for i in where.pop((a, b)):
            old, f = symbols[i], freq[i]
            n, k = len(old), 0
            new: list[str] = []
            while k < n:
                if k + 1 < n and old[k] == a and old[k + 1] == b:
                    if new:
                        prev = new[-1]
                        counts[(prev, a)] -= f
                        counts[(prev, ab)] += f
                        where[(prev, ab)].add(i)
                        changed.update(((prev, a), (prev, ab)))
                    if k + 2 < n:
                        after = old[k + 2]
                        counts[(b, after)] -= f
                        counts[(ab, after)] += f
                        where[(ab, after)].add(i)
                        changed.update(((b, after), (ab, after)))
                    new.append(ab)
                    k += 2
                else:
                    new.append(old[k])
                    k += 1
            if len(new) < n:
                tokens -= (n - len(new)) * f
                symbols[i] = new
        del counts[(a, b)]
        changed.discard((a, b))
        for pair in changed:
            if counts[pair] > 0:
                heapq.heappush(heap, (-counts[pair], *pair))
            else:
                del counts[pair]
        token_counts.append(tokens)
    return {
        "merges": learned,
        "pair_counts": pair_counts,
        "token_counts": token_counts,
        "final": dict(zip(spelled, symbols, strict=True)),
    }


def _random_corpus() -> str:
    """MAX_CORPUS characters of seeded words over a skewed alphabet: thousands of merges."""
    rng = np.random.default_rng(0)
    letters = np.array(list("etaoinshrdlucmfwypvbgkjqxz"))
    weights = 1 / np.arange(1, 27)
    # Drawn at once (a word at a time was a sixth of a second at every start): words of 2-8
    # letters, at least 3 characters each with the space, so MAX_CORPUS // 3 words are enough.
    lengths = rng.integers(2, 9, size=MAX_CORPUS // 3)
    text = "".join(rng.choice(letters, size=int(lengths.sum()), p=weights / weights.sum()))
    ends = np.cumsum(lengths)
    words = [text[end - n : end] for end, n in zip(ends.tolist(), lengths.tolist(), strict=True)]
    return " ".join(words)[:MAX_CORPUS]


def compute(params: BPEParams) -> dict[str, Any]:
    text = params.corpus if params.corpus is not None else CORPORA[params.preset]
    corpus_words = text.split()
    result = learn(Counter(corpus_words), params.merges)
    base = sorted({c for w in corpus_words for c in w} | {END})
    vocab, seen = list(base), set(base)
    for a, b in result["merges"]:
        if a + b not in seen:
            vocab.append(a + b)
            seen.add(a + b)
    characters = sum(len(w) for w in corpus_words)
    tokens = result["token_counts"]
    return {
        "merges": [list(m) for m in result["merges"]],
        "vocab": vocab,
        "tokens": [result["final"][w] for w in corpus_words],
        "pair_counts": result["pair_counts"],
        "token_counts": tokens,
        "characters": characters,
        "words": len(corpus_words),
        "base_vocab": len(base),
        "chars_per_token": characters / tokens[-1],
        "stopped_early": len(result["merges"]) < params.merges,
    }


def view(params: BPEParams, result: dict[str, Any]) -> dict[str, Any]:
    steps = list(range(len(result["token_counts"])))
    ratio = [result["characters"] / t for t in result["token_counts"]]
    plot = line_plot(
        [Series(steps, ratio, "characters per token", kind="both")],
        title="Compression as merges are learned",
        desc="Characters per token (the end-of-word symbols count as tokens) after each merge",
        x_label="merges",
        y_label="characters per token",
        x_range=(0, max(len(steps) - 1, 1)),
    )
    vocab = result["vocab"]
    base = result["base_vocab"]
    words = result["tokens"][:SHOWN_WORDS]
    return {
        "plot": plot,
        "rows": [
            {"k": k + 1, "left": a, "right": b, "new": a + b, "count": c, "tokens": t}
            for k, ((a, b), c, t) in enumerate(
                zip(
                    result["merges"], result["pair_counts"], result["token_counts"][1:], strict=True
                )
            )
        ],
        "base": vocab[:base],
        "added": vocab[base:],
        "words": [" · ".join(w) for w in words],
        "more_words": max(0, result["words"] - SHOWN_WORDS),
        "ratio": fmt(result["chars_per_token"]),
        "start_ratio": fmt(ratio[0]),
        "next": min(params.merges + 1, MAX_MERGES),
        "back": max(params.merges - 1, 0),
        "jump": min(params.merges + 10, MAX_MERGES),
    }


DEMO = Demo(
    slug="bpe",
    title="Byte-pair encoding",
    summary="Learn BPE merges on a small corpus step by step: each merge, the growing "
    "vocabulary, the corpus re-tokenized and its compression in characters per token.",
    params=BPEParams,
    compute=compute,
    view=view,
    explain=(
        "BPE starts from characters (plus an end-of-word mark `</w>`, so that a suffix like "
        "`est</w>` differs from `est` inside a word) and repeatedly merges the most frequent "
        "adjacent pair into a new symbol. Frequent words end up as one token, rare ones stay "
        "split into reusable pieces — no word is ever out of vocabulary, because the "
        "characters remain. Step through the merges: the first ones are common letter pairs "
        "and suffixes (`es`, `est`, `est</w>`), later ones whole words. Each merge adds one "
        "symbol to the vocabulary and lowers the token count by that pair's frequency, so "
        "characters per token rises quickly and then flattens. Morphology shows up by itself: "
        "German compounds share `Haus`, Turkish suffixes like `ler` and `de` become tokens. "
        "GPT-2 runs the same algorithm on bytes instead of characters, after a regex split."
    ),
    examples={
        "maximum": {"corpus": _random_corpus(), "merges": MAX_MERGES},
        "first-merge": {"merges": 1},
        "sennrich-10": {"merges": 10},
        "english": {"preset": "english", "merges": 30},
        "german-compounds": {"preset": "german", "merges": 40},
        "turkish-suffixes": {"preset": "turkish", "merges": 30},
        "french-verbs": {"preset": "french", "merges": 30},
        "python-code": {"preset": "python", "merges": 40},
        "low-lower-lowest": {"corpus": "low lower lowest low lower low", "merges": 5},
    },  # fmt: skip
    predict=Prediction(
        question="On the corpus “low ×5, lower ×2, newest ×6, widest ×3”, which pair is "
        "merged first — and why that one among those tied?",
        preset="first-merge",
        answer=(
            "`e s` → `es`. Three pairs occur 9 times (6 in newest + 3 in widest): `e s`, `s t` "
            "and `t </w>`; the tie goes to the smallest pair in string order, and `e` < `s` < "
            "`t`. `l o` and `o w` (7 each) and `w e` (8) come close behind."
        ),
    ),
)
