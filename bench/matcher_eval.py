"""How well the key-point matcher judges typed answers, on hand-labelled sets.

The main set (bench/labels/matcher_eval_set.yaml, issue 19) has 40 cards with four answers
each: strong, partial, a confident misconception in the card's vocabulary, and off-topic. Each
answer is matched against every key point of its card; a pair is a true positive when the
matcher marks the point covered and the label says covered. The table is printed for the
tuning cards, the held-out cards and both:

- precision, recall, F1 over all pairs, over the strong + partial + off-topic answers, and over
  the misconception answers;
- recall on correct paraphrases (strong + partial);
- wrongly covered: the share of not-covered pairs the matcher marks covered (on misconceptions
  this is the issue's headline number);
- grade agreement: the suggested grade equals the label's grade (the label marks through the
  same Good/Hard/Again rule; a misconception answer's grade is Again), and how often a
  misconception answer is suggested Good or better;
- p99 latency of one check (one answer against one card), timed over repeated runs.

The earlier set (bench/labels/matcher_labels.yaml, even answers tuned on) is scored too.
Usage: python bench/matcher_eval.py [--errors] [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.answers.matcher import AGAIN, GOOD, card_context, match, suggest_rating  # noqa: E402
from app.content.parse import read_bank  # noqa: E402

LABELS = ROOT / "bench" / "labels" / "matcher_labels.yaml"
EVAL_SET = ROOT / "bench" / "labels" / "matcher_eval_set.yaml"
KINDS = ("strong", "partial", "misconception", "off_topic")


@dataclass(frozen=True)
class Pair:
    """One (answer, key point) pair: the label, the matcher's mark, and why."""

    card: str
    point: int
    tuning: bool
    expected: bool
    predicted: bool
    why: str
    kind: str = ""
    contradicted: bool = False


