"""Which card comes next: due learning cards, then due reviews, then new cards, within limits."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.cards.visibility import visible_to
from app.models import Card, ReviewLog, ReviewState, Topic
from app.orm import UTCDateTime
from app.plans import easy_days
from app.plans.models import EasyDays
from app.study import store
from app.study.models import ALL_TOPICS, NewCardAllowance
from app.study.preferences import UserContext
from app.study.scheduler import SCHEDULING_ERRORS, LogKind, State, retrievability
from app.study.scope import Filters, StudyMode

LEARN_AHEAD = timedelta(minutes=20)
LEARNING_STATES = (int(State.Learning), int(State.Relearning))

Params = dict[str, Any]  # the values of a statement's bound parameters


@dataclass(frozen=True)
class Counts:
    """What is left today: learning cards due now, reviews and new cards within the limits."""

    learning: int
    review: int
    new: int

    @property
    def total(self) -> int:
        return self.learning + self.review + self.new


@dataclass(frozen=True)
class Usage:
    """What the user did today, as the daily limits count it."""

    new_done: int
    reviews_done: int


@dataclass(frozen=True)
class NextCard:
    card: Card
    queue: str  # learning | review | new | cram | ahead | interview


def _tag_pattern(tag: str) -> str:
    # Tags are kebab-case, so their quoted JSON text matches exactly, on SQLite and PostgreSQL.
    return '%"' + tag.replace("\\", "").replace("%", "").replace("_", "\\_") + '"%'


def _tags_like(pattern: ColumnElement[str] | str) -> ColumnElement[bool]:
    return cast(Card.tags, String).like(pattern, escape="\\")


def scope_conditions(
    topics: Collection[str], levels: Collection[str], tags: Collection[str]
) -> list[ColumnElement[bool]]:
    """Cards of these topics, levels and (any of these) tags; an empty collection limits nothing."""
    conditions: list[ColumnElement[bool]] = []
    if topics:
        conditions.append(Card.topic_id.in_(list(topics)))
    if levels:
        conditions.append(Card.level.in_(list(levels)))
    if tags:
        conditions.append(or_(*(_tags_like(_tag_pattern(tag)) for tag in tags)))
    return conditions


@dataclass(frozen=True)
class Shape:
    """Which conditions a queue statement has; their values come as parameters (``bound``).

    The statements are built once per shape: building one (and its cache key) cost SQLAlchemy
    more than SQLite took to run it.
    """

    topic: bool = False
    level: bool = False
    tag: bool = False
    scope_topics: bool = False  # an interview date's topics, levels and tags
    scope_levels: bool = False
    scope_tags: int = 0
    skip: bool = False  # cards to pass over


def bound(ctx: UserContext, filters: Filters, skip: Collection[str] = ()) -> tuple[Shape, Params]:
    """The shape of ``filters`` and the parameters that fill it in."""
    params: Params = {"user_id": ctx.user_id}
    if filters.topic:
        params["topic"] = filters.topic
    if filters.level:
        params["level"] = filters.level
    if filters.tag:
        params["tag"] = _tag_pattern(filters.tag)
    scope_tags: tuple[str, ...] = ()
    if (target := filters.interview) is not None:
        if target.topics:
            params["scope_topics"] = [topic for topic, _ in target.topics]
        if target.levels:
            params["scope_levels"] = list(target.levels)
        scope_tags = target.tags
        for i, tag in enumerate(scope_tags):
            params[f"scope_tag_{i}"] = _tag_pattern(tag)
    if skip:
        params["skip"] = list(skip)
    shape = Shape(
        topic="topic" in params,
        level="level" in params,
        tag="tag" in params,
        scope_topics="scope_topics" in params,
        scope_levels="scope_levels" in params,
        scope_tags=len(scope_tags),
        skip=bool(skip),
    )
    return shape, params


def _card_filters(shape: Shape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Card.retired.is_(False)]
    if shape.topic:
        conditions.append(Card.topic_id == bindparam("topic"))
    if shape.level:
        conditions.append(Card.level == bindparam("level"))
    if shape.tag:
        conditions.append(_tags_like(bindparam("tag", type_=String)))
    if shape.scope_topics:
        conditions.append(Card.topic_id.in_(bindparam("scope_topics", expanding=True)))
    if shape.scope_levels:
        conditions.append(Card.level.in_(bindparam("scope_levels", expanding=True)))
    if shape.scope_tags:
        tags = (
            _tags_like(bindparam(f"scope_tag_{i}", type_=String)) for i in range(shape.scope_tags)
        )
        conditions.append(or_(*tags))
    if shape.skip:
        conditions.append(Card.id.not_in(bindparam("skip", expanding=True)))
    return conditions


USER = bindparam("user_id", type_=Integer)
NOW = bindparam("now", type_=UTCDateTime)  # burials end and learning steps fall due by then
UNTIL = bindparam("until", type_=UTCDateTime)  # learning cards due by then
DAY_END = bindparam("day_end", type_=UTCDateTime)  # reviews due before then


def _available() -> ColumnElement[bool]:
    return and_(
        ReviewState.suspended.is_(False),
        or_(ReviewState.buried_until.is_(None), ReviewState.buried_until <= NOW),
    )


def _scheduled(shape: Shape) -> Select[str]:
    return (
        select(Card.id)
        .join(ReviewState, and_(ReviewState.card_id == Card.id, ReviewState.user_id == USER))
        .where(ReviewState.reps > 0, _available(), *_card_filters(shape))
    )


def _learning(shape: Shape) -> Select[str]:
    return _scheduled(shape).where(ReviewState.state.in_(LEARNING_STATES), ReviewState.due <= UNTIL)


def _reviews(shape: Shape) -> Select[str]:
    return _scheduled(shape).where(
        ReviewState.state == int(State.Review), ReviewState.due < DAY_END
    )


def _new(shape: Shape) -> Select[str]:
    seen_or_hidden = exists().where(
        ReviewState.card_id == Card.id,
        ReviewState.user_id == USER,
        or_(ReviewState.reps > 0, not_(_available())),
    )
    return select(Card.id).where(~seen_or_hidden, visible_to(USER), *_card_filters(shape))


def _due_by(shape: Shape) -> Select[str]:
    return _scheduled(shape).where(ReviewState.due < bindparam("due_by", type_=UTCDateTime))


QUEUES = {
    "learning": _learning,
    "reviews": _reviews,
    "new": _new,
    "scheduled": _scheduled,
    "due_by": _due_by,
}


def _counted(queue: str, shape: Shape, limit: str | None = None) -> Select[int]:
    """Rows of ``queue``, no further than the parameter ``limit`` names when it names one.

    Ids only: whole rows would read every card's answer (9 ms at 9,000 cards).
    """
    ids = QUEUES[queue](shape)
    if limit is not None:
        ids = ids.limit(bindparam(limit, type_=Integer))
    return select(func.count()).select_from(ids.subquery())


_count_statement = lru_cache(maxsize=256)(_counted)


@lru_cache(maxsize=256)
def _first_statement(queue: str, shape: Shape) -> Select[str]:
    # The id first, then the card: a sort of whole rows would copy every candidate's answer.
    order = (Card.position, Card.id) if queue == "new" else (ReviewState.due,)
    return QUEUES[queue](shape).order_by(*order).limit(1)


def _count(session: Session, queue: str, shape: Shape, params: Params) -> int:
    return session.execute(_count_statement(queue, shape), params).scalar_one()


def _first(session: Session, queue: str, shape: Shape, params: Params) -> Card | None:
    card_id = session.execute(_first_statement(queue, shape), params).scalar()
    return None if card_id is None else session.get(Card, card_id)


def _queue_params(ctx: UserContext, params: Params, now: datetime) -> Params:
    _, day_end = ctx.calendar.day_bounds(now)
    return {**params, "now": now, "until": now, "day_end": day_end}


USAGE = select(
    func.count().filter(and_(ReviewLog.kind == LogKind.LEARN, ReviewLog.state_before.is_(None))),
    func.count().filter(ReviewLog.kind == LogKind.REVIEW),
).where(ReviewLog.user_id == USER, ReviewLog.reviewed_at >= bindparam("start", type_=UTCDateTime))


def usage_today(session: Session, ctx: UserContext, now: datetime) -> Usage:
    """New cards introduced and reviews answered since today's study day started."""
    start, _ = ctx.calendar.day_bounds(now)
    params = {"user_id": ctx.user_id, "start": start}
    new_done, reviews_done = session.execute(USAGE, params).one()
    return Usage(new_done=new_done, reviews_done=reviews_done)


