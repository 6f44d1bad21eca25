"""practice problems: a card's problem spec, and a review's draw (seed, params, correct)

Revision ID: f1d3b8a2c640
Revises: a3c9e5f1b207
Create Date: 2026-12-02 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1d3b8a2c640"
down_revision: str | None = "a3c9e5f1b207"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch_op:
        batch_op.add_column(sa.Column("problem", sa.JSON(), nullable=True))
    with op.batch_alter_table("review_logs") as batch_op:
        batch_op.add_column(sa.Column("problem", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_logs") as batch_op:
        batch_op.drop_column("problem")
    with op.batch_alter_table("cards") as batch_op:
        batch_op.drop_column("problem")
