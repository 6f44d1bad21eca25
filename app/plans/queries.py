"""Reads and writes of interview dates, and the cards (with the user's states) each covers.

Every query takes the user's id: one user never reads, changes or deletes another's dates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.cards.visibility import visible_to
from app.db import write
from app.errors import Conflict, NotFound
from app.models import Card, ReviewState, Topic
from app.plans.logic import DEFAULT_TARGET, InterviewDateIn, Scope, ScopeCard
from app.plans.models import InterviewDate, TopicWeight
from app.study import store
from app.study.queue import scope_conditions
from app.study.scope import RecallTarget


def weights_of(row: InterviewDate) -> dict[str, float]:
    """Topic -> weight; empty for the whole bank."""
    return {str(t["topic"]): float(t["weight"]) for t in row.topics}


def scope_of(row: InterviewDate) -> Scope:
    """The cards the date covers: its topic weights, levels and tags."""
    return Scope(weights_of(row), tuple(row.levels or ()), tuple(row.tags or ()))


def known_tags(session: Session, user_id: int) -> set[str]:
    """Every tag of a card this user sees."""
    rows = session.scalars(select(Card.tags).where(visible_to(user_id)))
    return {tag for tags in rows for tag in tags or ()}


def topic_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Topic.id).order_by(Topic.position, Topic.id)))


def topic_titles(session: Session) -> dict[str, str]:
    return {topic_id: title for topic_id, title in session.execute(select(Topic.id, Topic.title))}


def list_dates(session: Session, user_id: int) -> list[InterviewDate]:
    return list(
        session.scalars(
            select(InterviewDate)
            .where(InterviewDate.user_id == user_id)
            .order_by(InterviewDate.at, InterviewDate.id)
        )
    )


def next_date(session: Session, user_id: int, now: datetime) -> InterviewDate | None:
    """The soonest interview date still to come."""
    return session.scalars(
        select(InterviewDate)
        .where(InterviewDate.user_id == user_id, InterviewDate.at > now)
        .order_by(InterviewDate.at, InterviewDate.id)
        .limit(1)
    ).first()


def find_date(session: Session, user_id: int, date_id: int) -> InterviewDate | None:
    """The user's interview date, or None: another user's date is as unknown as a missing one."""
    row = session.get(InterviewDate, date_id)
    return row if row is not None and row.user_id == user_id else None


def get_date_or_404(session: Session, user_id: int, date_id: int) -> InterviewDate:
    """The user's interview date; another user's id is a 404 like an unknown one."""
    row = find_date(session, user_id, date_id)
    if row is None:
        raise NotFound(f"No interview date {date_id}.")
    return row


def topics_json(data: InterviewDateIn) -> list[TopicWeight]:
    return [{"topic": t.topic, "weight": t.weight} for t in data.topics]


def create(
    session: Session, user_id: int, data: InterviewDateIn, at: datetime, now: datetime
) -> InterviewDate:
    with write(session, user_id):
        row = InterviewDate(
            user_id=user_id,
            name=data.name,
            at=at,
            topics=topics_json(data),
            levels=list(data.levels),
            tags=list(data.tags),
            created_at=now,
        )
        session.add(row)
    return row


def update(session: Session, row: InterviewDate, data: InterviewDateIn, at: datetime) -> None:
    with write(session, row.user_id):
        fresh = get_date_or_404(session, row.user_id, row.id)
        fresh.name, fresh.at, fresh.topics = data.name, at, topics_json(data)
        fresh.levels, fresh.tags = list(data.levels), list(data.tags)


def delete(session: Session, row: InterviewDate) -> None:
    with write(session, row.user_id):
        session.delete(get_date_or_404(session, row.user_id, row.id))


def scope_cards(session: Session, user_id: int, scope: Scope) -> list[ScopeCard]:
    """The live cards of the date's scope (all cards when none), in bank order, with states."""
    query = (
        select(Card.id, Card.topic_id, ReviewState)
        .join(Topic, Topic.id == Card.topic_id)
        .outerjoin(
            ReviewState, and_(ReviewState.card_id == Card.id, ReviewState.user_id == user_id)
        )
        .where(visible_to(user_id), *scope_conditions(scope.weights, scope.levels, scope.tags))
        .order_by(Topic.position, Card.position, Card.id)
    )
    return [
        ScopeCard(
            card_id=card_id,
            topic=topic,
            state=store.card_state(row),
            suspended=bool(row is not None and row.suspended),
        )
        for card_id, topic, row in session.execute(query)
    ]


def recall_target(session: Session, user_id: int, date_id: int, now: datetime) -> RecallTarget:
    """What interview-date study ranks by; 404 for another user's date, 409 once it passed."""
    row = get_date_or_404(session, user_id, date_id)
    if row.at <= now:
        raise Conflict(f"The interview date {row.name!r} has passed.")
    scope = scope_of(row)
    return RecallTarget(
        id=row.id,
        name=row.name,
        at=row.at,
        topics=tuple(scope.weights.items()),
        below=DEFAULT_TARGET,
        levels=scope.levels,
        tags=scope.tags,
    )
