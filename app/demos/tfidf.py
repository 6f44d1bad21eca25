"""TF-IDF on a small corpus, a cosine-similarity query, and the classic worked example.

Counting is sparse (one entry per distinct term of a document), so 200 documents of 5,000
characters cost milliseconds; only the ``MAX_COLUMNS`` most frequent terms are returned as
matrix columns, while norms, top terms and query scores always use the whole vocabulary.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from app.charts.heat import heat_levels
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams

MAX_DOCUMENTS = 200
MAX_CHARS = 5000
MAX_COLUMNS = 100
TOP_TERMS = 5
SHOWN_ROWS, SHOWN_COLUMNS = 30, 30  # of the heat table on the page
TOKEN = re.compile(r"\w+")
# On ASCII text \w is [A-Za-z0-9_]: blanking every other character and splitting finds the
# same words as the regex, about three times faster.
ASCII_NON_WORD = str.maketrans(
    {chr(i): " " for i in range(128) if not (chr(i).isascii() and (chr(i).isalnum() or i == 95))}
)
Log = Callable[[np.ndarray], np.ndarray]
LOG = {"e": np.log, "2": np.log2, "10": np.log10}

CORPORA: dict[str, list[str]] = {
    "animals": [
        "The cat sat on the mat.",
        "The dog sat on the log.",
        "Cats and dogs are animals; the cat chased the dog.",
        "A bird sang on the branch of the tree.",
    ],
    "deep-learning": [
        "Gradient descent updates the weights against the gradient of the loss.",
        "Dropout randomly zeroes activations during training to reduce overfitting.",
        "The learning rate scales every gradient descent step.",
        "Attention weights are a softmax over the scaled dot products of queries and keys.",
        "Batch normalization normalizes activations with the batch mean and variance.",
    ],
    "reviews": [
        "Great phone, great battery, terrible camera.",
        "The camera is great but the battery drains fast.",
        "Battery life is fine; the screen is great.",
        "Terrible screen, terrible support, would not buy again.",
    ],
}

Document = Annotated[str, Field(max_length=MAX_CHARS)]


class TfidfParams(DemoParams):
    corpus: Literal["animals", "deep-learning", "reviews"] = Field(
        "animals", description="An example corpus (used when no documents are given)"
    )
    documents: list[Document] | None = Field(
        None,
        max_length=MAX_DOCUMENTS,
        description=f"Your documents, one per line (≤ {MAX_DOCUMENTS} × {MAX_CHARS} characters)",
    )
    tf: Literal["raw", "frequency", "log"] = Field(
        "frequency", description="Term frequency: count, count / document length, or 1 + log(count)"
    )
    idf: Literal["standard", "smooth"] = Field(
        "standard", description="log(N / df), or log((1 + N) / (1 + df)) + 1"
    )
    log_base: Literal["e", "2", "10"] = Field("e", description="Base of every logarithm")
    norm: Literal["none", "l2"] = Field("none", description="Scale each document row to length 1")
    query: str = Field("", max_length=1000, description="Rank the documents by cosine similarity")
    count: int = Field(3, ge=0, le=10**9, description="Worked example: occurrences of the term")
    doc_length: int = Field(100, ge=1, le=10**9, description="Worked example: words in document")
    n_docs: int = Field(10_000_000, ge=1, le=10**12, description="Worked example: documents N")
    df_docs: int = Field(1000, ge=1, le=10**12, description="Worked example: documents with term")

    @field_validator("log_base", mode="before")
    @classmethod
    def _base_as_text(cls, value: Any) -> Any:
        """Accept 2, 10 (numbers) as well as "2", "10"."""
        if isinstance(value, int | float) and not isinstance(value, bool) and value in (2, 10):
            return str(int(value))
        return value

    @model_validator(mode="after")
    def _worked_example_is_consistent(self) -> TfidfParams:
        if self.count > self.doc_length:
            raise ValueError("count must be at most doc_length")
        if self.df_docs > self.n_docs:
            raise ValueError("df_docs must be at most n_docs")
        return self


def tokenize(text: str) -> list[str]:
    """Lowercase Unicode words."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered.translate(ASCII_NON_WORD).split()
    return TOKEN.findall(lowered)


