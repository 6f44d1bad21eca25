"""The matcher applied to a card from the database, and the checklist the templates show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.answers.matcher import (
    MatchResult,
    Segment,
    Status,
    card_context,
    match,
    suggest_rating,
)
from app.models import Card

STATUS_LABELS: dict[str, str] = {
    "covered": "✓ probably covered",
    "partly": "◐ partly covered",
    "contradicted": "✗ contradicted",
    "missing": "✗ probably not covered",
}


def check_card(card: Card, answer: str) -> MatchResult:
    """Which of the card's key points the typed answer covers, or contradicts."""
    return match(
        answer,
        card.key_points,
        card.synonyms,
        card_context(card.question, card.answer_md),
        card.key_point_confusions or (),
    )


@dataclass(frozen=True)
class ChecklistItem:
    number: int
    text: str
    covered: bool  # the mark in force: the matcher's, or the user's when flipped
    suggested: bool  # the matcher's mark
    matched: tuple[str, ...]
    status: Status = "missing"  # the matcher's verdict: covered, partly, contradicted, missing
    reason: str = ""  # why contradicted

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Checklist:
    """What a template shows after an answer: marked key points and the highlighted answer."""

    items: list[ChecklistItem]
    segments: list[Segment]
    too_short: bool = False

    @property
    def marks(self) -> list[bool]:
        return [i.covered for i in self.items]

    @property
    def covered_count(self) -> int:
        return sum(self.marks)

    @property
    def contradicted_count(self) -> int:
        return sum(i.status == "contradicted" for i in self.items)

    @property
    def share(self) -> float:
        return self.covered_count / len(self.items) if self.items else 0.0

    @property
    def suggested_rating(self) -> int:
        """From the marks in force; a contradicted point caps it at Hard until ticked."""
        return suggest_rating(
            self.marks, [i.status == "contradicted" for i in self.items], too_short=self.too_short
        )


def checklist(card: Card, answer: str, marks: Sequence[bool] | None = None) -> Checklist:
    """The matcher's checklist for ``answer``, with ``marks`` (the user's flips) applied."""
    result = check_card(card, answer)
    items = []
    for point in result.points:
        i = point.index - 1
        covered = marks[i] if marks is not None and i < len(marks) else point.covered
        items.append(
            ChecklistItem(
                point.index,
                point.text,
                covered,
                point.covered,
                point.matched,
                point.status,
                point.reason,
            )
        )
    return Checklist(items, result.segments, result.too_short)


def parse_marks(values: Sequence[str], count: int) -> list[bool]:
    """Checkbox values ("1", "3": the 1-based numbers of covered points) as a list of marks."""
    chosen = {int(v) for v in values if v.isdigit()}
    return [number in chosen for number in range(1, count + 1)]


def checklist_json(items: Checklist) -> dict[str, Any]:
    """A checklist as the JSON APIs return it (typed-answer checks, interview summaries)."""
    return {
        "points": [
            {
                "number": i.number,
                "text": i.text,
                "covered": i.covered,
                "suggested": i.suggested,
                "status": i.status,
                "reason": i.reason,
                "matched": list(i.matched),
            }
            for i in items.items
        ],
        "covered": items.covered_count,
        "contradicted": items.contradicted_count,
        "too_short": items.too_short,
        "share": items.share,
        "suggested_rating": items.suggested_rating,
    }
