"""Full-text search over questions, answers, tags, key points and aliases, ranked, with snippets.

Questions are searched the way people ask them: stop words and comparison words ("vs",
"versus", "difference between") are dropped, words are stemmed (SQLite FTS5's ``porter``
tokenizer; PostgreSQL's ``english`` configuration), and common abbreviations and spellings
are expanded from ``SYNONYMS`` (batchnorm = batch norm = batch normalization). Every remaining
term is required; when that finds fewer cards than asked for, cards matching any term follow.
The last word typed matches as a prefix, so results appear while the user types.

The index is kept by the database, never by Python code: on SQLite, triggers on ``cards``
fill the FTS5 table ``cards_fts`` on every insert, update and delete (migration a3c9e5f1b7d2);
on PostgreSQL a GIN index holds ``PG_DOCUMENT``, an expression over ``cards``. So a card is
searchable as soon as its row is written, by the loader, an import or ``dlcards db copy``.

User text is never passed as query syntax: it is cut into words (``\\w+``) first, so quotes,
``*``, ``AND`` or ``NEAR(`` are plain words and cannot break the query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Row, text
from sqlalchemy.orm import Session

MAX_TERMS = 12
MAX_RESULTS = 50
WORD = re.compile(r"\w+", re.UNICODE)
# Private-use characters mark the hits in snippets, so the text can be escaped safely first.
HIT_START, HIT_END = "\ue000", "\ue001"

# Words that say how a question is asked, not what it is about.
_STOP_WORDS = """
    a an and are as at be between by can compare compared comparison difference differences
    differ do does explain for from how i in into is it its me mean means need needed of on
    or purpose should than that the their them there these this to use used using vs versus
    was we what when where which while who why will with work works would you your
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# Spellings and abbreviations of one idea, expanded at query time (each phrase is a word list).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("batch norm", "batchnorm", "batch normalization"),
    ("layer norm", "layernorm", "layer normalization"),
    ("group norm", "groupnorm", "group normalization"),
    ("rms norm", "rmsnorm", "root mean square normalization"),
    ("vit", "vision transformer"),
    ("llm", "large language model"),
    ("rlhf", "reinforcement learning from human feedback"),
    ("kv cache", "kv caching", "key value cache"),
    ("cnn", "convolutional neural network", "convnet"),
    ("rnn", "recurrent neural network"),
    ("lstm", "long short term memory"),
    ("gru", "gated recurrent unit"),
    ("gan", "generative adversarial network"),
    ("vae", "variational autoencoder"),
    ("mlp", "multilayer perceptron", "multi layer perceptron"),
    ("relu", "rectified linear unit"),
    ("sgd", "stochastic gradient descent"),
    ("moe", "mixture of experts"),
    ("rag", "retrieval augmented generation"),
    ("dpo", "direct preference optimization"),
    ("ppo", "proximal policy optimization"),
    ("lora", "low rank adaptation"),
    ("bpe", "byte pair encoding"),
    ("rope", "rotary position embedding", "rotary positional embedding", "rotary embedding"),
    ("nms", "non maximum suppression", "non max suppression"),
    ("1x1", "one by one", "pointwise"),
    ("iou", "intersection over union"),
    ("pca", "principal component analysis"),
    ("svm", "support vector machine"),
    ("kl", "kullback leibler"),
    ("mse", "mean squared error"),
    ("tf idf", "tfidf"),
    ("fine tuning", "finetuning", "fine tune", "finetune"),
    ("backprop", "backpropagation", "back propagation"),
    ("dropout", "drop out"),
    ("attention", "self attention"),
)


def _phrase(words: str) -> tuple[str, ...]:
    return tuple(words.split())


# First word -> the synonym groups whose phrases start with it, longest phrase first.
_BY_FIRST: dict[str, list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]] = {}
for _group in SYNONYMS:
    _alternatives = tuple(_phrase(p) for p in _group)
    for _alt in _alternatives:
        _BY_FIRST.setdefault(_alt[0], []).append((_alt, _alternatives))
for _entries in _BY_FIRST.values():
    _entries.sort(key=lambda entry: -len(entry[0]))


