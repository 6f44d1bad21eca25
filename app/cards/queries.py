"""Read-only queries over topics and cards: what the viewer sees (app.cards.visibility)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.cards.bank_cache import cached
from app.cards.visibility import visible_to
from app.content.schema import is_card_id
from app.demos.links import demo_links
from app.errors import NotFound
from app.models import Card, Topic


@dataclass(frozen=True)
class TopicView:
    """A topic as plain data (the bank cache keeps it across requests)."""

    id: str
    title: str
    description: str
    position: int


@dataclass(frozen=True)
class CardRow:
    """What a topic's card list and a card's neighbour links show of a card."""

    id: str
    question: str
    position: int
    level: str
    owner_id: int | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class TopicSummary:
    topic: TopicView
    card_count: int
    levels: dict[str, int]


def topics(session: Session) -> dict[str, TopicView]:
    """Every topic by id, in bank order."""

    def read() -> dict[str, TopicView]:
        rows = session.scalars(select(Topic).order_by(Topic.position))
        return {t.id: TopicView(t.id, t.title, t.description, t.position) for t in rows}

    return cached(session, "topics", read)


def topic_summaries(session: Session, user_id: int) -> list[TopicSummary]:
    """Every topic in bank order with its number of cards per level (own cards included)."""

    def count() -> list[TopicSummary]:
        rows = session.execute(
            select(Card.topic_id, Card.level, func.count())
            .where(visible_to(user_id))
            .group_by(Card.topic_id, Card.level)
        ).all()
        levels: dict[str, Counter[str]] = {}
        for topic_id, level, n in rows:
            levels.setdefault(topic_id, Counter())[level] = n
        return [
            TopicSummary(t, sum(levels[t.id].values()), dict(levels[t.id]))
            for t in topics(session).values()
            if t.id in levels
        ]

    return cached(session, ("topic summaries", user_id), count)


def get_topic_or_404(session: Session, topic_id: str) -> TopicView:
    topic = topics(session).get(topic_id)
    if topic is None:
        raise NotFound(f"No topic {topic_id!r}.")
    return topic


@lru_cache(maxsize=1024)
def _visible_card(user_id: int) -> Select[Card]:
    """Built once per user: building the statement cost more than running it (card page)."""
    return select(Card).where(Card.id == bindparam("card_id"), visible_to(user_id))


def get_card_or_404(session: Session, card_id: str, user_id: int) -> Card:
    query = _visible_card(user_id)
    card = session.scalar(query, {"card_id": card_id}) if is_card_id(card_id) else None
    if card is None:
        raise NotFound(f"No card {card_id!r}.")
    return card


@dataclass(frozen=True)
class CardView:
    """A card as its page shows it, as plain data (the bank cache keeps it across requests)."""

    id: str
    topic_id: str
    question: str
    answer_html: str
    level: str
    position: int
    owner_id: int | None
    tags: tuple[str, ...]
    key_points: tuple[str, ...]
    follow_ups: tuple[str, ...]
    references: tuple[str, ...]
    demo_links: tuple[Mapping[str, Any], ...]


def card_view(session: Session, card_id: str, user_id: int) -> CardView:
    """The card for its page, if the user may see it (else ``NotFound``), kept with the bank:
    loading the card's row was a seventh of a card page."""

    def read() -> CardView:
        card = get_card_or_404(session, card_id, user_id)
        return CardView(
            id=card.id,
            topic_id=card.topic_id,
            question=card.question,
            answer_html=card.answer_html,
            level=card.level,
            position=card.position,
            owner_id=card.owner_id,
            tags=tuple(card.tags),
            key_points=tuple(card.key_points),
            follow_ups=tuple(card.follow_ups),
            references=tuple(card.references),
            demo_links=tuple(MappingProxyType(link) for link in demo_links(card)),
        )

    return cached(session, ("card view", card_id, user_id), read)


def topic_cards(session: Session, topic_id: str, user_id: int) -> tuple[CardRow, ...]:
    """The topic's cards the user sees, in bank order (own cards after)."""

    def read() -> tuple[CardRow, ...]:
        fields = (Card.id, Card.question, Card.position, Card.level, Card.owner_id, Card.tags)
        query = select(*fields).where(Card.topic_id == topic_id, visible_to(user_id))
        rows = session.execute(query.order_by(Card.position))
        return tuple(CardRow(*row[:5], tuple(row.tags)) for row in rows)

    return cached(session, ("topic cards", topic_id, user_id), read)


def neighbours(
    session: Session, card: Card | CardView, user_id: int
) -> tuple[CardRow | None, CardRow | None]:
    """The previous and next card of the same topic, in bank order (own cards after)."""
    rows = topic_cards(session, card.topic_id, user_id)
    positions = [row.position for row in rows]
    before = bisect_left(positions, card.position)
    after = bisect_right(positions, card.position)
    return (rows[before - 1] if before else None), (rows[after] if after < len(rows) else None)


def visible_ids(session: Session, user_id: int, ids: list[str]) -> set[str]:
    """Those of ``ids`` the user may see (search hits are filtered with it)."""
    query = select(Card.id).where(Card.id.in_(ids), visible_to(user_id))
    return set(session.scalars(query)) if ids else set()


def card_count(session: Session) -> int:
    """Cards not retired, everyone's own cards included (/healthz, /stats' new cards)."""

    def count() -> int:
        return session.scalar(select(func.count()).where(Card.retired.is_(False))) or 0

    return cached(session, "card count", count)


def card_topics(session: Session) -> Mapping[str, str]:
    """The topic of every card not retired, everyone's own cards included (/stats reads a
    user's states without joining each to its card)."""

    def read() -> Mapping[str, str]:
        rows = session.execute(select(Card.id, Card.topic_id).where(Card.retired.is_(False)))
        return MappingProxyType({card_id: topic for card_id, topic in rows})

    return cached(session, "card topics", read)