ALLOWANCE = select(func.coalesce(func.sum(NewCardAllowance.extra), 0)).where(
    NewCardAllowance.user_id == USER,
    NewCardAllowance.day == bindparam("day"),
    NewCardAllowance.topic_id.in_(bindparam("scopes", expanding=True)),
)
_USED = USAGE.subquery()
# Today's usage, extra allowance and easy-day percents in one read: each statement cost
# SQLAlchemy a quarter of a millisecond, SQLite a few microseconds.
TODAY: Select[Any] = select(
    *_USED.c,
    ALLOWANCE.scalar_subquery(),
    select(EasyDays.percents).where(EasyDays.user_id == USER).scalar_subquery(),
).select_from(_USED)


@dataclass(frozen=True)
class Budget:
    """Today's limits under some filters and what the user used of them, read once a request
    (the counts, the next card and the done screen all need them)."""

    usage: Usage
    new_limit: int  # the setting at today's easy-day share, plus today's extra allowance
    review_limit: int  # the setting at today's easy-day share

    @property
    def new_left(self) -> int:
        return max(0, self.new_limit - self.usage.new_done)

    @property
    def review_left(self) -> int:
        return max(0, self.review_limit - self.usage.reviews_done)


def budget(session: Session, ctx: UserContext, filters: Filters, now: datetime) -> Budget:
    """Today's limits (the extra new cards asked for every topic, and for the filter's topic)
    and what was used of them."""
    start, _ = ctx.calendar.day_bounds(now)
    day = ctx.calendar.day_of(now)
    scopes = [ALL_TOPICS] + ([filters.topic] if filters.topic else [])
    params = {"user_id": ctx.user_id, "start": start, "day": day, "scopes": scopes}
    new_done, reviews_done, extra, percents = session.execute(TODAY, params).one()
    share = easy_days.of_percents(percents).share(day)
    return Budget(
        usage=Usage(new_done=int(new_done), reviews_done=int(reviews_done)),
        new_limit=easy_days.scaled(ctx.settings.new_per_day, share) + int(extra),
        review_limit=easy_days.scaled(ctx.settings.reviews_per_day, share),
    )


