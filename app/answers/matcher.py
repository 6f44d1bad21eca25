"""Does a typed answer cover each key point of a card? Local and explainable, no model download.

Each text becomes a sequence of *terms*: lowercase words, British spellings mapped to American
ones, stop words dropped, Snowball stems, formula operators in words or symbols as one term each
("divided by" = "/", "square root of" = "√"), and every phrase of a synonym group (the card's
own, plus a few universal abbreviations) collapsed into one term. Terms are weighted by smooth
idf (app/answers/text.py) over the card's own texts, so words found everywhere in the card count
little.

A key point gets one of four marks:

- *contradicted*: a clause of the answer shares the point's words but says the opposite
  (app/answers/rules.py: negation, direction, swapped roles, divide vs multiply), and no clause
  states it the right way more fully; or the answer says one of the point's authored
  confusions (the wrong statements a card lists under the point);
- *covered*: otherwise, when the idf-weighted share of its terms found in the answer, or the
  best TF-IDF cosine between the point and one sentence of the answer, reaches its threshold;
- *partly*: some of its weight is there, short of the threshold;
- *missing*: none of that.

The suggested grade counts covered points, is capped at Hard when any point is contradicted,
and is Again when the answer is too short to judge. Known limit: paraphrase without shared
words ("you can't use it for real-time tasks" for "not for streaming").
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import snowballstemmer

from app.answers.rules import (
    CONTRAST_OF,
    DIVIDE,
    OPERATOR_WORDS,
    ROOT,
    Clause,
    Word,
    annotate,
    direction_flip,
    negation_flip,
    operator_flip,
    role_swap,
)
from app.answers.text import Weights, cosine

# Chosen on the tuning cards of bench/labels/matcher_eval_set.yaml (the held-out ones untouched).
COVERAGE_THRESHOLD = 0.3
COSINE_THRESHOLD = 0.25
PARTLY_THRESHOLD = 0.15
MIN_SHARED_TERMS = 2  # one shared word ("t", "mask") is not evidence enough
# A clause is compared with a clause of the key point when it holds this share of its weight.
CLAUSE_SHARE = 0.3
CONFUSION_SHARE = 0.7  # an answer clause holding this share of a confusion clause says it
OWN_SHARE = 0.5  # ... and this share of the weight of its words that the key point lacks
MIN_ANSWER_TERMS = 3  # fewer content words than this is too short to judge
GOOD_SHARE, HARD_SHARE = 0.8, 0.5  # suggested grade: Good from 80 % covered, Hard from 50 %
AGAIN, HARD, GOOD = 1, 2, 3
MAX_ANSWER_CHARS = 20_000  # the longest answer text kept or checked (typed, interview, own card)
SENTENCE_END = re.compile(r"[.;:!?\n]+(?:\s|$)|\n")
CLAUSE_BREAK = re.compile(r"[,;:!?\n]|\.(?:\s|$)")
CLAUSE_WORDS = frozenset(["but", "whereas", "while", "although", "however", "and"])
TOKEN = re.compile(r"(?<![\w)])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?![\w.])|\w+|[√/÷·×*]")
Status = Literal["covered", "partly", "contradicted", "missing"]

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
    ("one", "1"),
    ("two", "2"),
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
    stemmed: str = _stemmer().stemWord(word)  # snowballstemmer ships no types
    return stemmed


@dataclass(frozen=True)
class Token:
    """One word of a text: where it is, its lowercase form and its term (None: a stop word)."""

    start: int
    end: int
    term: str | None
    word: str = ""


def _raw_tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    for match in TOKEN.finditer(text):
        word = match.group().lower()
        if word in OPERATOR_WORDS:
            term: str | None = OPERATOR_WORDS[word]
        elif word == "root" and tokens and tokens[-1].word == "square":
            tokens[-1] = Token(tokens[-1].start, tokens[-1].end, ROOT, "square")
            term = None
        elif word == "over" and tokens and tokens[-1].word in ("one", "1"):
            term = DIVIDE
        else:
            term = None if word in STOP_WORDS else stem(word)
        tokens.append(Token(match.start(), match.end(), term, word))
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


def all_tokens(text: str, synonyms: Synonyms) -> list[Token]:
    """Every word of the text, stop words included, with synonym phrases collapsed."""
    tokens = _raw_tokens(text[:MAX_ANSWER_CHARS])
    content = [i for i, t in enumerate(tokens) if t.term]
    terms = [tokens[i].term for i in content]
    out = list(tokens)
    k = 0
    while k < len(content):
        for phrase, label in synonyms.by_first.get(terms[k] or "", ()):  # longest first
            if tuple(terms[k : k + len(phrase)]) == phrase:
                for j in content[k : k + len(phrase)]:
                    out[j] = Token(tokens[j].start, tokens[j].end, label, tokens[j].word)
                k += len(phrase) - 1
                break
        k += 1
    return out


def terms_of(text: str, synonyms: Synonyms) -> list[str]:
    """The text's content terms in order, with synonym phrases collapsed."""
    return [t.term for t in all_tokens(text, synonyms) if t.term]


