"""Does a typed answer cover each key point of a card? Local and explainable, no model download.

Each text becomes a sequence of *terms*: lowercase words, British
spellings mapped to American ones, stop words dropped, Snowball stems, and every phrase of a
synonym group (the card's own, plus a few universal abbreviations) collapsed into one term.
Terms are weighted by smooth idf (app/answers/text.py) over the card's own texts (question, key
points, answer paragraphs), so words that appear everywhere in the card count little.

A key point is *covered* when the idf-weighted share of its terms found in the answer, or the
best TF-IDF cosine between the key point and one sentence of the answer, reaches its threshold.
Known limits: negation ("does not use momentum") and paraphrase without shared words.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from app.answers.text import WORD, Weights, cosine

# Chosen on the even-numbered answers of bench/data/matcher_labels.yaml (the odd ones held out).
COVERAGE_THRESHOLD = 0.3
COSINE_THRESHOLD = 0.25
MIN_SHARED_TERMS = 2  # one shared word ("t", "mask") is not evidence enough
GOOD_SHARE, HARD_SHARE = 0.8, 0.5  # suggested grade: Good from 80 % covered, Hard from 50 %
AGAIN, HARD, GOOD = 1, 2, 3
MAX_ANSWER_CHARS = 20_000
SENTENCE_END = re.compile(r"[.;:!?\n]+")

# A short English stop-word list (function words carry no content).
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    either etc even every few for from further had has have having he her here hers him his
    how i if in into is it its itself just let like made make makes many may me might more
    most much must my no nor not now of off often on once only or other our out over own per
    same she should so some such than that the their them then there these they this those
    through thus to too under until up upon us use used uses using very via was we well were
    what when where which while who whom why will with would yet you your""".split()  # noqa: SIM905
)

# Abbreviations and spellings every deep-learning answer may use; cards add their own groups.
UNIVERSAL_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("learning rate", "lr", "step size"),
    ("stochastic gradient descent", "sgd"),
    ("gradient descent", "gd"),
    ("rectified linear unit", "relu"),
    ("batch normalization", "batch norm", "batchnorm", "bn"),
    ("layer normalization", "layer norm", "layernorm"),
    ("convolutional neural network", "cnn", "convnet"),
    ("recurrent neural network", "rnn"),
    ("long short-term memory", "lstm"),
    ("gated recurrent unit", "gru"),
    ("multilayer perceptron", "multi-layer perceptron", "mlp"),
    ("mean squared error", "mse"),
    ("cross entropy", "cross-entropy", "crossentropy"),
    ("backpropagation", "backprop", "back-propagation", "back propagation"),
    ("zero", "0"),
)

_SPELLINGS = (
    (re.compile(r"(?<=\w\w)is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"(?<=\w\w)ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=\w\w)tre(s?)$"), r"ter\1"),
    (re.compile(r"(?<=\w\w)our(s?)$"), r"or\1"),
    (re.compile(r"(?<=\w)elling$"), "eling"),
)
_stemmers = threading.local()  # Snowball stemmer objects keep state: one per thread


def _stemmer() -> snowballstemmer.stemmer:
    if not hasattr(_stemmers, "english"):
        _stemmers.english = snowballstemmer.stemmer("english")
    return _stemmers.english


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The term of one lowercase word: American spelling, then its Snowball stem."""
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return _stemmer().stemWord(word)


@dataclass(frozen=True)
class Token:
    """One word of a text: where it is, and its term (None for a stop word)."""

    start: int
    end: int
    term: str | None


def _raw_tokens(text: str) -> list[Token]:
    tokens = []
    for match in WORD.finditer(text):
        word = match.group().lower()
        term = None if word in STOP_WORDS else stem(word)
        tokens.append(Token(match.start(), match.end(), term))
    return tokens


@dataclass(frozen=True)
class Synonyms:
    """Phrases (as stem sequences) that collapse into one group term, by their first stem."""

    by_first: dict[str, tuple[tuple[tuple[str, ...], str], ...]]

    @classmethod
    def of(cls, groups: Iterable[Sequence[str]]) -> Synonyms:
        phrases: dict[tuple[str, ...], str] = {}
        for number, group in enumerate([*UNIVERSAL_SYNONYMS, *groups]):
            stems = [_phrase(p) for p in group]
            stems = [s for s in stems if s]
            if len(stems) < 2:
                continue
            label = f"≈{min(stems, key=lambda s: (len(s), s))[0]}{number}"
            for phrase in stems:
                phrases.setdefault(phrase, label)
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, label in sorted(phrases.items(), key=lambda item: (-len(item[0]), item[0])):
            by_first.setdefault(phrase[0], []).append((phrase, label))
        return cls({first: tuple(options) for first, options in by_first.items()})


@lru_cache(maxsize=1024)
def _synonyms(groups: tuple[tuple[str, ...], ...]) -> Synonyms:
    return Synonyms.of(groups)


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(t.term for t in _raw_tokens(text) if t.term)


def terms_of(text: str, synonyms: Synonyms) -> list[Token]:
    """The text's content tokens with synonym phrases collapsed (each word keeps its place)."""
    tokens = [t for t in _raw_tokens(text[:MAX_ANSWER_CHARS]) if t.term]
    terms = [t.term for t in tokens]
    out = list(tokens)
    i = 0
    while i < len(tokens):
        for phrase, label in synonyms.by_first.get(terms[i] or "", ()):  # longest first
            if tuple(terms[i : i + len(phrase)]) == phrase:
                for j in range(i, i + len(phrase)):
                    out[j] = Token(tokens[j].start, tokens[j].end, label)
                i += len(phrase) - 1
                break
        i += 1
    return out


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text) if s.strip()]


