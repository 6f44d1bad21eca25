"""Dashboard numbers and /stats aggregates, computed in SQL and NumPy from states and logs.

Per-day numbers count answers between the study day's edges (04:00 local, so DST days keep
their 23 or 25 hours) from the per-hour counts of ``review_hours`` (app.study.hours): a year
is at most 8,760 rows whatever the size of the log. Card-level numbers (forecast,
retrievability, histograms) are NumPy over the user's review states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

import numpy as np
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session

from app.cards.queries import card_count, card_topics
from app.models import Card, ReviewLog, ReviewState, Topic
from app.orm import UTCDateTime
from app.study import queue
from app.study.days import local_time
from app.study.hours import (
    COLUMNS,
    FAR_FUTURE,
    answered_whole_hours,
    on_the_hour,
    range_counts,
)
from app.study.preferences import UserContext, user_context
from app.study.scheduler import LogKind, Rating, State, forgetting_curve_constants
from app.study.scope import Filters
from app.study.stats_time import epoch_seconds
from app.study.user_cache import Until, cached_for_user

KINDS = tuple(LogKind)
RANGES = (30, 90, 365)
RANGE_PROBLEM = f"must be one of {', '.join(map(str, RANGES))}"
FORECAST_DAYS = 30
RETENTION_DAYS = 30
MAX_STREAK_DAYS = 3650
STREAK_CHUNK_DAYS = 60
INTERVAL_EDGES = (1, 2, 3, 8, 15, 31, 91, 181, 366)
INTERVAL_LABELS = ("1d", "2d", "3-7d", "8-14d", "15-30d", "1-3mo", "3-6mo", "6-12mo", ">1y")
STABILITY_EDGES = (0, *INTERVAL_EDGES)
STABILITY_LABELS = ("<1d", *INTERVAL_LABELS)
DIFFICULTY_LABELS = tuple(f"{d}-{d + 1}" for d in range(1, 10))


@dataclass(frozen=True)
class DayCounts:
    """Answers per study day and kind, over consecutive days ending today."""

    days: list[date]
    counts: dict[str, np.ndarray]

    @property
    def totals(self) -> np.ndarray:
        total = np.zeros(len(self.days), dtype=np.int64)
        for per_kind in self.counts.values():
            total += per_kind
        return total


def day_counts(session: Session, ctx: UserContext, now: datetime, days: int) -> DayCounts:
    """Answers per study day for the last ``days`` study days (today included), by kind."""
    today = ctx.calendar.day_of(now)
    first = today - timedelta(days=days - 1)
    counts = range_counts(session, ctx.user_id, ctx.calendar.starts(first, days))
    return DayCounts(
        [first + timedelta(days=i) for i in range(days)],
        {kind: counts[:, COLUMNS.index(kind)] for kind in KINDS},
    )


def _answered(
    session: Session, ctx: UserContext, edges: list[datetime], whole: np.ndarray, k: int
) -> bool:
    """Whether day ``k`` of ``edges`` has an answer: in a whole hour, else counted exactly.

    A day whose edges are both on the hour is all whole hours: ``whole[k]`` is exact, and the
    count (two queries a home page before today's first answer) would only repeat it.
    """
    if whole[k]:
        return True
    if on_the_hour(edges[k]) and on_the_hour(edges[k + 1]):
        return False
    return bool(range_counts(session, ctx.user_id, edges[k : k + 2]).any())


def study_streak(
    session: Session, ctx: UserContext, now: datetime, max_days: int = MAX_STREAK_DAYS
) -> int:
    """Consecutive study days with an answer, ending today (or yesterday if not yet today).

    Walks back in chunks of days, each twice the one before (the first ends today), and stops
    at the first gap. A day with an answer in an hour wholly inside it needs no more; only a
    day without one (a gap, or a zone off the hour whose answers fell in its edge hours) is
    counted exactly from the log.
    """
    today = ctx.calendar.day_of(now)
    studied_today: bool | None = None
    streak, end, chunk = 0, today, STREAK_CHUNK_DAYS
    while streak < max_days:
        edges = ctx.calendar.starts(end - timedelta(days=chunk - 1), chunk)
        whole = answered_whole_hours(session, ctx.user_id, edges)
        days = range(chunk - 1, -1, -1)
        if studied_today is None:
            studied_today, days = _answered(session, ctx, edges, whole, chunk - 1), days[1:]
        for k in days:
            if not _answered(session, ctx, edges, whole, k):
                return min(streak, max_days) + int(studied_today)
            streak += 1
        end -= timedelta(days=chunk)
        chunk *= 2
    return max_days + int(bool(studied_today))


def true_retention(session: Session, ctx: UserContext, since: datetime) -> tuple[int, int]:
    """(passed, total) of answers to review-state cards since ``since`` (Anki's definition)."""
    counts = range_counts(session, ctx.user_id, [since, FAR_FUTURE])[0]
    return int(counts[COLUMNS.index("review_passed")]), int(counts[COLUMNS.index("review")])


def _share(passed: int, total: int) -> float | None:
    return passed / total if total else None


def dashboard(
    session: Session, user_id: int, now: datetime, *, default_zone: str | None = None
) -> dict[str, Any]:
    """The home page's numbers: due now, new today, done today, streak, 30-day retention.

    Kept until a write or the clock can change them (``app.study.user_cache``): a home page
    read again costs one query instead of a dozen.
    """
    numbers, zone_name = cached_for_user(
        session,
        user_id,
        ("dashboard", default_zone),
        now,
        lambda: _dashboard_numbers(session, user_id, now, default_zone),
    )
    return {**numbers, "next_due_label": local_time(numbers["next_due"], zone_name, now)}


def _dashboard_numbers(
    session: Session, user_id: int, now: datetime, default_zone: str | None
) -> Until[tuple[MappingProxyType[str, Any], str]]:
    ctx = user_context(session, user_id, default_zone)
    counts = queue.counts(session, ctx, Filters(), now)
    start, day_end = ctx.calendar.day_bounds(now)
    window = now - timedelta(days=RETENTION_DAYS)
    # Today and the 30 days of retention in one read: [now - 30 days, start), [start, ...).
    month, today = range_counts(session, ctx.user_id, [window, start, FAR_FUTURE])
    studied_today = int(sum(today[COLUMNS.index(kind)] for kind in KINDS if kind != LogKind.CRAM))
    passed, total = (int((month + today)[COLUMNS.index(c)]) for c in ("review_passed", "review"))
    next_due = queue.next_due(session, ctx, Filters(), now)
    numbers = {
        "due_now": counts.learning + counts.review,
        "new_available_today": counts.new,
        "reviews_today": studied_today,
        "streak_days": study_streak(session, ctx, now),
        "retention_30d": _share(passed, total),
        "retention_30d_reviews": total,
        "next_due": next_due,
    }
    burial_ends, oldest = session.execute(
        CLOCK_CHANGES, {"user_id": ctx.user_id, "now": now, "window": window}
    ).one()
    changes = [day_end, next_due, burial_ends]
    if oldest is not None:  # the retention window moves past it
        changes.append(oldest + timedelta(days=RETENTION_DAYS))
    # A card falling due (the next due time), a burial ending, an answer leaving the window,
    # the study day ending: the first of them ends the value.
    return Until(
        (MappingProxyType(numbers), ctx.zone_name),
        until=min(moment for moment in changes if moment is not None),
    )


CLOCK_CHANGES = select(
    select(func.min(ReviewState.buried_until))
    .where(ReviewState.user_id == queue.USER, ReviewState.buried_until > queue.NOW)
    .scalar_subquery(),
    select(func.min(ReviewLog.reviewed_at))
    .where(
        ReviewLog.user_id == queue.USER,
        ReviewLog.reviewed_at >= bindparam("window", type_=UTCDateTime),
    )
    .scalar_subquery(),
)


@dataclass(frozen=True)
class CardRows:
    """Scheduling columns of every studied card of the user, as NumPy arrays."""

    card_id: list[str]
    topic: np.ndarray
    state: np.ndarray
    stability: np.ndarray
    difficulty: np.ndarray
    due: np.ndarray
    last_review: np.ndarray
    lapses: np.ndarray
    suspended: np.ndarray


def _card_rows(session: Session, ctx: UserContext) -> CardRows:
    """The user's studied cards; their topics (and which are retired) come from the bank cache,
    so the states are read without a seek of each one's card (a third of the time at 9,000)."""
    dialect = session.get_bind().dialect.name
    topics = card_topics(session)
    rows = [
        row
        for row in session.connection().execute(
            select(
                ReviewState.card_id,
                ReviewState.state,
                ReviewState.stability,
                ReviewState.difficulty,
                epoch_seconds(ReviewState.due, dialect),
                epoch_seconds(ReviewState.last_review, dialect),
                ReviewState.lapses,
                ReviewState.suspended,
            ).where(ReviewState.user_id == ctx.user_id, ReviewState.reps > 0)
        )
        if row[0] in topics
    ]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(8)]
    return CardRows(
        card_id=list(columns[0]),
        topic=np.array([topics[card_id] for card_id in columns[0]], dtype=object),
        state=np.array(columns[1], dtype=np.int64),
        stability=np.array(columns[2], dtype=np.float64),
        difficulty=np.array(columns[3], dtype=np.float64),
        due=np.array(columns[4], dtype=np.float64),
        last_review=np.array(columns[5], dtype=np.float64),
        lapses=np.array(columns[6], dtype=np.int64),
        suspended=np.array(columns[7], dtype=bool),
    )


def retrievability_now(ctx: UserContext, rows: CardRows, now: datetime) -> np.ndarray:
    """FSRS retrievability of each card now (elapsed whole days, as the fsrs package counts)."""
    decay, factor = forgetting_curve_constants(ctx.config.parameters)
    elapsed = np.maximum(0.0, np.floor((now.timestamp() - rows.last_review) / 86400.0))
    retrievability: np.ndarray = (1.0 + factor * elapsed / rows.stability) ** decay
    return retrievability


def forecast(
    ctx: UserContext, rows: CardRows, now: datetime, days: int = FORECAST_DAYS
) -> list[tuple[date, int]]:
    """Cards falling due per study day from today; today includes everything overdue."""
    today = ctx.calendar.day_of(now)
    edges = np.array([t.timestamp() for t in ctx.calendar.starts(today, days)])
    active = ~rows.suspended
    index = np.searchsorted(edges, rows.due[active], side="right") - 1
    index = np.maximum(index, 0)
    counts = np.bincount(index[index < days], minlength=days)
    return [(today + timedelta(days=i), int(counts[i])) for i in range(days)]


def _histogram(values: np.ndarray, edges: tuple[float, ...]) -> list[int]:
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="right") - 1
    index = index[index >= 0]
    return [int(c) for c in np.bincount(index, minlength=len(edges))[: len(edges)]]


