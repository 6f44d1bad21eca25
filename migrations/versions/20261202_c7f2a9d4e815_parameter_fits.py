"""parameter fits: the log of automatic FSRS re-fits and their held-out scores

Revision ID: c7f2a9d4e815
Revises: b9e4d7a1c358
Create Date: 2026-12-02 05:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7f2a9d4e815"
down_revision: str | None = "b9e4d7a1c358"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parameter_fits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("train_items", sa.Integer(), nullable=False),
        sa.Column("test_items", sa.Integer(), nullable=False),
        sa.Column("old_log_loss", sa.Float(), nullable=False),
        sa.Column("new_log_loss", sa.Float(), nullable=False),
        sa.Column("old_rmse", sa.Float(), nullable=False),
        sa.Column("new_rmse", sa.Float(), nullable=False),
        sa.Column("adopted", sa.Boolean(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_parameter_fits_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parameter_fits")),
    )
    with op.batch_alter_table("parameter_fits") as batch:
        batch.create_index(
            "ix_parameter_fits_user_id_fitted_at", ["user_id", "fitted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("parameter_fits") as batch:
        batch.drop_index("ix_parameter_fits_user_id_fitted_at")
    op.drop_table("parameter_fits")