def counts(
    session: Session, ctx: UserContext, filters: Filters, now: datetime, today: Budget | None = None
) -> Counts:
    """What is left today; ``today`` is the request's budget when the caller already read it."""
    today = today or budget(session, ctx, filters, now)
    shape, params = bound(ctx, filters)
    limits = {"reviews_limit": today.review_left, "new_limit": today.new_left}
    params = {**_queue_params(ctx, params, now), **limits}
    learning, review, new = session.execute(_counts_statement(shape), params).one()
    return Counts(learning=int(learning), review=int(review), new=int(new))


@lru_cache(maxsize=256)
def _counts_statement(shape: Shape) -> Select[Any]:
    """The three counts in one statement, reviews and new cards counted no further than today's
    limits (all we show): one statement cost SQLAlchemy more than SQLite took to count."""
    return select(
        _counted("learning", shape).scalar_subquery(),
        _counted("reviews", shape, "reviews_limit").scalar_subquery(),
        _counted("new", shape, "new_limit").scalar_subquery(),
    )


def next_card(
    session: Session,
    ctx: UserContext,
    filters: Filters,
    now: datetime,
    *,
    today: Budget | None = None,
    mode: StudyMode = StudyMode.NORMAL,
    skip: Collection[str] = (),
) -> NextCard | None:
    """The card to show now in ``mode``, or None when today's work (within the limits) is done.

    Cram has a queue of its own; an interview date puts its weakest cards first; study ahead
    ends with the soonest-due scheduled card. ``skip`` names cards to pass over (their stored
    state cannot be scheduled).
    """
    if mode is StudyMode.CRAM:
        return next_cram_card(session, ctx, filters, now)
    shape, params = bound(ctx, filters, skip)
    params = _queue_params(ctx, params, now)
    card = _first(session, "learning", shape, params)
    if card is not None:
        return NextCard(card, "learning")
    if mode is StudyMode.INTERVIEW:
        card = _weakest_on_the_day(session, ctx, filters, shape, params)
        if card is not None:
            return NextCard(card, "interview")
    today = today or budget(session, ctx, filters, now)
    if today.review_left > 0:
        card = _first(session, "reviews", shape, params)
        if card is not None:
            return NextCard(card, "review")
    if today.new_left > 0:
        card = _first_new(session, ctx, shape, params)
        if card is not None:
            return NextCard(card, "new")
    card = _first(session, "learning", shape, {**params, "until": now + LEARN_AHEAD})
    if card is not None:
        return NextCard(card, "learning")
    if mode is StudyMode.AHEAD:
        card = _first(session, "scheduled", shape, params)
        if card is not None:
            return NextCard(card, "ahead")
    return None


