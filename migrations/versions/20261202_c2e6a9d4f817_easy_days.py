"""easy days: per user, the percent of the daily limits each weekday gets

Revision ID: c2e6a9d4f817
Revises: b8d4f2a6c913
Create Date: 2026-12-02 08:50:00

No row means every day is normal (100%).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c2e6a9d4f817"
down_revision: str | None = "b8d4f2a6c913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "easy_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("percents", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_easy_days_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_easy_days")),
    )


def downgrade() -> None:
    op.drop_table("easy_days")
