"""Problems as the app serves them: a card's spec → a posed question → a checked answer.

The only place that joins the pure generators to the database and to the Markdown renderer;
the study flow, the mock interview and the JSON API all go through ``pose`` and ``grade``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from app.cards.bank_cache import cached
from app.content.schema import is_card_id
from app.demos.links import demo_href
from app.errors import NotFound
from app.markdown import render_markdown
from app.models import Card, ReviewLog
from app.problems import parse
from app.problems.core import Answer, Draw
from app.problems.registry import as_json, get_generator, interview_seed, review_seed


class NotAProblem(NotFound, LookupError):
    """No live card with that id holds a problem."""


@dataclass(frozen=True)
class Posed:
    """One draw of a problem card, ready to show."""

    card_id: str
    seed: int
    question_md: str
    draw: Draw

    @property
    def question_html(self) -> str:
        return render_markdown(self.question_md)

    @property
    def answer_format(self) -> dict[str, Any]:
        return answer_format(self.draw.answer)

    @property
    def demo_url(self) -> str | None:
        return demo_href(*self.draw.demo) if self.draw.demo else None

    @property
    def steps_md(self) -> str:
        return "\n".join(f"{i}. {step}" for i, step in enumerate(self.draw.steps, start=1))

    @property
    def steps_html(self) -> str:
        return render_markdown(self.steps_md)

    @property
    def expected(self) -> str:
        return parse.expected_text(self.draw.answer)

    def log_entry(self, checked: parse.Checked | None) -> dict[str, Any]:
        """What a review log keeps of this draw (the typed text goes to ``answer_text``)."""
        return {
            "seed": self.seed,
            "params": self.draw.params,
            "expected": as_json(self.draw.answer.value),
            "correct": None if checked is None else checked.correct,
        }


def answer_format(answer: Answer) -> dict[str, Any]:
    """How to type the answer, and how close it must be."""
    out: dict[str, Any] = {"kind": answer.kind, "hint": answer.hint, "tolerance": answer.tolerance}
    if answer.kind == "numbers":
        out["count"] = len(answer.value)
    if answer.kind == "set":
        out["choices"] = list(answer.choices)
    if answer.kind == "bytes":
        out["units"] = ["B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"]
    if answer.kind == "shape":
        out["error_allowed"] = answer.error_ok
    return out


def problem_card(session: Session, card_id: str, user_id: int) -> Card:
    """The problem card, if this user may see it (bank cards, and their own cards only)."""
    card = session.get(Card, card_id) if is_card_id(card_id) else None
    if card is None or card.retired or not card.problem or card.owner_id not in (None, user_id):
        raise NotAProblem(f"no practice problem {card_id!r}")
    return card


def pose_card(card: Card, seed: int) -> Posed:
    spec = card.problem or {}
    generator = get_generator(spec.get("generator", ""))
    if generator is None:  # the bank was validated; a stale row names a removed generator
        raise NotAProblem(f"card {card.id!r} names an unknown generator")
    ranges = {k: (float(lo), float(hi)) for k, (lo, hi) in spec.get("ranges", {}).items()}
    drawn = generator.draw(seed, ranges)
    return Posed(card.id, seed, spec["question"].format(**drawn.shown), drawn)


def pose(session: Session, card_id: str, seed: int, user_id: int) -> Posed:
    return pose_card(problem_card(session, card_id, user_id), seed)


def seed_for_review(session: Session, user_id: int, card_id: str) -> int:
    """The seed of the user's next answer to this problem: fixed until answered, then new."""
    answered = session.scalar(
        select(func.count())
        .select_from(ReviewLog)
        .where(ReviewLog.user_id == user_id, ReviewLog.card_id == card_id)
    )
    return review_seed(user_id, card_id, int(answered or 0))


def median_ms(session: Session, user_id: int, card_id: str) -> float | None:
    """The user's median time on this problem's correct answers (None before the third)."""
    times: list[int] = sorted(
        t
        for t, problem in session.execute(
            select(ReviewLog.duration_ms, ReviewLog.problem).where(
                ReviewLog.user_id == user_id,
                ReviewLog.card_id == card_id,
                ReviewLog.duration_ms.is_not(None),
            )
        )
        if problem and problem.get("correct")
    )
    if len(times) < MIN_TIMED:
        return None
    mid = len(times) // 2
    return times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2


MIN_TIMED = 3  # correct, timed answers before "fast" and "slow" mean anything
FAST, SLOW = 0.5, 2.0  # × the median: Easy below, Hard above