@dataclass(frozen=True)
class Term:
    """One required idea of the query: alternative phrases, any of which may match."""

    alternatives: tuple[tuple[str, ...], ...]


def query_terms(user_text: str) -> list[Term]:
    """The user's text as required terms: stop words dropped, synonym phrases grouped."""
    words = WORD.findall(user_text.lower())
    terms: list[Term] = []
    i = 0
    while i < len(words) and len(terms) < MAX_TERMS:
        for phrase, alternatives in _BY_FIRST.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                terms.append(Term(alternatives))
                i += len(phrase)
                break
        else:
            if words[i] not in STOP_WORDS:
                terms.append(Term(((words[i],),)))
            i += 1
    return terms


def _is_prefix(terms: list[Term], n: int) -> bool:
    """The last term, if one plain word, matches as a prefix (results while typing)."""
    term = terms[n]
    return n == len(terms) - 1 and len(term.alternatives) == 1 and len(term.alternatives[0]) == 1


def _prefixes(word: str) -> list[str]:
    """A typed prefix, and the same less two letters: the index holds stems ("numer" for
    "numerical"), which a half-typed "numeri" would otherwise overshoot."""
    return [word, word[:-2]] if len(word) >= 6 else [word]


def fts_query(terms: list[Term], *, every: bool = True) -> str:
    """A safe FTS5 query: quoted phrases, OR between alternatives, the last word a prefix."""
    groups = []
    for n, term in enumerate(terms):
        phrases = []
        for alt in term.alternatives:
            quoted = '"' + " ".join(alt) + '"'  # several words: a phrase
            if _is_prefix(terms, n):
                phrases += [f'"{w}"*' for w in _prefixes(alt[0])]
                continue
            phrases.append(quoted)
        groups.append("(" + " OR ".join(phrases) + ")")
    return (" AND " if every else " OR ").join(groups)


def ts_query(terms: list[Term], *, every: bool = True) -> str:
    """The same query for PostgreSQL's ``to_tsquery`` (words are ``\\w+``, so safe)."""
    groups = []
    for n, term in enumerate(terms):
        phrases = []
        for alt in term.alternatives:
            if _is_prefix(terms, n):
                phrases += [f"({w}:*)" for w in _prefixes(alt[0])]
                continue
            phrases.append(f"({' <-> '.join(alt)})")
        groups.append("(" + " | ".join(phrases) + ")")
    return (" & " if every else " | ").join(groups)


SQLITE_SEARCH = text(
    f"""
    SELECT c.id, c.question, c.topic_id, c.level,
           snippet(cards_fts, 2, '{HIT_START}', '{HIT_END}', '…', 18) AS answer_snippet,
           snippet(cards_fts, 4, '{HIT_START}', '{HIT_END}', '…', 18) AS extra_snippet,
           highlight(cards_fts, 1, '{HIT_START}', '{HIT_END}') AS question_hit
    FROM cards_fts JOIN cards AS c ON c.id = cards_fts.card_id
    WHERE cards_fts MATCH :match AND c.retired = 0
    ORDER BY bm25(cards_fts, 0.0, 10.0, 1.0, 8.0, 3.0), c.position
    LIMIT :limit
    """
)

