"""Which card comes next: due learning cards, then due reviews, then new cards, within limits."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, String, and_, case, cast, exists, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.cards.visibility import visible_to
from app.models import Card, ReviewLog, ReviewState, Topic
from app.plans import easy_days
from app.study import store
from app.study.models import ALL_TOPICS, NewCardAllowance
from app.study.preferences import UserContext
from app.study.scheduler import SCHEDULING_ERRORS, LogKind, State, retrievability
from app.study.scope import Filters, StudyMode

LEARN_AHEAD = timedelta(minutes=20)
LEARNING_STATES = (int(State.Learning), int(State.Relearning))


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


def has_tag(tag: str) -> ColumnElement[bool]:
    """The card carries ``tag``."""
    # Tags are kebab-case, so their quoted JSON text matches exactly, on SQLite and PostgreSQL.
    pattern = '%"' + tag.replace("\\", "").replace("%", "").replace("_", "\\_") + '"%'
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
        conditions.append(or_(*(has_tag(tag) for tag in tags)))
    return conditions


def _card_filters(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Card.retired.is_(False)]
    if filters.topic:
        conditions.append(Card.topic_id == filters.topic)
    if filters.level:
        conditions.append(Card.level == filters.level)
    if filters.tag:
        conditions.append(has_tag(filters.tag))
    if (target := filters.interview) is not None:
        topics = [topic for topic, _ in target.topics]
        conditions += scope_conditions(topics, target.levels, target.tags)
    return conditions


def _available(now: datetime) -> ColumnElement[bool]:
    return and_(
        ReviewState.suspended.is_(False),
        or_(ReviewState.buried_until.is_(None), ReviewState.buried_until <= now),
    )


def usage_today(session: Session, ctx: UserContext, now: datetime) -> Usage:
    """New cards introduced and reviews answered since today's study day started."""
    start, _ = ctx.calendar.day_bounds(now)
    row = session.execute(
        select(
            func.count().filter(
                and_(ReviewLog.kind == LogKind.LEARN, ReviewLog.state_before.is_(None))
            ),
            func.count().filter(ReviewLog.kind == LogKind.REVIEW),
        ).where(ReviewLog.user_id == ctx.user_id, ReviewLog.reviewed_at >= start)
    ).one()
    return Usage(new_done=row[0], reviews_done=row[1])


def _scheduled(ctx: UserContext, filters: Filters, now: datetime) -> Select[Card]:
    return (
        select(Card)
        .join(ReviewState, and_(ReviewState.card_id == Card.id, ReviewState.user_id == ctx.user_id))
        .where(ReviewState.reps > 0, _available(now), *_card_filters(filters))
    )


def _learning(ctx: UserContext, filters: Filters, now: datetime, until: datetime) -> Select[Card]:
    return _scheduled(ctx, filters, now).where(
        ReviewState.state.in_(LEARNING_STATES), ReviewState.due <= until
    )


def _reviews(ctx: UserContext, filters: Filters, now: datetime) -> Select[Card]:
    _, day_end = ctx.calendar.day_bounds(now)
    return _scheduled(ctx, filters, now).where(
        ReviewState.state == int(State.Review), ReviewState.due < day_end
    )


def _new(ctx: UserContext, filters: Filters, now: datetime) -> Select[Card]:
    seen_or_hidden = exists().where(
        ReviewState.card_id == Card.id,
        ReviewState.user_id == ctx.user_id,
        or_(ReviewState.reps > 0, not_(_available(now))),
    )
    return select(Card).where(~seen_or_hidden, visible_to(ctx.user_id), *_card_filters(filters))


def _count(session: Session, query: Select[Card], limit: int | None = None) -> int:
    """Rows of ``query``, counting no further than ``limit`` (the day's limit is all we show)."""
    ids = query.with_only_columns(Card.id)  # whole rows read every card's answer: 9 ms at 9,000
    if limit is not None:
        ids = ids.limit(limit)
    return session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()


def extra_new_today(session: Session, ctx: UserContext, topic: str | None, now: datetime) -> int:
    """Extra new cards the user asked for today: for every topic, plus for ``topic``'s own."""
    day = ctx.calendar.day_of(now)
    scopes = [ALL_TOPICS] + ([topic] if topic else [])
    extra = session.scalar(
        select(func.coalesce(func.sum(NewCardAllowance.extra), 0)).where(
            NewCardAllowance.user_id == ctx.user_id,
            NewCardAllowance.day == day,
            NewCardAllowance.topic_id.in_(scopes),
        )
    )
    return int(extra or 0)


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
    share = easy_days.load(session, ctx.user_id).share(ctx.calendar.day_of(now))
    return Budget(
        usage=usage_today(session, ctx, now),
        new_limit=easy_days.scaled(ctx.settings.new_per_day, share)
        + extra_new_today(session, ctx, filters.topic, now),
        review_limit=easy_days.scaled(ctx.settings.reviews_per_day, share),
    )


def counts(
    session: Session, ctx: UserContext, filters: Filters, now: datetime, today: Budget | None = None
) -> Counts:
    """What is left today; ``today`` is the request's budget when the caller already read it."""
    today = today or budget(session, ctx, filters, now)
    return Counts(
        learning=_count(session, _learning(ctx, filters, now, now)),
        review=_count(session, _reviews(ctx, filters, now), today.review_left),
        new=_count(session, _new(ctx, filters, now), today.new_left),
    )