def _first_new(session: Session, ctx: UserContext, shape: Shape, params: Params) -> Card | None:
    """The next new card in the user's chosen order (``preferences.NEW_CARD_ORDERS``)."""
    order = ctx.settings.new_card_order
    if order not in ("topic", "random", "weakest"):
        return _first(session, "new", shape, params)
    topics = dict(session.execute(select(Topic.id, Topic.position)).all())
    rows = session.execute(
        _new(shape)
        .with_only_columns(Card.id, Card.topic_id, Card.position)
        .order_by(Card.position, Card.id),
        params,
    ).all()
    if not rows:
        return None
    if order == "random":
        # Seeded by user and study day: the same card stays next until it is answered.
        seed = f"{ctx.user_id}:{ctx.calendar.day_of(params['now']).isoformat()}:"
        best = min(rows, key=lambda r: hashlib.sha256((seed + r.id).encode()).digest())
    elif order == "topic":
        # A card's place within its topic (bank order, seen cards included), so topics take
        # turns: the first card of each topic, then the second of each, ...
        place: dict[str, int] = {}
        counter: dict[str, int] = {}
        everything = select(Card.id, Card.topic_id).where(Card.retired.is_(False))
        for card_id, topic in session.execute(everything.order_by(Card.position, Card.id)):
            place[card_id] = counter[topic] = counter.get(topic, -1) + 1
        best = min(rows, key=lambda r: (place.get(r.id, 0), topics.get(r.topic_id, 0), r.topic_id))
    else:
        weakness = _topic_recall(session, ctx, params["now"])
        best = min(rows, key=lambda r: (weakness.get(r.topic_id, 0.0), topics.get(r.topic_id, 0)))
    return session.get(Card, best.id)


def _topic_recall(session: Session, ctx: UserContext, now: datetime) -> dict[str, float]:
    """Per topic, the share of its cards FSRS predicts recalled now (unseen cards count 0)."""
    totals = dict(
        session.execute(
            select(Card.topic_id, func.count())
            .where(Card.retired.is_(False))
            .group_by(Card.topic_id)
        ).all()
    )
    recalled: dict[str, float] = {}
    rows = session.execute(
        select(Card.topic_id, ReviewState)
        .join(ReviewState, and_(ReviewState.card_id == Card.id, ReviewState.user_id == ctx.user_id))
        .where(ReviewState.reps > 0, Card.retired.is_(False))
    )
    for topic, row in rows:
        try:
            recall = retrievability(ctx.config, store.card_state(row), now)
        except SCHEDULING_ERRORS:
            continue
        if recall == recall:  # NaN from a damaged state counts as nothing recalled
            recalled[topic] = recalled.get(topic, 0.0) + recall
    return {t: recalled.get(t, 0.0) / n for t, n in totals.items() if n}


