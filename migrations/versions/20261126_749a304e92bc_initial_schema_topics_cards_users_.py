"""initial schema: topics, cards, users, settings, review states and logs

Revision ID: 749a304e92bc
Revises:
Create Date: 2026-11-26 08:27:44.997843
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "749a304e92bc"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("topic_id", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer_md", sa.Text(), nullable=False),
        sa.Column("answer_html", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("key_points", sa.JSON(), nullable=False),
        sa.Column("follow_ups", sa.JSON(), nullable=False),
        sa.Column("demos", sa.JSON(), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("source_path", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], name=op.f("fk_cards_topic_id_topics")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cards_retired"), ["retired"], unique=False)
        batch_op.create_index(batch_op.f("ix_cards_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("desired_retention", sa.Float(), nullable=False),
        sa.Column("new_per_day", sa.Integer(), nullable=False),
        sa.Column("reviews_per_day", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("day_starts_at_hour", sa.Integer(), nullable=False),
        sa.Column("learning_steps_minutes", sa.JSON(), nullable=False),
        sa.Column("relearning_steps_minutes", sa.JSON(), nullable=False),
        sa.Column("maximum_interval_days", sa.Integer(), nullable=False),
        sa.Column("fsrs_parameters", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_settings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_settings")),
    )
    op.create_table(
        "review_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.String(length=100), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("review_token", sa.String(length=64), nullable=True),
        sa.Column("state_before", sa.Integer(), nullable=True),
        sa.Column("step_before", sa.Integer(), nullable=True),
        sa.Column("stability_before", sa.Float(), nullable=True),
        sa.Column("difficulty_before", sa.Float(), nullable=True),
        sa.Column("due_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state_after", sa.Integer(), nullable=True),
        sa.Column("step_after", sa.Integer(), nullable=True),
        sa.Column("stability_after", sa.Float(), nullable=True),
        sa.Column("difficulty_after", sa.Float(), nullable=True),
        sa.Column("due_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_review_logs_card_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_logs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_logs")),
        sa.UniqueConstraint("user_id", "review_token", name=op.f("uq_review_logs_user_id")),
    )
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_logs_card_id"), ["card_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_logs_reviewed_at"), ["reviewed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_logs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "review_states",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("buried_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_review_states_card_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_states_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "card_id", name=op.f("pk_review_states")),
    )
    with op.batch_alter_table("review_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_states_due"), ["due"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # Full-text index of questions, answers and tags (SQLite FTS5), filled by the loader.
        op.execute(
            "CREATE VIRTUAL TABLE cards_fts USING fts5("
            "card_id UNINDEXED, question, answer, tags, tokenize='unicode61 remove_diacritics 2')"
        )
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(users, [{"id": 1, "name": "local", "created_at": datetime.now(UTC)}])
    if op.get_bind().dialect.name == "postgresql":
        # The explicit id 1 above did not advance the sequence; the next user must get 2.
        op.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), 1)")
        # Full-text search: the expression app/cards/search.py queries, GIN-indexed.
        op.execute(
            "CREATE INDEX ix_cards_fts ON cards USING gin "
            "(to_tsvector('simple', question || ' ' || answer_md || ' ' || tags::text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS cards_fts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cards_fts")
    with op.batch_alter_table("review_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_states_due"))

    op.drop_table("review_states")
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_logs_user_id"))
        batch_op.drop_index(batch_op.f("ix_review_logs_reviewed_at"))
        batch_op.drop_index(batch_op.f("ix_review_logs_card_id"))

    op.drop_table("review_logs")
    op.drop_table("user_settings")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cards_topic_id"))
        batch_op.drop_index(batch_op.f("ix_cards_retired"))

    op.drop_table("cards")
    op.drop_table("users")
    op.drop_table("topics")
