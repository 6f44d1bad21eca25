"""The answer checker's own text statistics: words, smooth idf, log tf and the cosine.

The same formulas as the TF-IDF demo shows (smooth idf ``ln((1 + n) / (1 + df)) + 1``, log tf
``1 + ln(count)``), kept here so that changing the teaching demo cannot change how answers
are graded, and in plain Python because a card has a few dozen terms, where NumPy's call
overhead costs more than the arithmetic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

WORD = re.compile(r"\w+")


def smooth_idf(df: int, n: int) -> float:
    """Smooth idf of a term found in ``df`` of ``n`` documents (never zero, defined for df = 0)."""
    return math.log((1 + n) / (1 + df)) + 1


class Weights:
    """Smooth idf over a card's own texts, so words found everywhere in the card count little."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.n = len(documents)
        df = Counter(term for doc in documents for term in set(doc))
        self.idf = {term: smooth_idf(count, self.n) for term, count in df.items()}
        self.unseen = smooth_idf(0, self.n)

    def of(self, term: str) -> float:
        return self.idf.get(term, self.unseen)

    def vector(self, terms: Sequence[str]) -> dict[str, float]:
        """The text's tf-idf weights, tf = 1 + ln(count)."""
        return {t: (1 + math.log(c)) * self.of(t) for t, c in Counter(terms).items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    norms = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norms if norms > 0 else 0.0