def state_counts(session: Session, ctx: UserContext, rows: CardRows) -> dict[str, int]:
    """Cards by state: new, learning, review, relearning, suspended (retired ones excluded)."""
    total = card_count(session)
    # From the user's states, the card checked only for the few that match: a join let SQLite
    # walk every card and seek its state (6 ms at 10,000 cards).
    kept = exists().where(Card.id == ReviewState.card_id, Card.retired.is_(False))
    suspended_new = (
        session.scalar(
            select(func.count())
            .select_from(ReviewState)
            .where(
                ReviewState.user_id == ctx.user_id,
                ReviewState.reps == 0,
                ReviewState.suspended.is_(True),
                kept,
            )
        )
        or 0
    )
    active = ~rows.suspended
    suspended = int(rows.suspended.sum()) + suspended_new
    return {
        "new": int(total - len(rows.card_id) - suspended_new),
        "learning": int(np.sum(active & (rows.state == int(State.Learning)))),
        "review": int(np.sum(active & (rows.state == int(State.Review)))),
        "relearning": int(np.sum(active & (rows.state == int(State.Relearning)))),
        "suspended": suspended,
    }


@dataclass(frozen=True)
class TopicRow:
    topic_id: str
    title: str
    seen: int
    total: int
    mean_retrievability: float | None
    lapses: int
    retention_passed: int
    retention_total: int

    @property
    def retention(self) -> float | None:
        return _share(self.retention_passed, self.retention_total)


