"""indexes for the hot paths: which cards a user sees, and one card's answers in time order

Revision ID: b4f7e2c9d186
Revises: a9e4c7d2b615
Create Date: 2026-12-03 16:00:00

``ix_cards_listing``: a card's row holds its answer (about 8 KiB of Markdown and HTML), so on
SQLite every column stored after it (level, position, retired, owner_id) is reached through
the row's overflow pages, and deciding which cards a user sees read all of them: 1.8 ms for
the per-topic counts of the 435 bank cards, about 3 ms for the next new card. The index holds
exactly those columns, in an order that also seeks a card's neighbours in its topic; it starts
with ``retired``, so it replaces ``ix_cards_retired``. ``ix_cards_id_retired_topic_id`` does
the same for the queries that come to a card from its review state or log (due counts, /stats
per topic): the card's side of the join is read from the index.

``ix_review_logs_card_id_user_id_reviewed_at``: the triggers that keep ``elapsed_days`` find a
card's previous and next answer. With only ``(card_id)`` and ``(user_id, reviewed_at, …)`` to
choose from, SQLite walked the user's log back in time until it met the card: 8 ms of every
grade at a million answers. This index seeks it; it starts with ``card_id``, so it replaces
``ix_review_logs_card_id``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b4f7e2c9d186"
down_revision: str | None = "a9e4c7d2b615"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CARDS_LISTING = ["retired", "topic_id", "position", "owner_id", "level", "id"]
CARDS_JOINED = ["id", "retired", "topic_id"]
CARD_LOG = ["card_id", "user_id", "reviewed_at"]


def upgrade() -> None:
    op.create_index("ix_cards_listing", "cards", CARDS_LISTING)
    op.drop_index("ix_cards_retired", table_name="cards")
    op.create_index("ix_cards_id_retired_topic_id", "cards", CARDS_JOINED)
    op.create_index("ix_review_logs_card_id_user_id_reviewed_at", "review_logs", CARD_LOG)
    op.drop_index("ix_review_logs_card_id", table_name="review_logs")


def downgrade() -> None:
    op.create_index("ix_review_logs_card_id", "review_logs", ["card_id"])
    op.drop_index("ix_review_logs_card_id_user_id_reviewed_at", table_name="review_logs")
    op.drop_index("ix_cards_id_retired_topic_id", table_name="cards")
    op.create_index("ix_cards_retired", "cards", ["retired"])
    op.drop_index("ix_cards_listing", table_name="cards")