def _first_card(session: Session, query: Select[Card]) -> Card | None:
    """The first card of ``query``: its id first, then the card, since a sort of whole rows
    would copy every candidate's answer into the sorter."""
    card_id = session.scalar(query.with_only_columns(Card.id).limit(1))
    return None if card_id is None else session.get(Card, card_id)


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

    def first(query: Select[Card]) -> Card | None:
        if skip:
            query = query.where(Card.id.not_in(list(skip)))
        return _first_card(session, query)

    card = first(_learning(ctx, filters, now, now).order_by(ReviewState.due))
    if card is not None:
        return NextCard(card, "learning")
    if mode is StudyMode.INTERVIEW:
        card = _weakest_on_the_day(session, ctx, filters, now, skip)
        if card is not None:
            return NextCard(card, "interview")
    today = today or budget(session, ctx, filters, now)
    if today.review_left > 0:
        card = first(_reviews(ctx, filters, now).order_by(ReviewState.due))
        if card is not None:
            return NextCard(card, "review")
    if today.new_left > 0:
        card = _first_new(session, ctx, filters, now, skip)
        if card is not None:
            return NextCard(card, "new")
    card = first(_learning(ctx, filters, now, now + LEARN_AHEAD).order_by(ReviewState.due))
    if card is not None:
        return NextCard(card, "learning")
    if mode is StudyMode.AHEAD:
        card = first(_scheduled(ctx, filters, now).order_by(ReviewState.due))
        if card is not None:
            return NextCard(card, "ahead")
    return None


def _first_new(
    session: Session, ctx: UserContext, filters: Filters, now: datetime, skip: Collection[str]
) -> Card | None:
    """The next new card in the user's chosen order (``preferences.NEW_CARD_ORDERS``)."""
    order = ctx.settings.new_card_order
    query = _new(ctx, filters, now)
    if skip:
        query = query.where(Card.id.not_in(list(skip)))
    if order not in ("topic", "random", "weakest"):
        return _first_card(session, query.order_by(Card.position, Card.id))
    topics = dict(session.execute(select(Topic.id, Topic.position)).all())
    rows = session.execute(
        query.with_only_columns(Card.id, Card.topic_id, Card.position).order_by(
            Card.position, Card.id
        )
    ).all()
    if not rows:
        return None
    if order == "random":
        # Seeded by user and study day: the same card stays next until it is answered.
        seed = f"{ctx.user_id}:{ctx.calendar.day_of(now).isoformat()}:"
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
        weakness = _topic_recall(session, ctx, now)
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
    session: Session, ctx: UserContext, filters: Filters, now: datetime, skip: Collection[str]
) -> Card | None:
    """The review card, due or not ("advance"), that matters most for the interview date.

    Its recall at the interview's moment is FSRS's retrievability of its stored state; the
    answer is then an ordinary review, so the schedule stays what FSRS makes of it. Cards
    answered today are left for another day: a same-day repetition adds little stability.
    """
    target = filters.interview
    assert target is not None
    weights = dict(target.topics)
    today, _ = ctx.calendar.day_bounds(now)
    rows = session.execute(
        select(Card.id, Card.topic_id, Card.position, ReviewState)
        .join(ReviewState, and_(ReviewState.card_id == Card.id, ReviewState.user_id == ctx.user_id))
        .where(
            ReviewState.reps > 0,
            ReviewState.state == int(State.Review),
            ReviewState.last_review < today,
            _available(now),
            *_card_filters(filters),
        )
    )
    best: tuple[float, float, int, str] | None = None
    for card_id, topic, position, row in rows:
        if card_id in skip:
            continue
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
    last_cram = (
        select(ReviewLog.card_id, func.max(ReviewLog.reviewed_at).label("at"))
        .where(
            ReviewLog.user_id == ctx.user_id,
            ReviewLog.kind == LogKind.CRAM,
            ReviewLog.reviewed_at >= start,
        )
        .group_by(ReviewLog.card_id)
        .subquery()
    )
    suspended = exists().where(
        ReviewState.card_id == Card.id,
        ReviewState.user_id == ctx.user_id,
        ReviewState.suspended.is_(True),
    )
    card = session.scalars(
        select(Card)
        .outerjoin(last_cram, last_cram.c.card_id == Card.id)
        .where(~suspended, visible_to(ctx.user_id), *_card_filters(filters))
        .order_by(
            case((last_cram.c.at.is_(None), 0), else_=1), last_cram.c.at, Card.position, Card.id
        )
        .limit(1)
    ).first()
    return None if card is None else NextCard(card, "cram")


def next_due(
    session: Session, ctx: UserContext, filters: Filters, now: datetime
) -> datetime | None:
    """When the next scheduled card falls due (after now), for the "done for today" screen."""
    return session.scalars(
        select(func.min(ReviewState.due))
        .join(Card, Card.id == ReviewState.card_id)
        .where(
            ReviewState.user_id == ctx.user_id,
            ReviewState.reps > 0,
            ReviewState.due > now,
            ReviewState.suspended.is_(False),
            *_card_filters(filters),
        )
    ).first()


def due_tomorrow(session: Session, ctx: UserContext, filters: Filters, now: datetime) -> int:
    """Scheduled cards that will be due by the end of tomorrow's study day."""
    _, day_end = ctx.calendar.day_bounds(now)
    _, tomorrow_end = ctx.calendar.day_bounds(day_end)
    return _count(
        session,
        _scheduled(ctx, filters, day_end).where(ReviewState.due < tomorrow_end),
    )


def new_count(session: Session, ctx: UserContext, filters: Filters, now: datetime) -> int:
    """New cards not yet seen under the filters (ignoring today's limit)."""
    return _count(session, _new(ctx, filters, now))


def reviews_due(session: Session, ctx: UserContext, filters: Filters, now: datetime) -> int:
    """Reviews due today under the filters, ignoring the daily review limit."""
    return _count(session, _reviews(ctx, filters, now))
