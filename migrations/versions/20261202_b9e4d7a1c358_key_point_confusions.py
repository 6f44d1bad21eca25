"""key point confusions: per key point, the wrong statements that mark it contradicted

Revision ID: b9e4d7a1c358
Revises: f1d3b8a2c640
Create Date: 2026-12-02 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b9e4d7a1c358"
down_revision: str | None = "f1d3b8a2c640"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.add_column(
            sa.Column("key_point_confusions", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("key_point_confusions")