def term_frequency(counts: np.ndarray, lengths: np.ndarray, kind: str, log: Log) -> np.ndarray:
    """tf of positive counts in documents of the given lengths."""
    if kind == "raw":
        return counts.astype(float)
    if kind == "frequency":
        return counts / np.maximum(lengths, 1)
    return 1 + log(counts)


def inverse_document_frequency(df: np.ndarray, n: int, kind: str, log: Log) -> np.ndarray:
    """idf of terms present in df of the n documents."""
    if kind == "standard":
        return log(n / df)
    return log((1 + n) / (1 + df)) + 1


def worked_example(params: TfidfParams) -> dict[str, Any]:
    """tf, idf and tf-idf of one term from counts, for the chosen base and for every base."""
    counts = np.array([params.count])
    lengths = np.array([params.doc_length])
    df = np.array([params.df_docs])
    by_base = {}
    for base, log in LOG.items():
        tf = float(term_frequency(counts, lengths, params.tf, log)[0]) if params.count else 0.0
        idf = float(inverse_document_frequency(df, params.n_docs, params.idf, log)[0])
        by_base[base] = {"tf": tf, "idf": idf, "tfidf": tf * idf}
    return {**by_base[params.log_base], "by_base": by_base}


@dataclass(frozen=True)
class _Weights:
    """The non-zero entries of the document-term matrix as (row, col, value) triplets."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    n_docs: int

    def row_norms(self) -> np.ndarray:
        return np.sqrt(np.bincount(self.rows, weights=self.values**2, minlength=self.n_docs))

    def dense(self, values: np.ndarray, position: np.ndarray, width: int) -> np.ndarray:
        """A (documents × width) matrix of ``values`` at the columns ``position`` maps to."""
        keep = position[self.cols] >= 0
        matrix = np.zeros((self.n_docs, width))
        matrix[self.rows[keep], position[self.cols[keep]]] = values[keep]
        return matrix


def compute(params: TfidfParams) -> dict[str, Any]:
    """Vocabulary, df, idf and the tf / tf-idf matrices (rows documents, columns terms)."""
    documents = list(params.documents) if params.documents else CORPORA[params.corpus]
    log = LOG[params.log_base]
    tokens = [tokenize(d) for d in documents]
    n = len(documents)
    lengths = np.array([len(t) for t in tokens], dtype=float)
    vocabulary = np.array(sorted(set(chain.from_iterable(tokens))), dtype=str)
    column = dict(zip(vocabulary.tolist(), range(vocabulary.size), strict=True))
    term_ids = np.fromiter(
        map(column.__getitem__, chain.from_iterable(tokens)),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    # sparse triplets: one (document, term, count) per distinct term of a document
    doc_ids = np.repeat(np.arange(n), lengths.astype(int))
    pairs, counts = np.unique(doc_ids * vocabulary.size + term_ids, return_counts=True)
    rows, cols = np.divmod(pairs, max(vocabulary.size, 1))
    counts = counts.astype(float)
    df = np.bincount(cols, minlength=vocabulary.size)
    idf = inverse_document_frequency(df, n, params.idf, log)
    tf = term_frequency(counts, lengths[rows], params.tf, log)
    weights = _Weights(rows, cols, tf * idf[cols], n)
    if params.norm == "l2":
        norms = weights.row_norms()[rows]
        weights = _Weights(rows, cols, weights.values / np.where(norms > 0, norms, 1.0), n)

    shown = _shown_columns(df)
    position = np.full(vocabulary.size, -1)
    position[shown] = np.arange(shown.size)
    return {
        "vocabulary": vocabulary[shown].tolist(),
        "df": df[shown].tolist(),
        "idf": idf[shown].tolist(),
        "tf": weights.dense(tf, position, shown.size).tolist(),
        "tfidf": weights.dense(weights.values, position, shown.size).tolist(),
        "vocabulary_size": vocabulary.size,
        "documents": documents,
        "top_terms": _top_terms(weights, vocabulary),
        "ranking": _rank(params, column, idf, weights),
        "worked": worked_example(params),
    }


def _shown_columns(df: np.ndarray) -> np.ndarray:
    """Indices (alphabetical) of the MAX_COLUMNS terms with the highest df."""
    if df.size <= MAX_COLUMNS:
        return np.arange(df.size)
    return np.sort(np.lexsort((np.arange(df.size), -df))[:MAX_COLUMNS])


def _top_terms(weights: _Weights, vocabulary: np.ndarray) -> list[list[list[Any]]]:
    """The highest-weighted terms of each document as [term, weight] (ties alphabetical)."""
    # triplets come sorted by (row, col) and lexsort is stable: equal weights stay alphabetical
    order = np.lexsort((-weights.values, weights.rows))
    rows = weights.rows[order]
    first_of_row = np.searchsorted(rows, rows)  # rows are sorted: index of each row's start
    rank = np.arange(rows.size) - first_of_row
    chosen = order[(rank < TOP_TERMS) & (weights.values[order] > 0)]
    top: list[list[list[Any]]] = [[] for _ in range(weights.n_docs)]
    terms = vocabulary[weights.cols[chosen]].tolist()
    for i, term in zip(chosen.tolist(), terms, strict=True):
        top[weights.rows[i]].append([term, float(weights.values[i])])
    return top


def _rank(
    params: TfidfParams, column: dict[str, int], idf: np.ndarray, weights: _Weights
) -> list[dict[str, Any]]:
    """Documents by cosine similarity to the query's tf-idf vector (unknown terms ignored)."""
    tokens = tokenize(params.query)
    query = Counter(t for t in tokens if t in column)
    if not query:
        return []
    q_cols = np.array([column[t] for t in query])
    q_counts = np.array(list(query.values()), dtype=float)
    q_tf = term_frequency(q_counts, np.array([len(tokens)]), params.tf, LOG[params.log_base])
    q_vector = np.zeros(idf.size)
    q_vector[q_cols] = q_tf * idf[q_cols]
    n = weights.n_docs
    dots = np.bincount(weights.rows, weights=weights.values * q_vector[weights.cols], minlength=n)
    denominator = weights.row_norms() * float(np.sqrt((q_vector**2).sum()))
    scores = np.where(denominator > 0, dots / np.where(denominator > 0, denominator, 1.0), 0.0)
    order = np.lexsort((np.arange(n), -scores))
    return [{"document": int(i), "score": float(scores[i])} for i in order.tolist()]


