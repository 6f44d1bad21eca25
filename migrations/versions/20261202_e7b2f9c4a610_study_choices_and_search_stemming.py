"""study choices and stemmed search: new-card order, today's extra new cards, FTS with porter

Revision ID: e7b2f9c4a610
Revises: d5a7c3e91b42
Create Date: 2026-12-02 05:20:00

The search index now stems words (SQLite FTS5's porter tokenizer, PostgreSQL's english
configuration) and covers key points, tags and aliases, so "quantization" finds "quantized"
and a key point's words find its card.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b2f9c4a610"
down_revision: str | None = "d5a7c3e91b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PG_INDEX = (
    "CREATE INDEX ix_cards_fts ON cards USING gin "
    "(to_tsvector('simple', question || ' ' || answer_md || ' ' || tags::text))"
)
# The expression app/cards/search.py queries (PG_DOCUMENT), GIN-indexed.
NEW_PG_INDEX = (
    "CREATE INDEX ix_cards_fts ON cards USING gin "
    "(to_tsvector('english', question || ' ' || answer_md || ' ' || replace(id, '-', ' ')"
    " || ' ' || tags::text"
    " || ' ' || key_points::text || ' ' || aliases::text))"
)


def _sqlite_fts(tokenize: str, extra: bool) -> None:
    op.execute("DROP TABLE IF EXISTS cards_fts")
    columns = "card_id UNINDEXED, question, answer, tags" + (", extra" if extra else "")
    op.execute(f"CREATE VIRTUAL TABLE cards_fts USING fts5({columns}, tokenize='{tokenize}')")
    # Refill from the cards the loader stored; JSON arrays tokenize to their words.
    if extra:
        op.execute(
            "INSERT INTO cards_fts (card_id, question, answer, tags, extra) "
            "SELECT id, question, answer_md, replace(id, '-', ' ') || ' ' || tags, "
            "key_points || ' ' || aliases "
            "FROM cards WHERE NOT retired"
        )
    else:
        op.execute(
            "INSERT INTO cards_fts (card_id, question, answer, tags) "
            "SELECT id, question, answer_md, tags FROM cards WHERE NOT retired"
        )


def upgrade() -> None:
    op.create_table(
        "new_card_allowances",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic_id", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_new_card_allowances_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "day", "topic_id", name=op.f("pk_new_card_allowances")),
    )
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("new_card_order", sa.String(length=20), nullable=False, server_default="bank")
        )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_fts("porter unicode61 remove_diacritics 2", extra=True)
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cards_fts")
        op.execute(NEW_PG_INDEX)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_fts("unicode61 remove_diacritics 2", extra=False)
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cards_fts")
        op.execute(OLD_PG_INDEX)
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.drop_column("new_card_order")
    op.drop_table("new_card_allowances")