@dataclass(frozen=True)
class Answer:
    """One labelled answer as a whole: the grade the labels imply and the one suggested."""

    card: str
    kind: str
    tuning: bool
    expected_grade: int
    suggested_grade: int
    seconds: float  # the fastest of the timed runs of this check


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int
    tn: int

    @classmethod
    def of(cls, pairs: Iterable[Pair]) -> Scores:
        marks = [(p.expected, p.predicted) for p in pairs]
        return cls(
            tp=marks.count((True, True)),
            fp=marks.count((False, True)),
            fn=marks.count((True, False)),
            tn=marks.count((False, False)),
        )

    @property
    def pairs(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def wrongly_covered(self) -> float:
        """The share of pairs labelled not covered that the matcher marks covered."""
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0


def _bank(content_dir: Path) -> dict[str, Any]:
    return {c.front.id: c for c in read_bank(content_dir).cards}


def _card_inputs(card: Any, key_points: Sequence[str]) -> dict[str, Any]:
    """The matcher's inputs from content/ for a labelled snapshot of key points.

    Confusions are taken from the card's point of the same text (none when it changed since).
    """
    if card is None:
        return {"synonyms": [], "context": [], "confusions": [()] * len(key_points)}
    authored = {str(p): p.confusions for p in card.front.key_points}
    return {
        "synonyms": card.front.synonyms,
        "context": card_context(card.front.question, card.body),
        "confusions": [authored.get(text, ()) for text in key_points],
    }


def judge(labels_path: Path = LABELS, content_dir: Path = ROOT / "content") -> list[Pair]:
    """The earlier set: every labelled pair, even-numbered answers being the tuning half."""
    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
    cards = _bank(content_dir)
    pairs = []
    for number, item in enumerate(labels["answers"]):
        points = labels["key_points"][item["card"]]
        result = match(item["text"], points, **_card_inputs(cards.get(item["card"]), points))
        for point in result.points:
            pairs.append(
                Pair(
                    item["card"],
                    point.index,
                    number % 2 == 0,
                    point.index in item["covered"],
                    point.covered,
                    _why(point),
                )
            )
    return pairs


def _why(point: Any) -> str:
    return (
        f"{point.status}: coverage {point.coverage:.2f}, cosine {point.cosine:.2f}, "
        f"matched {', '.join(point.matched) or '-'}{'; ' + point.reason if point.reason else ''}"
    )


def expected_grade(kind: str, covered: Sequence[int], count: int) -> int:
    """The label's grade: the matcher's Good/Hard/Again rule on the labels, Again if wrong."""
    if kind == "misconception":
        return AGAIN
    return suggest_rating([n in covered for n in range(1, count + 1)])


def evaluate(
    path: Path = EVAL_SET, content_dir: Path = ROOT / "content", repeat: int = 3
) -> tuple[list[Pair], list[Answer]]:
    """Match every answer of the main set (``repeat`` timed runs each, the fastest kept)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cards = _bank(content_dir)
    pairs: list[Pair] = []
    answers: list[Answer] = []
    for card_id, entry in data["cards"].items():
        points = entry["key_points"]
        inputs = _card_inputs(cards.get(card_id), points)
        tuning = entry["split"] == "tuning"
        for item in entry["answers"]:
            best = float("inf")
            for _ in range(max(1, repeat)):
                started = time.perf_counter()
                result = match(item["text"], points, **inputs)
                best = min(best, time.perf_counter() - started)
            for point in result.points:
                pairs.append(
                    Pair(
                        card_id,
                        point.index,
                        tuning,
                        point.index in item["covered"],
                        point.covered,
                        _why(point),
                        item["kind"],
                        point.status == "contradicted",
                    )
                )
            answers.append(
                Answer(
                    card_id,
                    item["kind"],
                    tuning,
                    expected_grade(item["kind"], item["covered"], len(points)),
                    result.suggested_rating,
                    best,
                )
            )
    return pairs, answers


@dataclass(frozen=True)
class Summary:
    """The goal's numbers for one split."""

    overall: Scores
    correct_kinds: Scores  # strong + partial + off-topic
    misconceptions: Scores
    paraphrases: Scores  # strong + partial
    grade_agreement: float
    misconception_good: int
    misconception_answers: int
    p99_ms: float

    @property
    def misconception_good_rate(self) -> float:
        return (
            self.misconception_good / self.misconception_answers
            if self.misconception_answers
            else 0.0
        )


def summarize(pairs: Sequence[Pair], answers: Sequence[Answer]) -> Summary:
    wrong = [a for a in answers if a.kind == "misconception"]
    return Summary(
        overall=Scores.of(pairs),
        correct_kinds=Scores.of(p for p in pairs if p.kind != "misconception"),
        misconceptions=Scores.of(p for p in pairs if p.kind == "misconception"),
        paraphrases=Scores.of(p for p in pairs if p.kind in ("strong", "partial")),
        grade_agreement=(
            sum(a.expected_grade == a.suggested_grade for a in answers) / len(answers)
            if answers
            else 0.0
        ),
        misconception_good=sum(a.suggested_grade >= GOOD for a in wrong),
        misconception_answers=len(wrong),
        p99_ms=float(np.percentile([a.seconds for a in answers], 99)) * 1000 if answers else 0.0,
    )


def split(pairs: Sequence[Pair], answers: Sequence[Answer], tuning: bool | None) -> Summary:
    """The summary of the tuning (True), held-out (False) or every (None) card."""
    return summarize(
        [p for p in pairs if tuning is None or p.tuning == tuning],
        [a for a in answers if tuning is None or a.tuning == tuning],
    )


def table(name: str, s: Summary) -> str:
    rows = [
        f"### {name}",
        "| answers | pairs | precision | recall | F1 | wrongly covered |",
        "|---|---|---|---|---|---|",
    ]
    for label, scores in (
        ("all", s.overall),
        ("strong + partial + off-topic", s.correct_kinds),
        ("misconceptions", s.misconceptions),
    ):
        wrongly = f"{scores.wrongly_covered:.0%} ({scores.fp} of {scores.fp + scores.tn})"
        rows.append(
            f"| {label} | {scores.pairs} | {scores.precision:.3f} | {scores.recall:.3f} "
            f"| {scores.f1:.3f} | {wrongly} |"
        )
    rows.append(
        f"\nrecall on correct paraphrases (strong + partial) {s.paraphrases.recall:.3f}; "
        f"grade agreement {s.grade_agreement:.0%}; misconception answers suggested Good or "
        f"better {s.misconception_good} of {s.misconception_answers} "
        f"({s.misconception_good_rate:.0%}); p99 per check {s.p99_ms:.1f} ms"
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=EVAL_SET, dest="eval_set")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per check")
    parser.add_argument("--errors", action="store_true", help="list the misjudged pairs")
    args = parser.parse_args()
    pairs, answers = evaluate(args.eval_set, args.content, args.repeat)
    if args.errors:
        for p in pairs:
            if p.expected != p.predicted:
                side = "tune" if p.tuning else "held"
                print(
                    f"{'FN' if p.expected else 'FP'} {side} {p.kind} {p.card} #{p.point}: {p.why}"
                )
        for a in answers:
            if a.expected_grade != a.suggested_grade:
                print(f"GRADE {a.kind} {a.card}: {a.suggested_grade} for {a.expected_grade}")
    for name, tuning in (("held-out cards", False), ("tuning cards", True), ("all cards", None)):
        print(
            table(
                f"{name} ({len({a.card for a in answers if tuning in (None, a.tuning)})})",
                split(pairs, answers, tuning),
            )
        )
        print()
    old = Scores.of(judge(args.labels, args.content))
    print(
        f"earlier set ({args.labels.name}): {old.pairs} pairs, precision {old.precision:.3f}, "
        f"recall {old.recall:.3f}, F1 {old.f1:.3f}"
    )


if __name__ == "__main__":
    main()