# The same expression as the GIN index made by the migration, so PostgreSQL uses it.
PG_DOCUMENT = (
    "to_tsvector('english', c.question || ' ' || c.answer_md || ' ' || replace(c.id, '-', ' ')"
    " || ' ' || c.tags::text || ' ' || c.key_points::text || ' ' || c.aliases::text)"
)
PG_SEARCH = text(
    f"""
    SELECT c.id, c.question, c.topic_id, c.level,
           ts_headline('english', c.answer_md, q.query,
                       'StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=30, MinWords=12')
               AS answer_snippet,
           ts_headline('english', c.key_points::text, q.query,
                       'StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=30, MinWords=12')
               AS extra_snippet,
           ts_headline('english', c.question, q.query,
                       'StartSel={HIT_START}, StopSel={HIT_END}, HighlightAll=true')
               AS question_hit
    FROM cards AS c, (SELECT to_tsquery('english', :query) AS query) AS q
    WHERE {PG_DOCUMENT} @@ q.query AND NOT c.retired
    ORDER BY ts_rank(setweight(to_tsvector('english', c.question), 'A')
                     || setweight(to_tsvector('english', replace(c.id, '-', ' ') || ' '
                                              || c.tags::text || ' ' || c.key_points::text), 'B')
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


MARKDOWN_NOISE = (
    (re.compile(r"```\w*"), " "),
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)?"), r"\1"),  # [text](url) -> text
    (re.compile(r"\(/[\w/#?=&.-]*\)"), ""),  # a link target cut off by the snippet
    (re.compile(r"<[^>\n]{1,80}>"), ""),  # html tags
    (re.compile(r"(\*\*|__|\*|`|\$\$|\$|^#+\s*|^\s*[-+]\s+|^\s*\|)", re.MULTILINE), ""),
    (re.compile(r"\s*\|\s*"), " · "),  # table cells
    (re.compile(r'^[\["\s]+|[\]"\s]+$'), ""),  # the brackets of a JSON list (key points)
    (re.compile(r'",\s*"'), " · "),
    (re.compile(r"\s+"), " "),
)


def plain_text(fragment: str) -> str:
    """A snippet of Markdown as plain text: emphasis, code marks, links and tables removed."""
    for pattern, replacement in MARKDOWN_NOISE:
        fragment = pattern.sub(replacement, fragment)
    return fragment.strip()


def _highlighted(fragment: str) -> Markup:
    safe = str(escape(plain_text(fragment)))
    return Markup(safe.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))


def _run(session: Session, terms: list[Term], every: bool, limit: int) -> Sequence[Row[Any]]:
    if session.get_bind().dialect.name == "postgresql":
        params = {"query": ts_query(terms, every=every), "limit": limit}
        return session.execute(PG_SEARCH, params).all()
    return session.execute(
        SQLITE_SEARCH, {"match": fts_query(terms, every=every), "limit": limit}
    ).all()


def _stem_prefix(word: str) -> str:
    return word[: max(3, len(word) - 3)]


def _same_word(a: str, b: str) -> bool:
    pa, pb = _stem_prefix(a), _stem_prefix(b)
    return pa.startswith(pb) or pb.startswith(pa)


def subject_match(card_id: str, terms: list[Term]) -> int:
    """How well the card's id names the query: ids name subjects (``batch-normalization``).

    2: the id is the query (every term in the id, every id word in the query); 1: every term
    is in the id (``kv-cache-batch-limit`` for "kv cache"); 0: otherwise. Words are compared by
    a prefix (``embeddings`` ~ ``embedding``), like a light stemmer.
    """
    id_words = card_id.split("-")
    used: set[str] = set()
    for term in terms:
        for alt in term.alternatives:
            if all(any(_same_word(w, p) for p in id_words) for w in alt):
                used.update(p for p in id_words for w in alt if _same_word(w, p))
                break
        else:
            return 0
    return 2 if used >= set(id_words) else 1


def search_cards(session: Session, user_text: str, limit: int = MAX_RESULTS) -> list[SearchHit]:
    """Cards matching every term first (those whose id names the query first, then by rank),
    then cards matching some."""
    terms = query_terms(user_text)
    if not terms:
        return []
    rows = sorted(_run(session, terms, True, limit), key=lambda r: -subject_match(r.id, terms))
    if len(rows) < limit and len(terms) > 1:
        seen = {row.id for row in rows}
        rows += [r for r in _run(session, terms, False, limit) if r.id not in seen]
    hits = []
    for row in rows[:limit]:
        snippet = row.answer_snippet
        if HIT_START not in snippet and row.extra_snippet and HIT_START in row.extra_snippet:
            snippet = row.extra_snippet
        hits.append(
            SearchHit(
                card_id=row.id,
                topic_id=row.topic_id,
                level=row.level,
                question=_highlighted(row.question_hit),
                snippet=_highlighted(snippet),
            )
        )
    return hits
