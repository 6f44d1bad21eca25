"""Rules that tell a restatement of a key point from its opposite in the same words.

Shared words alone cannot tell "sigmoid saturates" from "sigmoid does not saturate". Each rule
compares one clause of the key point with one clause of the answer that share terms:

- negation (NegEx-style): a cue ("not", "never", "no longer", "instead of", "rather than",
  "n't") negates the terms after it up to the end of its clause or a turn word ("but"); a
  shared term negated on one side only flips the clause;
- direction: "more/less", "higher/lower", "increases/decreases", "faster/slower" attach a sign
  to the nearest content term; shared terms whose signs disagree flip the clause (compared
  relative to each other when several are signed, so "lower p, weaker regularization" agrees
  with "higher p, stronger regularization");
- roles: members of a contrast set (L1/L2, keys/queries/values, training/evaluation, forward/
  reverse, ...): the key point's member missing from the clause while another member stands
  in its place ("L2 ... Laplace prior" for "L1 ... Laplace prior") swaps the roles;
- formulas: the operator in front of a shared operand ("/ √d_k" against "· √d_k");
- numbers: a stated pair n → n/2 (or 2n) counts as "halving" (or "doubling").

Each rule returns a reason (a short sentence for the checklist) or None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Words that negate what follows in their clause. "t" is the tail of "doesn't" / "can't".
NEGATION_CUES = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "neither",
        "nor",
        "cannot",
        "without",
        "nothing",
        "instead",
        "rather",
        "unlike",
        "t",
    ]
)
# Words after which a negation no longer applies (NegEx's scope terminators).
SCOPE_ENDS = frozenset(
    [
        "but",
        "however",
        "although",
        "though",
        "yet",
        "whereas",
        "while",
        "which",
        "so",
        "because",
        "since",
        "whose",
    ]
)
PSEUDO_NEGATIONS = (("not", "only"), ("no", "matter"), ("not", "just"), ("nothing", "but"))
SCOPE_TERMS = 5  # a cue reaches this many content words at most

UP = frozenset(
    [
        "more",
        "higher",
        "high",
        "increase",
        "increases",
        "increased",
        "increasing",
        "raise",
        "raises",
        "raising",
        "raised",
        "larger",
        "bigger",
        "grow",
        "grows",
        "growing",
        "grew",
        "greater",
        "faster",
        "stronger",
        "longer",
        "rise",
        "rises",
        "rising",
        "up",
        "above",
        "sharper",
        "sharpens",
        "sharpen",
        "boosts",
        "amplifies",
        "inflates",
        "widens",
    ]
)
DOWN = frozenset(
    [
        "less",
        "lower",
        "low",
        "decrease",
        "decreases",
        "decreased",
        "decreasing",
        "reduce",
        "reduces",
        "reduced",
        "reducing",
        "smaller",
        "shrink",
        "shrinks",
        "shrinking",
        "shrank",
        "fewer",
        "slower",
        "weaker",
        "shorter",
        "drop",
        "drops",
        "dropping",
        "fall",
        "falls",
        "falling",
        "down",
        "below",
        "flatter",
        "flattens",
        "flatten",
        "cuts",
        "lowers",
        "lowering",
        "lowered",
        "diminishes",
        "narrows",
        "dampens",
    ]
)
VERB_DIRECTIONS = frozenset(
    w for w in UP | DOWN if w.endswith(("s", "ing", "ed")) or w in {"raise", "reduce", "grow"}
)

# Alternatives that play the same role: naming one where the key point names another is a swap.
# Written as stems (app/answers/matcher.py's stem()).
CONTRAST_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "l1 l2",
        "queri key valu",
        "encod decod",
        "train evalu infer test",
        "forward revers backward",
        "precis recal",
        "roc pr",
        "bias varianc",
        "gaussian laplac",
        "macro micro",
        "prefil decod",
        "draft target",
        "fan_in fan_out",
        "harmon arithmet geometr",
        "cover seek",
        "chosen reject",
        "total activ",
        "numer denomin",
        "row column",
        "max min averag",
        "sparser denser",
        "overfit underfit",
        "explod vanish",
    )
)
CONTRAST_OF = {stem: group for group in CONTRAST_SETS for stem in group}

# Operators of formulas, written in symbols or words, as one pseudo-term each.
DIVIDE, MULTIPLY, ROOT = "÷", "×", "√"
OPERATOR_WORDS = {
    "/": DIVIDE,
    "÷": DIVIDE,
    "divide": DIVIDE,
    "divides": DIVIDE,
    "divided": DIVIDE,
    "dividing": DIVIDE,
    "·": MULTIPLY,
    "×": MULTIPLY,
    "*": MULTIPLY,
    "times": MULTIPLY,
    "multiply": MULTIPLY,
    "multiplies": MULTIPLY,
    "multiplied": MULTIPLY,
    "multiplying": MULTIPLY,
    "√": ROOT,
    "sqrt": ROOT,
}
NUMBER = re.compile(r"^[-−]?\d+(?:,\d{3})*(?:\.\d+)?$")


@dataclass(frozen=True)
class Word:
    """One word of a clause: its lowercase form, its term (None for stop words), its place."""

    word: str
    term: str | None
    start: int
    end: int
    negated: bool = False
    head: bool = False  # the first content word a negation cue reaches: what it denies
    sign: int = 0  # +1 / -1 when a direction word attaches to this term


def _is_cue(words: Sequence[Word], i: int, text: str) -> bool:
    w = words[i].word
    if w not in NEGATION_CUES:
        return False
    if w == "t":
        return words[i].start > 0 and text[words[i].start - 1] in "'’"
    following = words[i + 1].word if i + 1 < len(words) else ""
    if (w, following) in PSEUDO_NEGATIONS:
        return False
    return w != "rather" or following == "than"


def annotate(words: list[Word], text: str) -> list[Word]:
    """Mark each word negated (inside a cue's scope), the cue's head, and direction signs."""
    negated = [False] * len(words)
    heads = [False] * len(words)
    for i in range(len(words)):
        if not _is_cue(words, i, text):
            continue
        reached = 0
        for j in range(i + 1, len(words)):
            if words[j].word in SCOPE_ENDS:
                break
            negated[j] = True
            if _content(words[j]):
                heads[j] = heads[j] or reached == 0
                reached += 1
                if reached >= SCOPE_TERMS:
                    break
    signs = [0] * len(words)
    for i, w in enumerate(words):
        direction = 1 if w.word in UP else -1 if w.word in DOWN else 0
        if not direction:
            continue
        if negated[i]:
            direction = -direction
        target = _direction_target(words, i)
        if target is not None and not signs[target]:
            signs[target] = direction
    return [
        Word(w.word, w.term, w.start, w.end, negated[i], heads[i], signs[i])
        for i, w in enumerate(words)
    ]


def _direction_target(words: Sequence[Word], i: int) -> int | None:
    """The content term a direction word qualifies: the next one ("higher p", "raises
    precision"), or for a verb with nothing after it, the previous one ("variance grows")."""
    after = next((j for j in range(i + 1, min(len(words), i + 4)) if _content(words[j])), None)
    before = next((j for j in range(i - 1, max(-1, i - 4), -1) if _content(words[j])), None)
    if words[i].word in VERB_DIRECTIONS and before is not None and after is None:
        return before
    return after if after is not None else before


def _content(word: Word) -> bool:
    return bool(word.term) and word.word not in UP and word.word not in DOWN


class Clause:
    """A clause's words, its terms and the first occurrence of each (computed once)."""

    def __init__(self, words: list[Word]) -> None:
        self.words = words
        self.by_term: dict[str, Word] = {}
        for w in words:
            if w.term and w.term not in self.by_term:
                self.by_term[w.term] = w
        self.terms = set(self.by_term)
        self.extended = self.terms | numeric_terms(words)  # with "halv"/"doubl" from numbers


def negation_flip(point: Clause, answer: Clause, shared: set[str]) -> str | None:
    """A shared term that one side denies (it heads a negation) and the other only affirms."""
    if len(shared) < 2:
        return None  # the denied word alone may be another clause's word in another role
    both = [
        t
        for t in shared
        if point.by_term.get(t)
        and answer.by_term.get(t)
        and point.by_term[t].negated
        and answer.by_term[t].negated
    ]
    if both:
        return None  # both deny the same thing ("not over the batch" / "instead of the batch")
    for term in sorted(shared):
        if _is_operator(term):
            continue
        p = [w for w in point.words if w.term == term]
        a = [w for w in answer.words if w.term == term]
        if not p or not a:
            continue  # a term derived from numbers ("halv") has no word to negate
        if {w.negated for w in p} & {w.negated for w in a}:
            continue  # said both ways, or the same way, on one side
        denied = a if a[0].negated else p
        if any(w.head for w in denied):
            said, meant = ("denies", "affirms") if a[0].negated else ("affirms", "denies")
            return f"the answer {said} “{a[0].word}”, which the key point {meant}"
    return None


def direction_flip(point: Clause, answer: Clause, shared: set[str]) -> str | None:
    """Signs of shared terms that disagree (relative to each other when two or more)."""
    p, a = point.by_term, answer.by_term
    shared = {t for t in shared if t in p and t in a}
    signed = [t for t in sorted(shared, key=lambda t: p[t].start) if p[t].sign and a[t].sign]
    if not signed:
        return None
    if len(signed) == 1:
        t = signed[0]
        if p[t].sign != a[t].sign:
            return f"opposite direction for “{a[t].word}”"
        return None
    ref = signed[0]
    for t in signed[1:]:
        if p[t].sign * p[ref].sign != a[t].sign * a[ref].sign:
            return f"“{a[ref].word}” and “{a[t].word}” move the opposite way"
    return None


def role_swap(point: Clause, answer: Clause, shared: set[str]) -> str | None:
    """The key point's member of a contrast set replaced by another member in this clause."""
    answer_terms = answer.terms
    a = answer.by_term
    point_terms = point.terms
    for term in point_terms:
        group = CONTRAST_OF.get(term)
        if group is None or term in answer_terms:
            continue
        stand_ins = [s for s in group & answer_terms if s not in point_terms and not a[s].negated]
        if stand_ins:
            return f"“{a[stand_ins[0]].word}” where the key point has “{point.by_term[term].word}”"
    return None


def operator_flip(point: Clause, answer: Clause) -> str | None:
    """Divide against multiply: in front of the same operand (√d_k), or as the clause's only
    operators ("divides the gradient by" against "multiplies each gradient by")."""
    before_p = _operands(point.words)
    before_a = _operands(answer.words)
    for operand, op in before_p.items():
        other = before_a.get(operand)
        if other is not None and other != op:
            return f"{_verb(other)} by “{operand}” where the key point has {_verb(op)}"
    ops_p, ops_a = set(before_p.values()), set(before_a.values())
    if len(ops_p) == 1 and ops_a and not ops_p & ops_a:
        return f"{_verb(next(iter(ops_a)))} where the key point has {_verb(next(iter(ops_p)))}"
    return None


def _verb(op: str) -> str:
    return "multiplied" if op == MULTIPLY else "divided"


def _operands(words: Sequence[Word]) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, w in enumerate(words):
        if w.term not in (DIVIDE, MULTIPLY):
            continue
        for nxt in words[i + 1 : i + 4]:
            if nxt.term and nxt.term not in (DIVIDE, MULTIPLY):
                found.setdefault(nxt.term, w.term)
                break
    return found


def _is_operator(term: str) -> bool:
    return term in (DIVIDE, MULTIPLY, ROOT)


def numeric_terms(words: Sequence[Word]) -> set[str]:
    """ "halv" when the clause states n and then n/2, "doubl" for n then 2n (32×32 → 16×16)."""
    numbers = [number_value(w.word) for w in words if NUMBER.match(w.word)]
    found = set()
    for i, n in enumerate(numbers):
        for later in numbers[i + 1 :]:
            if n > 0 and later == n / 2:
                found.add("halv")
            elif n > 0 and later == n * 2:
                found.add("doubl")
    return found


def number_value(word: str) -> float:
    return float(word.replace(",", "").replace("−", "-"))
