"""an index for the order new cards come in

Revision ID: a8c4e2f6d931
Revises: f6b1d9e3a482
Create Date: 2026-12-08 00:05:00

The next new card is the first unseen one in bank order. With no index in that order, SQLite
read every card, checked each one's state and sorted them all to keep the first: 204 µs at
435 cards on an empty history, growing with the bank, on every study screen that shows a new
card. In this index's order it stops at the first unseen card (2.7 µs); the columns the
queue's conditions and filters read ride along, so no card row is read.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a8c4e2f6d931"
down_revision: str | None = "f6b1d9e3a482"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_ORDER = ["retired", "position", "id", "owner_id", "topic_id", "level"]


def upgrade() -> None:
    op.create_index("ix_cards_new_order", "cards", NEW_ORDER)


def downgrade() -> None:
    op.drop_index("ix_cards_new_order", table_name="cards")
