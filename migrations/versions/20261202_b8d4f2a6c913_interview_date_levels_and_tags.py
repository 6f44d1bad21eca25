"""interview date levels and tags: a date's scope can be narrower than whole topics

Revision ID: b8d4f2a6c913
Revises: a3c9e5f1b7d2
Create Date: 2026-12-02 08:30:00

An interview date covered topics only. ``levels`` (card levels) and ``tags`` (a card needs one
of them) narrow it; empty lists, which every existing date gets, limit nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8d4f2a6c913"
down_revision: str | None = "a3c9e5f1b7d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview_dates") as batch:
        batch.add_column(sa.Column("levels", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("interview_dates") as batch:
        batch.drop_column("tags")
        batch.drop_column("levels")