def suggested_rating(correct: bool, duration_ms: int | None, median: float | None) -> int:
    """Again when wrong; Good when right, Easy when fast and Hard when slow against the median."""
    if not correct:
        return 1
    if duration_ms is None or median is None:
        return 3
    if duration_ms < FAST * median:
        return 4
    if duration_ms > SLOW * median:
        return 2
    return 3


def pose_for_review(session: Session, user_id: int, card: Card) -> Posed | None:
    """The draw the study screen shows for this user's next answer (None if unservable)."""
    try:
        return pose_card(card, seed_for_review(session, user_id, card.id))
    except NotAProblem:
        return None


def pose_for_interview(card: Card, interview_id: int, position: int) -> Posed | None:
    """The draw a mock interview asks (fixed per interview question, so a reload keeps it)."""
    try:
        return pose_card(card, interview_seed(interview_id, position))
    except NotAProblem:
        return None


def interview_marks(card: Card, interview_id: int, position: int, typed: str) -> list[bool]:
    """A compute question is all or nothing: every key point counts as covered when the
    number is right (within tolerance), none when it is wrong or unreadable."""
    posed = pose_for_interview(card, interview_id, position)
    try:
        correct = posed is not None and parse.check(posed.draw.answer, typed).correct
    except parse.Unreadable:
        correct = False
    return [correct] * len(card.key_points)


def posed_json(posed: Posed) -> dict[str, Any]:
    """The problem part of ``GET /api/study/next``."""
    return {
        "seed": posed.seed,
        "question_html": posed.question_html,
        "params": posed.draw.params,
        "answer_format": posed.answer_format,
    }


@dataclass(frozen=True)
class ProblemCheck:
    """A typed answer to the problem on the study screen, before the user confirms a grade."""

    card_id: str
    typed: str
    posed: Posed | None = None
    checked: parse.Checked | None = None
    error: str | None = None  # unreadable: shown next to the field, nothing graded
    duration_ms: int | None = None
    suggested: int | None = None
    shown_at: str = ""  # when the problem was first shown, carried across an unreadable try


MAX_DURATION_MS = 24 * 3600 * 1000


def _elapsed_ms(shown_at: str, now: datetime) -> int | None:
    """Milliseconds since the problem was shown (the page carries when), or None if unknown."""
    try:
        start = datetime.fromisoformat(shown_at)
    except ValueError:
        return None
    if start.tzinfo is None:
        return None
    elapsed = int((now - start).total_seconds() * 1000)
    return elapsed if 0 <= elapsed <= MAX_DURATION_MS else None


def check_for_review(
    session: Session, user_id: int, card_id: str, typed: str, shown_at: str, now: datetime
) -> ProblemCheck:
    """Check the answer to this user's current draw and suggest a grade (writes nothing)."""
    try:
        posed = pose(session, card_id, seed_for_review(session, user_id, card_id), user_id)
    except NotAProblem as error:
        return ProblemCheck(card_id, typed, error=str(error), shown_at=shown_at)
    try:
        checked = parse.check(posed.draw.answer, typed)
    except parse.Unreadable as error:
        return ProblemCheck(card_id, typed, posed, error=str(error), shown_at=shown_at)
    duration = _elapsed_ms(shown_at, now)
    median = median_ms(session, user_id, card_id)
    rating = suggested_rating(checked.correct, duration, median)
    return ProblemCheck(card_id, typed, posed, checked, None, duration, rating, shown_at)


def problem_card_ids(session: Session) -> frozenset[str]:
    """The cards that pose a practice problem, kept with the bank (``app.cards.bank_cache``): a
    card's problem is stored after its answer, so reading it at each grade read the whole row
    (a tenth of a grade at 10,000 cards)."""

    def read() -> frozenset[str]:
        stored = cast(Card.problem, String)  # None is stored as JSON null, or as SQL NULL
        posing = select(Card.id).where(stored.is_not(None), stored != "null")
        return frozenset(session.scalars(posing))

    return cached(session, "problem cards", read)


def review_entry(session: Session, user_id: int, card_id: str, typed: str) -> dict[str, Any] | None:
    """What the review log keeps of a problem answer: seed, params, expected, correct.

    None for a plain card. Computed before the log row is written, so the seed is the one
    the user was shown.
    """
    if card_id not in problem_card_ids(session):
        return None  # a plain card (or none): the whole card is not loaded for every grade
    card = session.get_one(Card, card_id)
    posed = pose_for_review(session, user_id, card)
    if posed is None:
        return None
    try:
        checked: parse.Checked | None = parse.check(posed.draw.answer, typed)
    except parse.Unreadable:
        checked = None
    return posed.log_entry(checked)