def worked_steps(params: TfidfParams, worked: dict[str, Any]) -> list[str]:
    """The worked example as three lines of arithmetic, in the chosen tf, idf and base."""
    log = {"e": "ln", "2": "log₂", "10": "log₁₀"}[params.log_base]
    n, df = f"{params.n_docs:,}", f"{params.df_docs:,}"
    tf = {
        "raw": f"tf = count = {params.count}",
        "frequency": f"tf = {params.count} / {params.doc_length:,} = {fmt(worked['tf'])}",
        "log": f"tf = 1 + {log}({params.count}) = {fmt(worked['tf'])}",
    }[params.tf]
    if params.count == 0:
        tf = "tf = 0 (the term does not occur)"
    idf = (
        f"idf = {log}({n} / {df}) = {fmt(worked['idf'])}"
        if params.idf == "standard"
        else f"idf = {log}((1 + {n}) / (1 + {df})) + 1 = {fmt(worked['idf'])}"
    )
    product = f"tf-idf = {fmt(worked['tf'])} × {fmt(worked['idf'])} = {fmt(worked['tfidf'])}"
    return [tf, idf, product]


def idf_note(params: TfidfParams, result: dict[str, Any]) -> str:
    """What happens to the terms every document contains, said from the numbers shown."""
    n = len(result["documents"])
    everywhere = [t for t, df in zip(result["vocabulary"], result["df"], strict=True) if df == n]
    if not everywhere:
        low = min(range(len(result["idf"])), key=lambda i: (result["idf"][i], i), default=None)
        if low is None:
            return "The documents have no words."
        return (
            f"No term is in all {n} documents, so idf leaves every weight above 0; the most "
            f"common term, “{result['vocabulary'][low]}” (df {result['df'][low]}), has the "
            f"lowest idf, {fmt(result['idf'][low])}."
        )
    named = ", ".join(f"“{t}”" for t in everywhere[:6]) + (" …" if len(everywhere) > 6 else "")
    column = {t: i for i, t in enumerate(result["vocabulary"])}
    weights = [row[column[t]] for row in result["tfidf"] for t in everywhere]
    idf = result["idf"][column[everywhere[0]]]
    one = len(everywhere) == 1
    are, their = ("is", "its") if one else ("are", "their")
    if params.idf == "standard":
        return (
            f"{named} {are} in all {n} documents: idf = log({n}/{n}) = {fmt(idf)}, so {their} "
            f"weight is {fmt(max(weights))} in every document: "
            + ("it vanishes." if one else "they vanish.")
        )
    return (
        f"{named} {are} in all {n} documents, yet the smooth idf gives {'it' if one else 'them'} "
        f"{fmt(idf)} (the lowest), so {their} weights range from {fmt(min(weights))} to "
        f"{fmt(max(weights))}: small, not 0. The standard idf would make them exactly 0."
    )


