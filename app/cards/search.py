"""Full-text search over questions, answers and tags (SQLite FTS5, ranked by bm25).

User text is never passed to FTS5 as query syntax: it is cut into words, each word is
quoted, so quotes, ``*``, ``AND`` or ``NEAR(`` are plain words and cannot break the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_TERMS = 12
MAX_RESULTS = 50
WORD = re.compile(r"\w+", re.UNICODE)
# Private-use characters mark the hits in snippets, so the text can be escaped safely first.
HIT_START, HIT_END = "\ue000", "\ue001"

SEARCH_SQL = text(
    f"""
    SELECT c.id, c.question, c.topic_id, c.level,
           snippet(cards_fts, 2, '{HIT_START}', '{HIT_END}', '…', 16) AS answer_snippet,
           highlight(cards_fts, 1, '{HIT_START}', '{HIT_END}') AS question_hit
    FROM cards_fts JOIN cards AS c ON c.id = cards_fts.card_id
    WHERE cards_fts MATCH :match AND c.retired = 0
    ORDER BY bm25(cards_fts, 0.0, 10.0, 1.0, 5.0)
    LIMIT :limit
    """
)


@dataclass(frozen=True)
class SearchHit:
    card_id: str
    topic_id: str
    level: str
    question: Markup
    snippet: Markup


def fts_query(user_text: str) -> str | None:
    """A safe FTS5 query: every word quoted, all required, the last one as a prefix."""
    words = WORD.findall(user_text.lower())[:MAX_TERMS]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _highlighted(fragment: str) -> Markup:
    safe = str(escape(fragment))
    return Markup(safe.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))


def search_cards(session: Session, user_text: str, limit: int = MAX_RESULTS) -> list[SearchHit]:
    match = fts_query(user_text)
    if match is None:
        return []
    rows = session.execute(SEARCH_SQL, {"match": match, "limit": limit}).all()
    return [
        SearchHit(
            card_id=row.id,
            topic_id=row.topic_id,
            level=row.level,
            question=_highlighted(row.question_hit),
            snippet=_highlighted(row.answer_snippet),
        )
        for row in rows
    ]