def _weakest_on_the_day(
    session: Session, ctx: UserContext, filters: Filters, shape: Shape, params: Params
) -> Card | None:
    """The review card, due or not ("advance"), that matters most for the interview date.

    Its recall at the interview's moment is FSRS's retrievability of its stored state; the
    answer is then an ordinary review, so the schedule stays what FSRS makes of it. Cards
    answered today are left for another day: a same-day repetition adds little stability.
    """
    target = filters.interview
    assert target is not None
    weights = dict(target.topics)
    today, _ = ctx.calendar.day_bounds(params["now"])
    rows = session.execute(
        select(Card.id, Card.topic_id, Card.position, ReviewState)
        .join(ReviewState, and_(ReviewState.card_id == Card.id, ReviewState.user_id == USER))
        .where(
            ReviewState.reps > 0,
            ReviewState.state == int(State.Review),
            ReviewState.last_review < bindparam("today", type_=UTCDateTime),
            _available(),
            *_card_filters(shape),
        ),
        {**params, "today": today},
    )
    best: tuple[float, float, int, str] | None = None
    for card_id, topic, position, row in rows:
        try:
            recall = retrievability(ctx.config, store.card_state(row), target.at)
        except SCHEDULING_ERRORS:
            continue
        if not recall < target.below:  # NaN from a damaged stability is passed over too
            continue
        key = (-weights.get(topic, 1.0) * (1 - recall), recall, position, card_id)
        best = key if best is None or key < best else best
    return None if best is None else session.get(Card, best[3])


def next_cram_card(
    session: Session, ctx: UserContext, filters: Filters, now: datetime
) -> NextCard | None:
    """Cram: every unsuspended card of the filter, least recently crammed today first."""
    start, _ = ctx.calendar.day_bounds(now)
    shape, params = bound(ctx, filters)
    last_cram = (
        select(ReviewLog.card_id, func.max(ReviewLog.reviewed_at).label("at"))
        .where(
            ReviewLog.user_id == USER,
            ReviewLog.kind == LogKind.CRAM,
            ReviewLog.reviewed_at >= bindparam("start", type_=UTCDateTime),
        )
        .group_by(ReviewLog.card_id)
        .subquery()
    )
    suspended = exists().where(
        ReviewState.card_id == Card.id,
        ReviewState.user_id == USER,
        ReviewState.suspended.is_(True),
    )
    card_id = session.execute(
        select(Card.id)
        .outerjoin(last_cram, last_cram.c.card_id == Card.id)
        .where(~suspended, visible_to(USER), *_card_filters(shape))
        .order_by(
            case((last_cram.c.at.is_(None), 0), else_=1), last_cram.c.at, Card.position, Card.id
        )
        .limit(1),
        {**params, "start": start},
    ).scalar()
    return None if card_id is None else NextCard(session.get_one(Card, card_id), "cram")


@lru_cache(maxsize=256)
def _next_due_statement(shape: Shape) -> Select[datetime]:
    return (
        select(func.min(ReviewState.due))
        .join(Card, Card.id == ReviewState.card_id)
        .where(
            ReviewState.user_id == USER,
            ReviewState.reps > 0,
            ReviewState.due > NOW,
            ReviewState.suspended.is_(False),
            *_card_filters(shape),
        )
    )


def next_due(
    session: Session, ctx: UserContext, filters: Filters, now: datetime
) -> datetime | None:
    """When the next scheduled card falls due (after now), for the "done for today" screen."""
    shape, params = bound(ctx, filters)
    return session.execute(_next_due_statement(shape), {**params, "now": now}).scalar()


def due_tomorrow(session: Session, ctx: UserContext, filters: Filters, now: datetime) -> int:
    """Scheduled cards that will be due by the end of tomorrow's study day."""
    _, day_end = ctx.calendar.day_bounds(now)
    _, tomorrow_end = ctx.calendar.day_bounds(day_end)
    shape, params = bound(ctx, filters)
    # Seen from the start of tomorrow: a burial ending tonight no longer hides a card.
    params = {**params, "now": day_end, "due_by": tomorrow_end}
    return _count(session, "due_by", shape, params)


def new_count(session: Session, ctx: UserContext, filters: Filters, now: datetime) -> int:
    """New cards not yet seen under the filters (ignoring today's limit)."""
    shape, params = bound(ctx, filters)
    return _count(session, "new", shape, _queue_params(ctx, params, now))


def reviews_due(session: Session, ctx: UserContext, filters: Filters, now: datetime) -> int:
    """Reviews due today under the filters, ignoring the daily review limit."""
    shape, params = bound(ctx, filters)
    return _count(session, "reviews", shape, _queue_params(ctx, params, now))
