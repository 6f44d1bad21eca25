"""Answers counted over time ranges from ``review_hours`` (per UTC hour), exact to the second.

A range [a, b) takes the hours that start inside it from ``review_hours``; an edge that is not
on a UTC hour (a zone 30 or 45 minutes off UTC, a rolling 30-day window) moves the answers
between the edge and the next hour, read from the log's time index, to the range they belong
to. So a study day of any zone, rollover hour or DST length is counted exactly without
storing days, and a change of zone or rollover hour needs no recount.

The database does the folding: a run of ranges of equal length (a zone's days between DST
changes) is one arithmetic step, so a year of days is one query returning a row per day, and
the parts of all off-hour edges are one more query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Integer,
    bindparam,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    select,
    values,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from app.models import ReviewLog
from app.orm import UTCDateTime
from app.study.models import ReviewHour
from app.study.scheduler import LogKind, Rating
from app.study.stats_time import epoch_seconds

HOUR = 3600
# The counted columns, in the order of the arrays below.
COLUMNS = ("learn", "review", "relearn", "cram", "review_passed")
Params = dict[str, int]  # bound parameters of the statements below
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)  # the open end of "since" ranges


def _log_counts() -> list[ColumnElement[Any]]:
    """The counted columns as sums over review_logs rows (the triggers' definition)."""
    kinds = [func.sum(case((ReviewLog.kind == kind, 1), else_=0)) for kind in COLUMNS[:4]]
    passed = func.sum(
        case(((ReviewLog.kind == LogKind.REVIEW) & (ReviewLog.rating > int(Rating.Again)), 1),
             else_=0)
    )  # fmt: skip
    return [*kinds, passed]


def on_the_hour(edge: datetime) -> bool:
    """Whether ``edge`` starts a UTC hour (ranges between such edges are whole hours)."""
    return edge.timestamp() % HOUR == 0


def _seconds(edges: Sequence[datetime]) -> np.ndarray:
    return np.array([int(e.timestamp() // 1) for e in edges], dtype=np.int64)


def _runs(seconds: np.ndarray) -> tuple[int, Params]:
    """The runs of ranges of equal length (a zone's days between DST changes): how many, and
    as parameters per run its first range, its start second and its length."""
    lengths = np.diff(seconds)
    starts = [0, *(int(i) for i in np.flatnonzero(lengths[1:] != lengths[:-1]) + 1)]
    params: Params = {}
    for j, i in enumerate(starts):
        params |= {f"first_{j}": i, f"start_{j}": int(seconds[i]), f"length_{j}": int(lengths[i])}
    return len(starts), params


def _range_index(hour_start: ColumnElement[int], runs: int) -> ColumnElement[Any]:
    """The range an hour starting at ``hour_start`` (seconds) falls in, as SQL: each run of
    ranges of equal length is one arithmetic step, so the database folds hours into ranges and
    returns one row per range, not per hour. The runs' numbers are parameters (``_runs``)."""
    steps = []
    for j in reversed(range(runs)):
        start = bindparam(f"start_{j}", type_=BigInteger)
        first, length = (
            bindparam(f"first_{j}", type_=BigInteger),
            bindparam(f"length_{j}", type_=BigInteger),
        )
        steps.append((hour_start >= start, first + (hour_start - start) // length))
    return case(*steps, else_=None)


def _edge_parts(
    session: Session, user_id: int, edges: Sequence[datetime], seconds: np.ndarray
) -> dict[int, np.ndarray]:
    """For each edge off a UTC hour, the counts from the edge to the next hour, in one query
    (a range seek of the log's time index per edge)."""
    off_hour = [int(k) for k in np.flatnonzero(seconds % HOUR)]
    if not off_hour:
        return {}
    if len(off_hour) <= FEW_EDGES:
        return {k: _part(session, user_id, edges[k], int(seconds[k])) for k in off_hour}
    parts = (
        values(
            column("k", Integer),
            column("begin", UTCDateTime),
            column("end", UTCDateTime),
            name="parts",
        )
        .data(
            [
                (k, edges[k], datetime.fromtimestamp((int(seconds[k]) // HOUR + 1) * HOUR, UTC))
                for k in off_hour
            ]
        )
        .cte("parts")
    )  # WITH parts(k, begin, end) AS (VALUES ...): SQLite takes no alias list
    rows = session.execute(
        select(parts.c.k, *_log_counts())
        .join(
            ReviewLog,
            (ReviewLog.user_id == user_id)
            & (ReviewLog.reviewed_at >= parts.c.begin)
            & (ReviewLog.reviewed_at < parts.c.end),
        )
        .group_by(parts.c.k)
    ).all()
    return {int(row[0]): np.array([int(v or 0) for v in row[1:]], dtype=np.int64) for row in rows}


# Up to this many edges off the hour (the dashboard's rolling 30 days has one), a statement
# built once, run per edge, beats a VALUES list: that cannot be cached, so it was compiled
# anew at every request (a third of the home page's time on an empty history).
FEW_EDGES = 16
EDGE_PART = select(*_log_counts()).where(
    ReviewLog.user_id == bindparam("user_id"),
    ReviewLog.reviewed_at >= bindparam("begin", type_=UTCDateTime),
    ReviewLog.reviewed_at < bindparam("end", type_=UTCDateTime),
)


def _part(session: Session, user_id: int, edge: datetime, second: int) -> np.ndarray:
    """The counts from an edge off the hour to the next hour."""
    end = datetime.fromtimestamp((second // HOUR + 1) * HOUR, UTC)
    row = session.execute(EDGE_PART, {"user_id": user_id, "begin": edge, "end": end}).one()
    return np.array([int(v or 0) for v in row], dtype=np.int64)


# Hour starts as seconds: BIGINT, past 2038 on PostgreSQL.
HOUR_START = cast(ReviewHour.hour, BigInteger) * HOUR
FIRST_HOUR = bindparam("first_hour", type_=BigInteger)
END_HOUR = bindparam("end_hour", type_=BigInteger)


# Built once per number of runs (the values are parameters): building the CASE of a year's
# days and its cache key cost more than the query.
@lru_cache(maxsize=64)
def _whole_hours_statement(runs: int) -> Select[Any]:
    index = _range_index(HOUR_START, runs)
    return (
        select(index)
        .where(
            ReviewHour.user_id == bindparam("user_id"),
            ReviewHour.hour >= FIRST_HOUR,
            ReviewHour.hour < END_HOUR,
            index == _range_index(HOUR_START + (HOUR - 1), runs),
        )
        .distinct()
    )


@lru_cache(maxsize=64)
def _range_counts_statement(runs: int) -> Select[Any]:
    index = _range_index(HOUR_START, runs).label("range")
    return (
        select(index, *(func.sum(getattr(ReviewHour, c)) for c in COLUMNS))
        .where(
            ReviewHour.user_id == bindparam("user_id"),
            ReviewHour.hour >= FIRST_HOUR,
            ReviewHour.hour < END_HOUR,
        )
        .group_by(index)
    )


def answered_whole_hours(session: Session, user_id: int, edges: Sequence[datetime]) -> np.ndarray:
    """Whether each range between consecutive ``edges`` has an answer in an hour wholly inside
    it: exact where the edges are on UTC hours, a lower bound otherwise (the log is not read)."""
    seconds = _seconds(edges)
    runs, steps = _runs(seconds)
    params = {
        "user_id": user_id,
        "first_hour": int(seconds[0] // HOUR),
        "end_hour": int(seconds[-1] // HOUR),
        **steps,
    }
    found = session.execute(_whole_hours_statement(runs), params).scalars().all()
    answered = np.zeros(len(edges) - 1, dtype=bool)
    answered[[int(k) for k in found if k is not None]] = True
    return answered


def range_counts(session: Session, user_id: int, edges: Sequence[datetime]) -> np.ndarray:
    """Counts per range between consecutive ``edges`` (ranges of an hour or more), one row per
    range with the ``COLUMNS``."""
    seconds = _seconds(edges)
    counts = np.zeros((len(edges) - 1, len(COLUMNS)), dtype=np.int64)
    runs, steps = _runs(seconds)
    params = {
        "user_id": user_id,
        "first_hour": int(seconds[0] // HOUR),
        "end_hour": int(-(-seconds[-1] // HOUR)),
        **steps,
    }
    for k, *sums in session.execute(_range_counts_statement(runs), params):
        if k is not None:  # the hour holding the first edge starts before it
            counts[int(k)] = sums
    for k, part in _edge_parts(session, user_id, edges, seconds).items():
        # The hour holding edge k was counted whole in range k - 1 (or nowhere for the first
        # edge); its answers from the edge on belong to range k (or nowhere for the last).
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
