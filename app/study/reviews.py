"""Writes of the study flow: grade (idempotent by review token), undo, suspend, bury, cram.

Each function is one short write transaction (``with write(session, user_id):``), so
concurrent answers of a user queue (on SQLite's write lock, or the user's row lock on
PostgreSQL) instead of failing or overwriting each other, and commits before returning.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.answers.matcher import MAX_ANSWER_CHARS
from app.content.schema import is_card_id
from app.db import read_connection, write
from app.errors import DomainError
from app.models import Card, ReviewLog, ReviewState, Topic
from app.study import store
from app.study.models import ALL_TOPICS, NewCardAllowance
from app.study.preferences import UserContext
from app.study.scheduler import (
    RATINGS,
    SCHEDULING_ERRORS,
    LogKind,
    Rating,
    State,
    format_interval,
    review,
)
from app.study.scope import StudyMode

MAX_DURATION_MS = 24 * 3600 * 1000
MAX_TOKEN_LENGTH = 64


class StudyError(DomainError):
    """A refused study action; ``status_code`` is the HTTP answer (never a 500)."""


class InvalidInput(StudyError):
    status_code = 422


class NotFound(StudyError):
    status_code = 404


class Conflict(StudyError):
    status_code = 409


@dataclass(frozen=True)
class ReviewResult:
    """What a grade did, as the API returns it (also for a repeated token)."""

    review_id: int
    card_id: str
    rating: int
    kind: str
    state: str | None
    due: datetime | None
    interval_seconds: float | None
    interval: str | None
    duplicate: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "review_id": self.review_id,
            "card_id": self.card_id,
            "rating": self.rating,
            "kind": self.kind,
            "state": self.state,
            "due": self.due.isoformat() if self.due else None,
            "interval_seconds": self.interval_seconds,
            "interval": self.interval,
            "duplicate": self.duplicate,
        }


def new_review_token() -> str:
    return secrets.token_urlsafe(16)


def _result(log: ReviewLog, *, duplicate: bool = False) -> ReviewResult:
    interval: timedelta | None = None
    if log.kind != LogKind.CRAM and log.due_after is not None:
        interval = log.due_after - log.reviewed_at
    return ReviewResult(
        review_id=log.id,
        card_id=log.card_id,
        rating=log.rating,
        kind=log.kind,
        state=State(log.state_after).name.lower() if log.state_after else None,
        due=log.due_after,
        interval_seconds=interval.total_seconds() if interval is not None else None,
        interval=format_interval(interval) if interval is not None else None,
        duplicate=duplicate,
    )


def _check_input(rating: int, token: str, duration_ms: int | None) -> None:
    if rating not in RATINGS:
        raise InvalidInput(
            f"rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy), not {rating}"
        )
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isprintable():
        raise InvalidInput(f"review_token must be 1 to {MAX_TOKEN_LENGTH} printable characters")
    if duration_ms is not None and not 0 <= duration_ms <= MAX_DURATION_MS:
        raise InvalidInput(f"duration_ms must be between 0 and {MAX_DURATION_MS}")


# Only the two columns checked, by a statement built once: the whole row (its answer runs to
# overflow pages) was read inside every grade's write transaction.
OWNER_AND_RETIRED = select(Card.owner_id, Card.retired).where(Card.id == bindparam("card_id"))


ANSWER_OF_TOKEN = select(ReviewLog.id).where(
    ReviewLog.user_id == bindparam("user_id"), ReviewLog.review_token == bindparam("token")
)


def studyable_card(session: Session, card_id: str, user_id: int | None = None) -> None:
    """404 when the card is unknown (or another user's own card), 409 when it is retired."""
    known = is_card_id(card_id)
    row = session.execute(OWNER_AND_RETIRED, {"card_id": card_id}).first() if known else None
    if row is None or row.owner_id not in (None, user_id):
        raise NotFound(f"no card {card_id!r}")
    if row.retired:
        raise Conflict(f"card {card_id!r} is retired and is no longer studied")


def grade(
    session: Session,
    ctx: UserContext,
    card_id: str,
    rating: int,
    now: datetime,
    *,
    review_token: str,
    duration_ms: int | None = None,
    mode: StudyMode = StudyMode.NORMAL,
    answer_text: str | None = None,
    problem: dict[str, Any] | None = None,
) -> ReviewResult:
    """Record one answer; a token already used returns the first answer's result unchanged.

    A cram answer (``mode``) is logged but leaves the schedule alone.
    ``answer_text`` is what the user typed (typed study, mock interviews), kept on the log row;
    ``problem`` is a practice problem's draw (seed, params, expected, correct).
    """
    _check_input(rating, review_token, duration_ms)
    with write(session, ctx.user_id):
        # The id, as a plain value: an ORM query that almost always finds nothing cost three
        # times the query itself.
        params = {"user_id": ctx.user_id, "token": review_token}
        earlier_id = read_connection(session).execute(ANSWER_OF_TOKEN, params).scalar()
        if earlier_id is not None:
            earlier = session.get_one(ReviewLog, earlier_id)
            if earlier.card_id != card_id:
                raise Conflict("this review_token was already used for another card")
            return _result(earlier, duplicate=True)
        studyable_card(session, card_id, ctx.user_id)
        row = store.get_row(session, ctx.user_id, card_id)
        if row is not None and row.suspended:
            raise Conflict(f"card {card_id!r} is suspended; unsuspend it to study it")
        try:
            log = _record(session, ctx, card_id, row, Rating(rating), now, mode)
        except SCHEDULING_ERRORS as error:
            raise Conflict(
                f"card {card_id!r} has a stored state that cannot be scheduled ({error}); "
                "run `dlcards study rebuild --check`"
            ) from None
        log.review_token = review_token
        log.duration_ms = duration_ms
        log.answer_text = (answer_text or "").strip()[:MAX_ANSWER_CHARS] or None
        log.problem = problem
        session.flush()
        result = _result(log)
        return result


def _record(
    session: Session,
    ctx: UserContext,
    card_id: str,
    row: ReviewState | None,
    rating: Rating,
    now: datetime,
    mode: StudyMode,
) -> ReviewLog:
    before = store.card_state(row)
    log = ReviewLog(
        user_id=ctx.user_id,
        card_id=card_id,
        rating=int(rating),
        reviewed_at=now,
        state_before=int(before.state) if before.state else None,
        step_before=before.step,
        stability_before=before.stability,
        difficulty_before=before.difficulty,
        due_before=before.due,
    )
    if mode is StudyMode.CRAM:
        # Cram answers are logged for the record but leave the schedule untouched.
        log.kind = LogKind.CRAM
        log.state_after, log.step_after = log.state_before, log.step_before
        log.stability_after, log.difficulty_after = before.stability, before.difficulty
        log.due_after = before.due
    else:
        outcome = review(ctx.config, before, rating, now, ctx.fuzz_key(card_id))
        after = outcome.after
        log.kind = outcome.kind
        log.state_after = int(after.state) if after.state else None
        log.step_after = after.step
        log.stability_after, log.difficulty_after = after.stability, after.difficulty
        log.due_after = after.due
        if row is None:
            row = store.ensure_row(session, ctx.user_id, card_id, now)
        store.write_state(row, after)
        if ctx.leech_suspend and after.lapses > before.lapses == ctx.leech_threshold - 1:
            row.suspended = True  # it just became a leech: a demo, not another repetition
    session.add(log)
    return log


@dataclass(frozen=True)
class UndoResult:
    review_id: int
    card_id: str
    rating: int
    kind: str


def undo_last(session: Session, ctx: UserContext, now: datetime) -> UndoResult:
    """Undo the user's latest answer: its log row is deleted and the card's state restored."""
    with write(session, ctx.user_id):
        log = session.scalars(
            select(ReviewLog)
            .where(ReviewLog.user_id == ctx.user_id)
            .order_by(ReviewLog.id.desc())
            .limit(1)
        ).first()
        if log is None:
            raise Conflict("nothing to undo")
        if log.kind != LogKind.CRAM:
            _restore(session, ctx, log, now)
        result = UndoResult(log.id, log.card_id, log.rating, log.kind)
        session.delete(log)
        return result


def _restore(session: Session, ctx: UserContext, log: ReviewLog, now: datetime) -> None:
    row = store.get_row(session, ctx.user_id, log.card_id)
    if row is None:
        return
    if log.state_before is None:
        store.set_new(row, now)
        if store.is_new_row_removable(row):
            session.delete(row)
        return
    previous = session.scalars(
        select(ReviewLog.reviewed_at)
        .where(
            ReviewLog.user_id == ctx.user_id,
            ReviewLog.card_id == log.card_id,
            ReviewLog.kind != LogKind.CRAM,
            ReviewLog.id < log.id,
        )
        .order_by(ReviewLog.id.desc())
        .limit(1)
    ).first()
    lapse = log.state_before == int(State.Review) and log.rating == int(Rating.Again)
    if lapse and ctx.leech_suspend and row.lapses == ctx.leech_threshold:
        row.suspended = False  # the answer that made it a leech (and suspended it) is undone
    row.state = log.state_before
    row.step = log.step_before
    row.stability = log.stability_before
    row.difficulty = log.difficulty_before
    assert log.due_before is not None
    row.due = log.due_before
    row.last_review = previous
    row.reps = max(0, row.reps - 1)
    row.lapses = max(0, row.lapses - int(lapse))


def _flag(session: Session, ctx: UserContext, card_id: str, now: datetime) -> ReviewState:
    studyable_card(session, card_id, ctx.user_id)
    return store.ensure_row(session, ctx.user_id, card_id, now)


def set_suspended(
    session: Session, ctx: UserContext, card_id: str, suspended: bool, now: datetime
) -> None:
    """Suspend a card (never shown until unsuspended) or unsuspend it."""
    with write(session, ctx.user_id):
        studyable_card(session, card_id, ctx.user_id)
        row = store.get_row(session, ctx.user_id, card_id)
        if suspended:
            row = row or store.ensure_row(session, ctx.user_id, card_id, now)
            row.suspended = True
        elif row is not None:
            row.suspended = False
            if store.is_new_row_removable(row):
                session.delete(row)


def bury(session: Session, ctx: UserContext, card_id: str, now: datetime) -> datetime:
    """Hide a card until the next study day starts; returns that instant."""
    with write(session, ctx.user_id):
        row = _flag(session, ctx, card_id, now)
        if row.suspended:
            raise Conflict(f"card {card_id!r} is suspended")
        _, tomorrow = ctx.calendar.day_bounds(now)
        row.buried_until = tomorrow
        return tomorrow


def suspended_cards(session: Session, ctx: UserContext) -> list[Card]:
    return list(
        session.scalars(
            select(Card)
            .join(ReviewState, ReviewState.card_id == Card.id)
            .where(ReviewState.user_id == ctx.user_id, ReviewState.suspended.is_(True))
            .order_by(Card.position, Card.id)
        )
    )


MAX_EXTRA_NEW = 500  # extra new cards one request may add to today's limit


def learn_more_new(
    session: Session, ctx: UserContext, topic: str | None, count: int, now: datetime
) -> int:
    """Raise today's new-card limit by ``count`` (for ``topic``, or every topic when None).

    Returns today's extra allowance for that scope. It lives in ``new_card_allowances``, keyed
    by the study day, so tomorrow starts from the setting again (as Anki's custom study does).
    """
    if not 1 <= count <= MAX_EXTRA_NEW:
        raise InvalidInput(f"count: between 1 and {MAX_EXTRA_NEW} new cards")
    if topic is not None and session.get(Topic, topic) is None:
        raise NotFound(f"no topic {topic!r}")
    with write(session, ctx.user_id):
        key = (ctx.user_id, ctx.calendar.day_of(now), topic or ALL_TOPICS)
        row = session.get(NewCardAllowance, key)
        if row is None:
            row = NewCardAllowance(user_id=key[0], day=key[1], topic_id=key[2], extra=0)
            session.add(row)
        row.extra = min(row.extra + count, 10 * MAX_EXTRA_NEW)
        extra = row.extra
        return extra
