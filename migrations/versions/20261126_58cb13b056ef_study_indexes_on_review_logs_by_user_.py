"""study indexes on review logs by user and time, states by user and due

Revision ID: 58cb13b056ef
Revises: 749a304e92bc
Create Date: 2026-11-26 08:32:48.526707
"""

from collections.abc import Sequence

from alembic import op

revision: str = "58cb13b056ef"
down_revision: str | None = "749a304e92bc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_logs_user_id_reviewed_at",
            ["user_id", "reviewed_at", "kind", "rating"],
            unique=False,
        )
    with op.batch_alter_table("review_states", schema=None) as batch_op:
        batch_op.create_index("ix_review_states_user_id_due", ["user_id", "due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_states", schema=None) as batch_op:
        batch_op.drop_index("ix_review_states_user_id_due")
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_review_logs_user_id_reviewed_at")
