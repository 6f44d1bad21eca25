"""The search index follows the cards table by itself: a row written by any code is found.

No Python code writes the index (SQLite: triggers on ``cards``; PostgreSQL: an expression
index), so these tests write rows with plain SQLAlchemy, as the loader, imports and copies do.
"""

from __future__ import annotations

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from app.cards.search import search_cards
from app.models import Card, Topic
from tests.factories import card_row


def _add_card(session: Session) -> None:
    session.add(Topic(id="basics", title="Basics"))
    session.flush()
    session.add(
        card_row(
            "gradient-checkpointing",
            "basics",
            question="Which trick saves activation memory on long sequences?",
            answer_md="Forward activations are dropped and rebuilt during the backward pass.",
            answer_html="<p>…</p>",
            level="advanced",
            tags=["memory"],
            key_points=["trade compute for memory"],
            aliases=["activation-recomputation"],
            content_hash="x",
        )
    )
    session.commit()


def _found(session: Session, query: str) -> list[str]:
    return [hit.card_id for hit in search_cards(session, query)]


def test_an_inserted_card_is_found_by_each_indexed_field(session: Session) -> None:
    _add_card(session)
    for query in ("long sequences", "rebuilt backward", "memory", "checkpointing",
                  "trade compute", "recomputation"):  # fmt: skip
        assert _found(session, query) == ["gradient-checkpointing"], query


def test_an_update_reindexes_and_retiring_or_deleting_unindexes(session: Session) -> None:
    _add_card(session)
    assert _found(session, "sequences") == ["gradient-checkpointing"]
    session.execute(update(Card).values(question="Why rematerialize?"))
    session.commit()
    assert _found(session, "rematerialize") == ["gradient-checkpointing"]
    assert _found(session, "sequences") == []
    session.execute(update(Card).values(retired=True))
    session.commit()
    assert _found(session, "rematerialize") == []
    session.execute(update(Card).values(retired=False))
    session.commit()
    assert _found(session, "rematerialize") == ["gradient-checkpointing"]
    session.execute(delete(Card))
    session.commit()
    assert _found(session, "rematerialize") == []
    if session.get_bind().dialect.name == "sqlite":
        assert session.scalar(text("SELECT count(*) FROM cards_fts")) == 0
