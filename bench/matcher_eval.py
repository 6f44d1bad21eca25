"""Precision and recall of the key-point matcher on the hand-labelled set.

Each labelled answer is matched against every key point of its card (the snapshot in the
labels file); a pair is a true positive when the matcher and the label both say covered.
The matcher's thresholds were chosen on the even-numbered answers ("tuning"); the odd-numbered
ones are held out, and their scores are printed separately.
Usage: python bench/matcher_eval.py [--labels FILE] [--content DIR] [--errors]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.answers.matcher import card_context, match  # noqa: E402
from app.content.loader import read_bank  # noqa: E402

LABELS = ROOT / "bench" / "labels" / "matcher_labels.yaml"


@dataclass(frozen=True)
class Pair:
    """One (answer, key point) pair: the label, the matcher's mark, and why."""

    card: str
    point: int
    tuning: bool
    expected: bool
    predicted: bool
    why: str


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


def judge(labels_path: Path = LABELS, content_dir: Path = ROOT / "content") -> list[Pair]:
    """Run the matcher on every labelled pair; the cards' synonyms and texts come from content/."""
    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
    cards = {c.front.id: c for c in read_bank(content_dir).cards}
    pairs = []
    for number, item in enumerate(labels["answers"]):
        card = cards.get(item["card"])
        synonyms = card.front.synonyms if card else []
        context = card_context(card.front.question, card.body) if card else []
        result = match(item["text"], labels["key_points"][item["card"]], synonyms, context)
        for point in result.points:
            why = (
                f"coverage {point.coverage:.2f}, cosine {point.cosine:.2f}, "
                f"matched {', '.join(point.matched) or '-'}"
            )
            pairs.append(
                Pair(
                    item["card"],
                    point.index,
                    number % 2 == 0,
                    point.index in item["covered"],
                    point.covered,
                    why,
                )
            )
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--errors", action="store_true", help="list the misclassified pairs")
    args = parser.parse_args()
    started = time.perf_counter()
    pairs = judge(args.labels, args.content)
    seconds = time.perf_counter() - started  # includes reading the bank once
    if args.errors:
        for p in pairs:
            if p.expected != p.predicted:
                print(f"{'FN' if p.expected else 'FP'} {p.card} #{p.point}: {p.why}")
    parts = {
        "all": pairs,
        "tuning": [p for p in pairs if p.tuning],
        "held-out": [p for p in pairs if not p.tuning],
    }
    for name, subset in parts.items():
        s = Scores.of(subset)
        print(
            f"{name:>8}: {s.pairs} pairs, precision {s.precision:.3f}, recall {s.recall:.3f} "
            f"(tp {s.tp}, fp {s.fp}, fn {s.fn}, tn {s.tn})"
        )
    print(f"{len(pairs)} pairs judged in {seconds:.1f} s, reading the bank included")


if __name__ == "__main__":
    main()
