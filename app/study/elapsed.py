"""``review_logs.elapsed_days``: whole days since the same card's previous non-cram answer.

Calibration needs each review answer's elapsed days; a window over the whole log recomputed
them per request (3 s at a million answers). Each answer stores them instead, kept by
triggers on ``review_logs`` (migration d8f3a1c5e927) whatever code writes the log. Here is
the same number as one window per group of cards: what ``rebuild --check`` compares and a
rebuild rewrites where it differs (a database written around the triggers).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, Subquery, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.models import ReviewLog
from app.study.scheduler import LogKind
from app.study.stats_time import epoch_seconds

DAY_SECONDS = 86400


def _seconds(session: Session) -> ColumnElement[int]:
    return epoch_seconds(ReviewLog.reviewed_at, session.get_bind().dialect.name)


def _recomputed(session: Session, user_id: int, card_ids: Sequence[str] | None) -> Subquery:
    seconds = _seconds(session)
    previous = func.lag(seconds).over(
        partition_by=ReviewLog.card_id, order_by=(ReviewLog.reviewed_at, ReviewLog.id)
    )
    query = select(
        ReviewLog.id.label("id"), ((seconds - previous) // DAY_SECONDS).label("elapsed")
    ).where(ReviewLog.user_id == user_id, ReviewLog.kind != LogKind.CRAM)
    if card_ids is not None:
        query = query.where(ReviewLog.card_id.in_(card_ids))
    return query.subquery("recomputed")


def _differs(fresh: Subquery) -> list[ColumnElement[bool]]:
    return [
        ReviewLog.id == fresh.c.id,
        ReviewLog.elapsed_days.is_distinct_from(func.cast(fresh.c.elapsed, Integer)),
    ]


def drift(session: Session, user_id: int, card_ids: Sequence[str] | None = None) -> int:
    """How many of the user's answers (of ``card_ids``, or all) store wrong elapsed days."""
    fresh = _recomputed(session, user_id, card_ids)
    count = select(func.count()).select_from(ReviewLog).where(*_differs(fresh))
    return int(session.scalar(count) or 0)


def recompute(session: Session, user_id: int, card_ids: Sequence[str] | None = None) -> int:
    """Rewrite the wrong ``elapsed_days`` of the user's answers (of ``card_ids``, or all)."""
    fresh = _recomputed(session, user_id, card_ids)
    result = session.execute(
        update(ReviewLog)
        .where(*_differs(fresh))
        .values(elapsed_days=fresh.c.elapsed)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # an UPDATE: a CursorResult