def topic_table(
    session: Session, ctx: UserContext, rows: CardRows, now: datetime
) -> list[TopicRow]:
    """Per-topic mastery (seen/total, mean retrievability now, lapses) and 30-day retention."""
    totals = dict(
        session.execute(
            select(Card.topic_id, func.count())
            .where(Card.retired.is_(False))
            .group_by(Card.topic_id)
        ).all()
    )
    since = now - timedelta(days=RETENTION_DAYS)
    # The recent answers are materialized first (a range scan of the covering time index);
    # otherwise SQLite groups by walking the card_id index over the whole log.
    recent = (
        select(ReviewLog.card_id, ReviewLog.rating)
        .where(
            ReviewLog.user_id == ctx.user_id,
            ReviewLog.kind == LogKind.REVIEW,
            ReviewLog.reviewed_at >= since,
        )
        .cte("recent")
        .prefix_with("MATERIALIZED")
    )
    retention = {
        topic: (int(passed), int(total))
        for topic, passed, total in session.execute(
            select(
                Card.topic_id,
                func.count().filter(recent.c.rating > int(Rating.Again)),
                func.count(),
            )
            .join(recent, recent.c.card_id == Card.id)
            .group_by(Card.topic_id)
        )
    }
    recall = retrievability_now(ctx, rows, now)
    result = []
    for topic in session.scalars(select(Topic).order_by(Topic.position, Topic.id)):
        mine = rows.topic == topic.id
        seen = int(mine.sum())
        passed, total = retention.get(topic.id, (0, 0))
        result.append(
            TopicRow(
                topic_id=topic.id,
                title=topic.title,
                seen=seen,
                total=int(totals.get(topic.id, 0)),
                mean_retrievability=float(recall[mine].mean()) if seen else None,
                lapses=int(rows.lapses[mine].sum()),
                retention_passed=passed,
                retention_total=total,
            )
        )
    return result


