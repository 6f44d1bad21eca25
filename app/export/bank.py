"""Which cards an export holds: the whole bank or one topic, in bank order, retired left out."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card, Topic


class UnknownTopic(ValueError):
    pass


def export_cards(session: Session, topic: str | None = None) -> list[Card]:
    """The cards to export; an unknown topic is an error, not an empty deck."""
    query = select(Card).where(Card.retired.is_(False)).order_by(Card.position, Card.id)
    if topic:
        if session.get(Topic, topic) is None:
            raise UnknownTopic(f"no topic {topic!r}")
        query = query.where(Card.topic_id == topic)
    return list(session.scalars(query))


def deck_name(topic: str | None) -> str:
    return f"dlcards::{topic}" if topic else "dlcards"