def _pieces(
    text: str, tokens: list[Token], breaks: re.Pattern[str], words: frozenset[str]
) -> list[list[Token]]:
    """Split tokens where the text between two of them holds a break, or before a break word
    (never inside parentheses: "(sparsity, feature selection)" belongs to its clause)."""
    pieces: list[list[Token]] = [[]]
    previous_end, depth = 0, 0
    for token in tokens:
        gap = text[previous_end : token.start]
        depth = max(0, depth + gap.count("(") - gap.count(")"))
        if pieces[-1] and not depth and (breaks.search(gap) or token.word in words):
            pieces.append([])
        pieces[-1].append(token)
        previous_end = token.end
    return [p for p in pieces if p]


def _merged(pieces: list[list[Token]]) -> list[list[Token]]:
    """Pieces with fewer than two content words join the previous one ("0 and 1" stays one)."""
    out: list[list[Token]] = []
    for piece in pieces:
        if out and sum(1 for t in piece if t.term) < 2:
            out[-1] = out[-1] + piece
        else:
            out.append(piece)
    return out


def clauses(text: str, tokens: list[Token]) -> list[Clause]:
    """The text's clauses, each word marked negated or not and signed by direction words."""
    return [
        Clause(annotate([Word(t.word, t.term, t.start, t.end) for t in piece], text))
        for piece in _merged(_pieces(text, tokens, CLAUSE_BREAK, CLAUSE_WORDS))
    ]


@dataclass(frozen=True)
class PointResult:
    """One key point: its mark, why (the two scores, the reason), and the words it matched."""

    index: int
    text: str
    status: Status
    coverage: float
    cosine: float
    matched: tuple[str, ...]  # the answer's words that matched, in answer order
    reason: str = ""  # why contradicted: the rule, or the confusion the answer said

    @property
    def covered(self) -> bool:
        return self.status == "covered"

    @property
    def contradicted(self) -> bool:
        return self.status == "contradicted"