def study_stats(
    session: Session, ctx: UserContext, now: datetime, days: int = 30
) -> dict[str, Any]:
    """Everything /stats and /api/stats show, as plain numbers."""
    rows = _card_rows(session, ctx)
    year = day_counts(session, ctx, now, 365)
    window = slice(365 - days, 365)
    review_cards = rows.state == int(State.Review)
    intervals = (rows.due[review_cards] - rows.last_review[review_cards]) / 86400.0
    passed, total = true_retention(session, ctx, now - timedelta(days=RETENTION_DAYS))
    topics = topic_table(session, ctx, rows, now)
    return {
        "range_days": days,
        "reviews_per_day": [
            {"day": day.isoformat(), **{k: int(year.counts[k][i]) for k in KINDS}}
            for i, day in list(enumerate(year.days))[window]
        ],
        "forecast": [{"day": d.isoformat(), "due": n} for d, n in forecast(ctx, rows, now)],
        "card_counts": state_counts(session, ctx, rows),
        "retention_30d": {"passed": passed, "total": total, "rate": _share(passed, total)},
        "retention_by_topic": [
            {
                "topic": t.topic_id,
                "title": t.title,
                "passed": t.retention_passed,
                "total": t.retention_total,
                "rate": t.retention,
            }
            for t in topics
            if t.retention_total
        ],
        "intervals": dict(
            zip(INTERVAL_LABELS, _histogram(np.round(intervals), INTERVAL_EDGES), strict=True)
        ),
        "difficulty": dict(
            zip(
                DIFFICULTY_LABELS,
                _histogram(np.minimum(rows.difficulty, 9.999), tuple(range(1, 10))),
                strict=True,
            )
        ),
        "stability": dict(
            zip(STABILITY_LABELS, _histogram(rows.stability, STABILITY_EDGES), strict=True)
        ),
        "calendar": [
            {"day": d.isoformat(), "count": int(n)}
            for d, n in zip(year.days, year.totals, strict=True)
        ],
        "mastery": [
            {
                "topic": t.topic_id,
                "title": t.title,
                "seen": t.seen,
                "total": t.total,
                "mean_retrievability": t.mean_retrievability,
                "lapses": t.lapses,
            }
            for t in topics
        ],
        "streak_days": study_streak(session, ctx, now),
    }
