"""Cards for tests, written in one place: rows (``Card``, ``Topic``) and card files.

A test names only what it is about; the rest is the least a valid card holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import Card, Topic


def add_topic(session: Session, topic_id: str, *, title: str = "", position: int = 0) -> Topic:
    """The topic, inserted (titled after its id) when it is not there yet; flushed only."""
    topic = session.get(Topic, topic_id)
    if topic is None:
        topic = Topic(
            id=topic_id, title=title or topic_id.title(), description="", position=position
        )
        session.add(topic)
        session.flush()
    return topic


def card_row(card_id: str, topic_id: str, **columns: Any) -> Card:
    """A card row, not added yet: ``columns`` set any column, the rest is a minimal card."""
    values: dict[str, Any] = {
        "question": f"Q {card_id}?",
        "answer_md": "A",
        "answer_html": "<p>A</p>",
        "level": "beginner",
        "content_hash": "x",
    }
    values.update(columns)
    return Card(id=card_id, topic_id=topic_id, **values)


def add_cards(
    session: Session,
    n: int,
    topic: str = "basics",
    *,
    start: int = 0,
    level: str = "beginner",
    tags: list[str] | None = None,
) -> list[str]:
    """Insert ``n`` cards of one topic (ids ``<topic>-000`` on), in bank order; commits."""
    add_topic(session, topic)
    ids = []
    for i in range(start, start + n):
        card_id = f"{topic}-{i:03d}"
        session.add(card_row(card_id, topic, level=level, tags=tags or [], position=i))
        ids.append(card_id)
    session.commit()
    return ids


BANK_CARD_FILE = """---
id: {id}
question: {question}
topic: {topic}
level: {level}
tags: [{tags}]
key_points:
  - the first point of the answer
  - the second point of the answer
  - the third point of the answer
follow_ups:
  - What would you ask next?
references:
  - A standard reference, chapter 1
{extra}---
{body}
"""

DEFAULT_BODY = (
    "A direct answer comes first, in two or three sentences that an interviewer would "
    "accept, and then the detail that shows a deeper understanding of the idea."
)


def bank_card_file(
    card_id: str,
    *,
    topic: str = "basics",
    question: str = "What is this card about?",
    level: str = "beginner",
    tags: str = "test",
    extra: str = "",
    body: str = DEFAULT_BODY,
) -> str:
    """The text of a valid bank card file (``extra``: more front-matter lines, each ending \\n)."""
    return BANK_CARD_FILE.format(
        id=card_id, question=question, topic=topic, level=level, tags=tags, extra=extra, body=body
    )


OWN_CARD_FILE = """---
id: {id}
question: {question}
topic: {topic}
level: beginner
key_points:
  - the point
---
A short answer with $x^2$.
"""


def own_card_file(card_id: str, topic: str, question: str) -> bytes:
    """A valid own card file (an upload): one key point, an answer too short for the bank."""
    return OWN_CARD_FILE.format(id=card_id, question=question, topic=topic).encode()