@dataclass(frozen=True)
class PointResult:
    """One key point: covered or not, why (the two scores), and the answer words it matched."""

    index: int
    text: str
    covered: bool
    coverage: float
    cosine: float
    matched: tuple[str, ...]  # the answer's words that matched, in answer order


@dataclass(frozen=True)
class Segment:
    """A piece of the answer text; ``points`` are the key points (1-based) its word matched."""

    text: str
    points: tuple[int, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    points: list[PointResult]
    segments: list[Segment] = field(default_factory=list)

    @property
    def covered_count(self) -> int:
        return sum(p.covered for p in self.points)

    @property
    def suggested_rating(self) -> int:
        return suggest_rating([p.covered for p in self.points])


def suggest_rating(marks: Sequence[bool]) -> int:
    """Good (3) from 80 % of points covered, Hard (2) from 50 %, else Again (1)."""
    if not marks:
        return GOOD
    share = sum(marks) / len(marks)
    if share >= GOOD_SHARE:
        return GOOD
    return HARD if share >= HARD_SHARE else AGAIN


def match(
    answer: str,
    key_points: Sequence[str],
    synonyms: Iterable[Sequence[str]] = (),
    context: Sequence[str] = (),
) -> MatchResult:
    """Mark each key point covered / not covered by ``answer``.

    Args:
        answer: the user's typed answer.
        key_points: the card's key points, in order.
        synonyms: the card's equivalence groups, e.g. ``[["ReLU", "rectified linear"]]``.
        context: more of the card's texts (question, answer paragraphs) for the idf weights.

    Returns:
        One result per key point, and the answer cut into segments for highlighting.
    """
    groups = _synonyms(tuple(tuple(g) for g in synonyms))
    answer_tokens = terms_of(answer, groups)
    point_terms = [[t.term for t in terms_of(p, groups)] for p in key_points]
    context_terms = [[t.term for t in terms_of(c, groups)] for c in context]
    weights = Weights([*point_terms, *context_terms])
    answer_set = {t.term for t in answer_tokens}
    windows = [
        weights.vector([t.term for t in terms_of(s, groups)])
        for s in _sentences(answer[:MAX_ANSWER_CHARS])
    ]
    results = []
    for index, (text, terms) in enumerate(zip(key_points, point_terms, strict=True)):
        unique = set(terms)
        total = sum(weights.of(t) for t in unique)
        found = sum(weights.of(t) for t in unique & answer_set)
        coverage = found / total if total else 0.0
        vector = weights.vector(terms) if terms else {}
        best = max((cosine(vector, w) for w in windows), default=0.0)
        shared = len(unique & answer_set)
        covered = shared >= min(MIN_SHARED_TERMS, len(unique)) and (
            coverage >= COVERAGE_THRESHOLD or best >= COSINE_THRESHOLD
        )
        matched = tuple(
            dict.fromkeys(answer[t.start : t.end] for t in answer_tokens if t.term in unique)
        )
        results.append(PointResult(index + 1, text, covered, coverage, best, matched))
    return MatchResult(results, _segments(answer, answer_tokens, point_terms))


def _segments(answer: str, tokens: list[Token], point_terms: list[list[str]]) -> list[Segment]:
    owners: dict[str, list[int]] = {}
    for number, terms in enumerate(point_terms, start=1):
        for term in set(terms):
            owners.setdefault(term, []).append(number)
    segments, cursor = [], 0
    for token in tokens:
        points = tuple(owners.get(token.term or "", ()))
        if not points:
            continue
        if token.start > cursor:
            segments.append(Segment(answer[cursor : token.start]))
        segments.append(Segment(answer[token.start : token.end], points))
        cursor = token.end
    if cursor < len(answer):
        segments.append(Segment(answer[cursor:]))
    return segments


FENCED_CODE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def card_context(question: str, answer_md: str) -> list[str]:
    """A card's texts for the idf weights: its question and each answer paragraph (no code)."""
    paragraphs = FENCED_CODE.sub("", answer_md).split("\n\n")
    return [question, *(p for p in paragraphs if p.strip())]
