"""Answers counted over time ranges from ``review_hours`` (per UTC hour), exact to the second.

A range [a, b) takes the hours that start inside it from ``review_hours``; an edge that is not
on a UTC hour (a zone 30 or 45 minutes off UTC, a rolling 30-day window) moves the answers
between the edge and the next hour, read from the log's time index, to the range they belong
to. So a study day of any zone, rollover hour or DST length is counted exactly without
storing days, and a change of zone or rollover hour needs no recount.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from app.models import ReviewLog
from app.study.models import ReviewHour
from app.study.scheduler import LogKind, Rating
from app.study.stats_time import epoch_seconds

HOUR = 3600
# The counted columns, in the order of the arrays below.
COLUMNS = ("learn", "review", "relearn", "cram", "review_passed")
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)  # the open end of "since" ranges


def _log_counts() -> list[ColumnElement[Any]]:
    """The counted columns as sums over review_logs rows (the triggers' definition)."""
    kinds = [func.sum(case((ReviewLog.kind == kind, 1), else_=0)) for kind in COLUMNS[:4]]
    passed = func.sum(
        case(((ReviewLog.kind == LogKind.REVIEW) & (ReviewLog.rating > int(Rating.Again)), 1),
             else_=0)
    )  # fmt: skip
    return [*kinds, passed]


def range_counts(session: Session, user_id: int, edges: Sequence[datetime]) -> np.ndarray:
    """Counts per range between consecutive ``edges`` (ranges of an hour or more), one row per
    range with the ``COLUMNS``."""
    seconds = np.array([int(e.timestamp() // 1) for e in edges], dtype=np.int64)
    counts = np.zeros((len(edges) - 1, len(COLUMNS)), dtype=np.int64)
    rows = session.execute(
        select(ReviewHour.hour, *(getattr(ReviewHour, c) for c in COLUMNS)).where(
            ReviewHour.user_id == user_id,
            ReviewHour.hour >= int(seconds[0] // HOUR),
            ReviewHour.hour < int(-(-seconds[-1] // HOUR)),
        )
    ).all()
    if rows:
        table = np.array([tuple(row) for row in rows], dtype=np.int64)  # not Row lookups
        index = np.searchsorted(seconds, table[:, 0] * HOUR, side="right") - 1
        inside = (index >= 0) & (index < len(counts))
        np.add.at(counts, index[inside], table[inside, 1:])
    for k in np.flatnonzero(seconds % HOUR):
        # The hour holding edge k was counted whole in range k - 1 (or nowhere for the first
        # edge); its answers from the edge on belong to range k (or nowhere for the last).
        edge = edges[int(k)]
        next_hour = datetime.fromtimestamp((int(seconds[k]) // HOUR + 1) * HOUR, UTC)
        row = session.execute(
            select(*_log_counts()).where(
                ReviewLog.user_id == user_id,
                ReviewLog.reviewed_at >= edge,
                ReviewLog.reviewed_at < next_hour,
            )
        ).one()
        part = np.array([int(v or 0) for v in row], dtype=np.int64)
        if k > 0:
            counts[k - 1] -= part
        if k < len(counts):
            counts[k] += part
    return counts


def _recount(session: Session, user_id: int) -> Select[Any]:
    hour = epoch_seconds(ReviewLog.reviewed_at, session.get_bind().dialect.name) // HOUR
    return (
        select(ReviewLog.user_id, hour.label("hour"), *_log_counts())
        .where(ReviewLog.user_id == user_id)
        .group_by(ReviewLog.user_id, hour)
    )


def drift(session: Session, user_id: int) -> int:
    """How many of the user's hours differ from a recount of the log (0 when exact)."""
    columns = [getattr(ReviewHour, c) for c in COLUMNS]
    stored = {
        row[0]: tuple(row[1:])
        for row in session.execute(
            select(ReviewHour.hour, *columns).where(ReviewHour.user_id == user_id)
        )
    }
    fresh = {
        int(row[1]): tuple(int(v) for v in row[2:])
        for row in session.execute(_recount(session, user_id))
    }
    return sum(stored.get(hour) != fresh.get(hour) for hour in stored.keys() | fresh.keys())


def recount(session: Session, user_id: int) -> None:
    """Replace the user's hours by a recount of the log (inside the caller's transaction)."""
    session.execute(delete(ReviewHour).where(ReviewHour.user_id == user_id))
    session.execute(
        insert(ReviewHour).from_select(["user_id", "hour", *COLUMNS], _recount(session, user_id))
    )
