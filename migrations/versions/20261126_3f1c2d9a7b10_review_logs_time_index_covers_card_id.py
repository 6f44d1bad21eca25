"""review logs time index also covers card_id, so per-topic stats read only the index

Revision ID: 3f1c2d9a7b10
Revises: 58cb13b056ef
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3f1c2d9a7b10"
down_revision: str | None = "58cb13b056ef"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_review_logs_user_id_reviewed_at"


def upgrade() -> None:
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(
            NAME, ["user_id", "reviewed_at", "kind", "rating", "card_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, ["user_id", "reviewed_at", "kind", "rating"], unique=False)
