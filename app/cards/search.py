"""Full-text search over questions, answers and tags, ranked, with highlighted snippets.

SQLite uses FTS5 (bm25); PostgreSQL uses a GIN-indexed ``tsvector`` with
``websearch_to_tsquery`` (ts_rank, ts_headline). Both index words without stemming, and
the last word typed matches as a prefix, so results appear while the user types.
User text is never passed as query syntax: it is cut into words first, so quotes, ``*``,
``AND`` or ``NEAR(`` are plain words and cannot break the query.
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

SQLITE_SEARCH = text(
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

# The same expression as the GIN index made by the migration, so PostgreSQL uses it.
PG_DOCUMENT = "to_tsvector('simple', c.question || ' ' || c.answer_md || ' ' || c.tags::text)"
PG_SEARCH = text(
    f"""
    SELECT c.id, c.question, c.topic_id, c.level,
           ts_headline('simple', c.answer_md, q.query,
                       'StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=30, MinWords=12')
               AS answer_snippet,
           ts_headline('simple', c.question, q.query,
                       'StartSel={HIT_START}, StopSel={HIT_END}, HighlightAll=true')
               AS question_hit
    FROM cards AS c,
         (SELECT websearch_to_tsquery('simple', :head)
                 && to_tsquery('simple', :last || ':*') AS query) AS q
    WHERE {PG_DOCUMENT} @@ q.query AND NOT c.retired
    ORDER BY ts_rank(setweight(to_tsvector('simple', c.question), 'A')
                     || {PG_DOCUMENT}, q.query) DESC, c.position
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


def query_words(user_text: str) -> list[str]:
    return WORD.findall(user_text.lower())[:MAX_TERMS]


def fts_query(words: list[str]) -> str:
    """A safe FTS5 query: every word quoted, all required, the last one as a prefix."""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _highlighted(fragment: str) -> Markup:
    safe = str(escape(fragment))
    return Markup(safe.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))


def search_cards(session: Session, user_text: str, limit: int = MAX_RESULTS) -> list[SearchHit]:
    words = query_words(user_text)
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        params = {"head": " ".join(words[:-1]), "last": words[-1], "limit": limit}
        rows = session.execute(PG_SEARCH, params).all()
    else:
        rows = session.execute(SQLITE_SEARCH, {"match": fts_query(words), "limit": limit}).all()
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
