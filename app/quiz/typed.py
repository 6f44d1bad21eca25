"""Typed-answer study: the answer is checked against the key points, then graded with FSRS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.db import begin_write
from app.models import ReviewLog
from app.study import reviews
from app.study.preferences import UserContext

MAX_ANSWER_CHARS = 20_000


def store_answer_text(session: Session, review_id: int, answer: str) -> None:
    """Keep the typed answer on its review log row (the study module records the grade)."""
    begin_write(session)
    try:
        log = session.get(ReviewLog, review_id)
        if log is not None and log.answer_text is None:
            log.answer_text = answer[:MAX_ANSWER_CHARS]
        session.commit()
    except BaseException:
        session.rollback()
        raise


def grade_typed(
    session: Session,
    ctx: UserContext,
    card_id: str,
    rating: int,
    now: datetime,
    *,
    review_token: str,
    answer: str,
    duration_ms: int | None = None,
) -> reviews.ReviewResult:
    """Record the grade the user confirmed, as a normal FSRS review, with the typed answer."""
    result = reviews.grade(
        session, ctx, card_id, rating, now, review_token=review_token, duration_ms=duration_ms
    )
    if not result.duplicate and answer.strip():
        store_answer_text(session, result.review_id, answer)
    return result