@dataclass(frozen=True)
class Segment:
    """A piece of the answer text; ``points`` are the key points (1-based) its word matched."""

    text: str
    points: tuple[int, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    points: list[PointResult]
    segments: list[Segment] = field(default_factory=list)
    too_short: bool = False

    @property
    def covered_count(self) -> int:
        return sum(p.covered for p in self.points)

    @property
    def suggested_rating(self) -> int:
        return suggest_rating(
            [p.covered for p in self.points],
            [p.contradicted for p in self.points],
            too_short=self.too_short,
        )


def suggest_rating(
    marks: Sequence[bool], contradicted: Sequence[bool] = (), *, too_short: bool = False
) -> int:
    """Good (3) from 80 % of points covered, Hard (2) from 50 %, else Again (1).

    At most Hard while a point marked contradicted is not ticked covered (the user may still
    tick it: they decide), and Again for an answer too short to judge.
    """
    if too_short:
        return AGAIN
    if not marks:
        return GOOD
    share = sum(marks) / len(marks)
    rating = GOOD if share >= GOOD_SHARE else HARD if share >= HARD_SHARE else AGAIN
    if any(c and not m for c, m in zip(contradicted, marks, strict=False)):
        rating = min(rating, HARD)
    return rating


@dataclass(frozen=True)
class _Text:
    """A piece of text ready for comparison: clauses, unique terms and their total weight."""

    text: str
    clauses: list[Clause]
    terms: set[str]


@lru_cache(maxsize=8192)
def _prepared(text: str, groups: tuple[tuple[str, ...], ...]) -> _Text:
    """A key point or confusion, prepared once per card (cards rarely change)."""
    tokens = all_tokens(text, _synonyms(groups))
    return _Text(text, clauses(text, tokens), {t.term for t in tokens if t.term})


def _share(terms: Set[str], found: Set[str], weights: Weights) -> float:
    total = sum(weights.of(t) for t in terms)
    return sum(weights.of(t) for t in terms & found) / total if total else 0.0


def _compare(
    part: Clause, answer: list[Clause], weights: Weights, own: Set[str] = frozenset()
) -> tuple[float, float, str]:
    """The best share of ``part`` an answer clause states the same way, the best one it states
    the opposite way, and why (negation, direction, roles, operators).

    With ``own`` (a confusion's words that its key point lacks), a clause agrees only when it
    holds at least half of their weight: sharing the key point's words is not saying the
    confusion.
    """
    part_terms = part.terms
    own = own & part_terms
    agree, flipped, why = 0.0, 0.0, ""
    for clause in answer:
        shared = part_terms & clause.extended
        share = _share(part_terms, shared, weights)
        if share < CLAUSE_SHARE:
            continue
        if own and _share(own, shared, weights) < OWN_SHARE:
            continue
        if own and any(CONTRAST_OF.get(t) and t not in clause.terms for t in part_terms):
            continue  # "L1 is a Gaussian prior" is said only by a clause that names L1
        reason = (
            negation_flip(part, clause, shared)
            or direction_flip(part, clause, shared)
            or role_swap(part, clause, shared)
            or operator_flip(part, clause)
        )
        if reason and share > flipped:
            flipped, why = share, reason
        elif not reason:
            agree = max(agree, share)
    return agree, flipped, why


def contradiction(point: _Text, answer: list[Clause], weights: Weights) -> str:
    """Why a clause of the answer says the opposite of a clause of the point ("" if none).

    A clause of the point is contradicted when the answer clause that flips it holds more of
    its weight than every answer clause that agrees with it.
    """
    for part in point.clauses:
        agree, flipped, why = _compare(part, answer, weights)
        if flipped > agree:
            return why
    return ""


def states(claim: _Text, answer: list[Clause], weights: Weights, point_terms: set[str]) -> bool:
    """Does the answer say ``claim`` (an authored confusion), every clause of it the same way?

    The same rules as for key points, so "L2 … Gaussian, L1 … Laplace" does not say "L1 is a
    Gaussian prior"; and the clause that says it must hold the confusion's own words.
    """
    own = claim.terms - point_terms
    for part in claim.clauses:
        agree, flipped, _ = _compare(part, answer, weights, own)
        if agree < CONFUSION_SHARE or flipped > agree:
            return False
    return True


def match(
    answer: str,
    key_points: Sequence[str],
    synonyms: Iterable[Sequence[str]] = (),
    context: Sequence[str] = (),
    confusions: Sequence[Sequence[str]] = (),
) -> MatchResult:
    """Mark each key point covered, partly, contradicted or missing in ``answer``.

    Args:
        answer: the user's typed answer.
        key_points: the card's key points, in order.
        synonyms: the card's equivalence groups, e.g. ``[["ReLU", "rectified linear"]]``.
        context: more of the card's texts (question, answer paragraphs) for the idf weights.
        confusions: per key point, the wrong statements that mark it contradicted.

    Returns:
        One result per key point, and the answer cut into segments for highlighting.
    """
    key = tuple(tuple(g) for g in synonyms)
    groups = _synonyms(key)
    answer = answer[:MAX_ANSWER_CHARS]
    tokens = all_tokens(answer, groups)
    answer_tokens = [t for t in tokens if t.term]
    points = [_prepared(p, key) for p in key_points]
    point_terms = [terms_of(p, groups) for p in key_points]
    context_terms = [terms_of(c, groups) for c in context]
    weights = Weights([*point_terms, *context_terms])
    answer_clauses = clauses(answer, tokens)
    sentence_tokens = _pieces(answer, tokens, SENTENCE_END, frozenset())
    answer_set = {t.term for t in answer_tokens if t.term}
    for clause in answer_clauses:
        answer_set |= clause.extended
    windows = [weights.vector([t.term for t in s if t.term]) for s in sentence_tokens]
    results = []
    for index, (text, terms, point) in enumerate(zip(key_points, point_terms, points, strict=True)):
        unique = set(terms)
        total = sum(weights.of(t) for t in unique)
        found = sum(weights.of(t) for t in unique & answer_set)
        coverage = found / total if total else 0.0
        vector = weights.vector(terms) if terms else {}
        best = max((cosine(vector, w) for w in windows), default=0.0)
        shared = len(unique & answer_set)
        enough = shared >= min(MIN_SHARED_TERMS, len(unique))
        own = [_prepared(c, key) for c in (confusions[index] if index < len(confusions) else ())]
        said = next((c for c in own if states(c, answer_clauses, weights, unique)), None)
        if said is not None:
            reason = f"says a known confusion: “{said.text}”"
        else:
            reason = contradiction(point, answer_clauses, weights) if enough else ""
        status: Status
        if reason:
            status = "contradicted"
        elif enough and (coverage >= COVERAGE_THRESHOLD or best >= COSINE_THRESHOLD):
            status = "covered"
        elif enough and coverage >= PARTLY_THRESHOLD:
            status = "partly"
        else:
            status = "missing"
        matched = tuple(
            dict.fromkeys(answer[t.start : t.end] for t in answer_tokens if t.term in unique)
        )
        results.append(PointResult(index + 1, text, status, coverage, best, matched, reason))
    too_short = len(answer_tokens) < MIN_ANSWER_TERMS
    return MatchResult(results, _segments(answer, answer_tokens, point_terms), too_short)


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
