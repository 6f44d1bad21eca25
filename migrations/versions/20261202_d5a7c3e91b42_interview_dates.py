"""interview dates: the moments a user prepares for, with their topics and weights

Revision ID: d5a7c3e91b42
Revises: c4e8a1f2d903
Create Date: 2026-12-02 05:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5a7c3e91b42"
down_revision: str | None = "c4e8a1f2d903"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interview_dates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_interview_dates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_dates")),
    )
    with op.batch_alter_table("interview_dates") as batch:
        batch.create_index("ix_interview_dates_user_id_at", ["user_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interview_dates") as batch:
        batch.drop_index("ix_interview_dates_user_id_at")
    op.drop_table("interview_dates")