def view(params: TfidfParams, result: dict[str, Any]) -> dict[str, Any]:
    matrix = np.array(result["tfidf"]).reshape(len(result["tfidf"]), -1)
    levels = heat_levels(matrix)[:SHOWN_ROWS, :SHOWN_COLUMNS]
    matrix = matrix[:SHOWN_ROWS, :SHOWN_COLUMNS]
    table = [
        {
            "label": f"d{i + 1}",
            "cells": [{"value": fmt(v), "level": int(lv)} for v, lv in zip(row, lvl, strict=True)],
        }
        for i, (row, lvl) in enumerate(zip(matrix.tolist(), levels.tolist(), strict=True))
    ]
    worked = result["worked"]
    return {
        "idf_note": idf_note(params, result),
        "worked_steps": worked_steps(params, worked),
        "table": table,
        "hidden_rows": max(0, len(result["tfidf"]) - SHOWN_ROWS),
        "columns": result["vocabulary"][:SHOWN_COLUMNS],
        "hidden_columns": max(0, result["vocabulary_size"] - SHOWN_COLUMNS),
        "vocabulary_rows": list(
            zip(result["vocabulary"], result["df"], [fmt(v) for v in result["idf"]], strict=True)
        ),
        "snippets": [d[:120] for d in result["documents"]],
        "worked_rows": [
            {"base": base, "tf": fmt(w["tf"]), "idf": fmt(w["idf"]), "tfidf": fmt(w["tfidf"])}
            for base, w in worked["by_base"].items()
        ],
    }


def _maximum_documents() -> list[str]:
    """200 × 5,000 characters over a vocabulary of 3,000 terms: term (7919 d + 31 k²) mod 3000
    is the k-th word of document d (joined from NumPy indices: f-strings took 0.1 s a start)."""
    names = np.array([f"t{i}" for i in range(3000)], dtype=object)
    k = np.arange(1000)
    return [
        " ".join(names[(d * 7919 + k * k * 31) % 3000])[:MAX_CHARS] for d in range(MAX_DOCUMENTS)
    ]


DEMO = Demo(
    slug="tfidf",
    title="TF-IDF calculator",
    summary="Term frequency × inverse document frequency on your own documents, step by step.",
    params=TfidfParams,
    compute=compute,
    view=view,
    explain=(
        "A term weighs a lot in a document when it is **frequent there** (tf) and **rare in "
        "the corpus** (idf). Words present in every document get idf log(N/N) = 0 with the "
        "standard formula and vanish (the note under the matrix names them); the smooth "
        "variant (scikit-learn's default) adds one to N and df and one to the result, so no "
        "weight is ever exactly 0. "
        "The base of the logarithm only rescales idf by a constant (log₁₀ x = ln x / ln 10), "
        "so rankings do not change — but the numbers do, which is why the classic example "
        "(3 of 100 words; 1,000 of 10,000,000 documents: tf 0.03, idf log₁₀ 10⁴ = 4, tf-idf "
        "0.12) gives 0.276 with the natural log. With l2 normalization each row has length 1 "
        "and the dot product of two rows is their cosine similarity, the query ranking below."
    ),
    examples={
        "maximum": {
            "documents": _maximum_documents(),
            "tf": "log",
            "idf": "smooth",
            "log_base": "10",
            "norm": "l2",
            "query": "w1x1 w2x2 w3x3 " * 60,
        },
        "classic": {"log_base": "10", "tf": "frequency", "idf": "standard"},
        "smooth-l2": {"corpus": "reviews", "idf": "smooth", "norm": "l2", "query": "great camera"},
    },
)
