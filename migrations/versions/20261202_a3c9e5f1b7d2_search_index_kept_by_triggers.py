"""search index kept by triggers: SQLite fills cards_fts from cards itself

Revision ID: a3c9e5f1b7d2
Revises: c7f2a9d4e815
Create Date: 2026-12-02 08:20:00

Until now the loader and ``dlcards db copy`` each wrote the SQLite FTS5 rows by hand. Now
triggers on ``cards`` keep ``cards_fts`` in step with every insert, update and delete, so no
Python code writes the index: on SQLite the triggers below, on PostgreSQL the GIN expression
index of revision e7b2f9c4a610 are the index's one definition (app/cards/search.py reads it).
A retired card has no row. The id's words count with the tags (``diffusion-models`` names its
subject); key points and former ids (aliases) are the ``extra`` column.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a3c9e5f1b7d2"
down_revision: str | None = "c7f2a9d4e815"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("cards_fts_insert", "cards_fts_update", "cards_fts_delete")


def _words(array: str) -> str:
    """The strings of a JSON array column, space-separated ('' for an empty array)."""
    return f"coalesce((SELECT group_concat(value, ' ') FROM json_each({array})), '')"


def _index_row(card: str) -> str:
    """The SELECT of one card's index row; ``card`` is ``new`` in a trigger, else ``cards``."""
    return (
        "INSERT INTO cards_fts (card_id, question, answer, tags, extra) "
        f"SELECT {card}.id, {card}.question, {card}.answer_md, "
        f"replace({card}.id, '-', ' ') || ' ' || {_words(f'{card}.tags')}, "
        f"{_words(f'{card}.key_points')} || ' ' || {_words(f'{card}.aliases')}"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TRIGGER cards_fts_insert AFTER INSERT ON cards WHEN NOT new.retired "
        f"BEGIN {_index_row('new')}; END"
    )
    op.execute(
        "CREATE TRIGGER cards_fts_update AFTER UPDATE OF "
        "id, question, answer_md, tags, key_points, aliases, retired ON cards "
        "BEGIN DELETE FROM cards_fts WHERE card_id = old.id; "
        f"{_index_row('new')} WHERE NOT new.retired; END"
    )
    op.execute(
        "CREATE TRIGGER cards_fts_delete AFTER DELETE ON cards "
        "BEGIN DELETE FROM cards_fts WHERE card_id = old.id; END"
    )
    # Rebuild the rows written so far, so every row has the triggers' form.
    op.execute("DELETE FROM cards_fts")
    op.execute(f"{_index_row('cards')} FROM cards WHERE NOT cards.retired")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
