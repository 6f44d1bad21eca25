"""Read-only queries over topics and cards: what the viewer sees (app.cards.visibility)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from app.cards.visibility import visible_to
from app.content.schema import is_card_id
from app.errors import NotFound
from app.models import Card, Topic


@dataclass(frozen=True)
class TopicSummary:
    topic: Topic
    card_count: int
    levels: dict[str, int]


def topic_summaries(session: Session, user_id: int) -> list[TopicSummary]:
    """Every topic in bank order with its number of cards per level (own cards included)."""
    rows = session.execute(
        select(Card.topic_id, Card.level, func.count())
        .where(visible_to(user_id))
        .group_by(Card.topic_id, Card.level)
    ).all()
    levels: dict[str, Counter[str]] = {}
    for topic_id, level, count in rows:
        levels.setdefault(topic_id, Counter())[level] = count
    topics = session.scalars(select(Topic).order_by(Topic.position)).all()
    return [
        TopicSummary(t, sum(levels.get(t.id, {}).values()), dict(levels.get(t.id, {})))
        for t in topics
        if t.id in levels
    ]


def get_topic_or_404(session: Session, topic_id: str) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(f"No topic {topic_id!r}.")
    return topic


def get_card_or_404(session: Session, card_id: str, user_id: int) -> Card:
    query = select(Card).where(Card.id == card_id, visible_to(user_id))
    card = session.scalar(query) if is_card_id(card_id) else None
    if card is None:
        raise NotFound(f"No card {card_id!r}.")
    return card


def topic_cards(
    session: Session,
    topic_id: str,
    user_id: int,
    *,
    level: str | None = None,
    tag: str | None = None,
) -> list[Card]:
    query = select(Card).where(Card.topic_id == topic_id, visible_to(user_id))
    if level:
        query = query.where(Card.level == level)
    cards = session.scalars(query.order_by(Card.position)).all()
    return [c for c in cards if tag in c.tags] if tag else list(cards)


def neighbours(session: Session, card: Card, user_id: int) -> tuple[Card | None, Card | None]:
    """The previous and next card of the same topic, in bank order (own cards after).

    Only their ids and questions are loaded: the links need no more.
    """
    links = load_only(Card.id, Card.question, Card.position)
    base = select(Card).options(links).where(Card.topic_id == card.topic_id, visible_to(user_id))
    previous = session.scalars(
        base.where(Card.position < card.position).order_by(Card.position.desc()).limit(1)
    ).first()
    following = session.scalars(
        base.where(Card.position > card.position).order_by(Card.position).limit(1)
    ).first()
    return previous, following


def visible_ids(session: Session, user_id: int, ids: list[str]) -> set[str]:
    """Those of ``ids`` the user may see (search hits are filtered with it)."""
    query = select(Card.id).where(Card.id.in_(ids), visible_to(user_id))
    return set(session.scalars(query)) if ids else set()


def card_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(Card.retired.is_(False))) or 0
