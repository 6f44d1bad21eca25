"""What the study screen and ``GET /api/study/next`` show: the next card and its four grades."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.models import Card
from app.problems.service import Posed, pose_for_review, posed_json
from app.study import queue, store
from app.study.preferences import UserContext
from app.study.queue import Counts
from app.study.reviews import new_review_token
from app.study.scheduler import RATING_LABELS, SCHEDULING_ERRORS, format_interval, preview
from app.study.scope import Filters, StudyMode, StudyScope


@dataclass(frozen=True)
class Grade:
    rating: int
    name: str
    interval: timedelta | None

    @property
    def label(self) -> str:
        return format_interval(self.interval) if self.interval is not None else ""


@dataclass
class StudyView:
    """The next card with its previewed intervals and token, or the "done for today" facts."""

    scope: StudyScope
    counts: Counts
    card: Card | None = None
    queue: str | None = None
    grades: list[Grade] = field(default_factory=list)
    review_token: str | None = None
    next_due: datetime | None = None
    due_tomorrow: int = 0
    new_tomorrow: int = 0
    # Why the queue is empty: today's new cards used against the limit, and those still unseen.
    new_done: int = 0
    new_limit: int = 0
    new_waiting: int = 0
    reviews_done: int = 0
    reviews_limit: int = 0
    reviews_waiting: int = 0
    # Cards passed over because their stored state cannot be scheduled (an older version's
    # damage); `dlcards study rebuild --check` names them too.
    skipped: list[str] = field(default_factory=list)
    # A practice problem's draw for this review (seeded per review: a reload shows the same).
    problem: Posed | None = None

    @property
    def filters(self) -> Filters:
        return self.scope.filters

    @property
    def mode(self) -> StudyMode:
        return self.scope.mode

    def query(self, **extra: str) -> dict[str, str]:
        """The filters and mode as query parameters, to come back to the same queue."""
        return self.scope.query(**extra)

    @property
    def done_reasons(self) -> list[str]:
        """Why nothing is shown, in words ("today's 20 new cards are used")."""
        where = f" in {self.filters.topic}" if self.filters.topic else ""
        reasons = []
        if self.new_waiting and self.new_done >= self.new_limit:
            reasons.append(
                f"Today's {self.new_limit} new card{_s(self.new_limit)} "
                f"{'are' if self.new_limit != 1 else 'is'} used; {self.new_waiting} more "
                f"new card{_s(self.new_waiting)} wait{'' if self.new_waiting != 1 else 's'}{where}."
            )
        elif not self.new_waiting:
            reasons.append(f"Every card{where} has been introduced; none is due now.")
        if self.reviews_waiting and self.reviews_done >= self.reviews_limit:
            reasons.append(
                f"Today's {self.reviews_limit} reviews are done; {self.reviews_waiting} more are "
                "due (raise the limit in the settings)."
            )
        return reasons

    def as_json(self) -> dict[str, Any]:
        counts = {
            "learning": self.counts.learning,
            "review": self.counts.review,
            "new": self.counts.new,
        }
        if self.card is None:
            return {
                "card": None,
                "skipped": self.skipped,
                "counts": counts,
                "next_due": self.next_due.isoformat() if self.next_due else None,
                "due_tomorrow": self.due_tomorrow,
                "new_tomorrow": self.new_tomorrow,
                "reasons": self.done_reasons,
                "new_done_today": self.new_done,
                "new_limit_today": self.new_limit,
                "new_waiting": self.new_waiting,
            }
        card = self.card
        return {
            "card": {
                "id": card.id,
                "question": card.question,
                "answer_html": card.answer_html,
                "topic": card.topic_id,
                "level": card.level,
                "tags": list(card.tags),
                "url": f"/cards/{card.id}",
            },
            "queue": self.queue,
            "mode": self.mode.value,
            "review_token": self.review_token,
            "problem": posed_json(self.problem) if self.problem else None,
            "intervals": {
                str(g.rating): {
                    "name": g.name,
                    "label": g.label or None,
                    "seconds": g.interval.total_seconds() if g.interval is not None else None,
                }
                for g in self.grades
            },
            "counts": counts,
            "skipped": self.skipped,
        }


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def preview_grades(session: Session, ctx: UserContext, card_id: str, now: datetime) -> list[Grade]:
    """The four grades with the interval FSRS would give the card now (raises
    ``SCHEDULING_ERRORS`` for a stored state it cannot continue from)."""
    state = store.read_state(session, ctx.user_id, card_id)
    intervals = preview(ctx.config, state, now, ctx.fuzz_key(card_id))
    return [Grade(int(r), RATING_LABELS[r], interval) for r, interval in intervals.items()]


EXTRA_NEW_CHOICES = (5, 10, 20)  # "learn N more new cards today" on the done screens

MAX_SKIPPED = 20  # damaged cards passed over in one request before giving up on the queue


def build(session: Session, ctx: UserContext, scope: StudyScope, now: datetime) -> StudyView:
    """Pick the next card in the scope's mode and preview what each grade would do to it now."""
    filters = scope.filters
    today = queue.budget(session, ctx, filters, now)
    view = StudyView(scope=scope, counts=queue.counts(session, ctx, filters, now, today))
    # Cram answers leave the schedule alone: its grades preview no interval.
    grades = [Grade(int(r), name, None) for r, name in RATING_LABELS.items()]
    while True:
        nxt = queue.next_card(
            session, ctx, filters, now, today=today, mode=scope.mode, skip=view.skipped
        )
        if nxt is None or scope.mode is StudyMode.CRAM:
            break
        try:
            grades = preview_grades(session, ctx, nxt.card.id, now)
            break
        except SCHEDULING_ERRORS:
            view.skipped.append(nxt.card.id)
            if len(view.skipped) >= MAX_SKIPPED:
                nxt = None
                break
    if nxt is None:
        view.next_due = queue.next_due(session, ctx, filters, now)
        view.due_tomorrow = queue.due_tomorrow(session, ctx, filters, now)
        unseen = queue.new_count(session, ctx, filters, now)
        view.new_tomorrow = min(ctx.settings.new_per_day, unseen)
        view.new_done, view.new_waiting = today.usage.new_done, unseen
        view.new_limit = today.new_limit
        view.reviews_done = today.usage.reviews_done
        view.reviews_limit = today.review_limit
        view.reviews_waiting = queue.reviews_due(session, ctx, filters, now)
        return view
    view.card, view.queue, view.review_token = nxt.card, nxt.queue, new_review_token()
    if nxt.card.problem:
        view.problem = pose_for_review(session, ctx.user_id, nxt.card)
    view.grades = grades
    return view
