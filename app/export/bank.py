"""Which cards an export holds: the whole bank or one topic, in bank order, retired left out.

A user's own cards are in their exports, nobody else's (app.cards.visibility).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cards.visibility import visible_to
from app.errors import DomainError
from app.models import LOCAL_USER_ID, Card, Topic


class UnknownTopic(DomainError, ValueError):
    """The export asked for a topic that does not exist: a 404, not an empty deck."""

    status_code = 404


def export_cards(
    session: Session, topic: str | None = None, user_id: int = LOCAL_USER_ID
) -> list[Card]:
    """The cards to export; an unknown topic is an error, not an empty deck."""
    query = select(Card).where(visible_to(user_id)).order_by(Card.position, Card.id)
    if topic:
        if session.get(Topic, topic) is None:
            raise UnknownTopic(f"no topic {topic!r}")
        query = query.where(Card.topic_id == topic)
    return list(session.scalars(query))


def deck_name(topic: str | None) -> str:
    return f"dlcards::{topic}" if topic else "dlcards"
