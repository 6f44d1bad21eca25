"""own cards, notes and problem reports: cards.owner_id, card_notes, card_reports

Revision ID: a3c9e5f1b207
Revises: e7b2f9c4a610
Create Date: 2026-12-02 05:30:00

A card with an owner is that user's own card (written, forked or imported in the app);
bank cards keep owner_id NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3c9e5f1b207"
down_revision: str | None = "e7b2f9c4a610"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch.create_index("ix_cards_owner_id", ["owner_id"], unique=False)
        batch.create_foreign_key("fk_cards_owner_id_users", "users", ["owner_id"], ["id"])
    op.create_table(
        "card_notes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.String(length=100), nullable=False),
        sa.Column("note_md", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_notes_card_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_card_notes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "card_id", name=op.f("pk_card_notes")),
    )
    op.create_table(
        "card_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_reports_card_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_card_reports_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_reports")),
    )
    with op.batch_alter_table("card_reports") as batch:
        batch.create_index("ix_card_reports_card_id", ["card_id"], unique=False)
        batch.create_index(
            "ix_card_reports_user_id_created_at", ["user_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("card_reports") as batch:
        batch.drop_index("ix_card_reports_user_id_created_at")
        batch.drop_index("ix_card_reports_card_id")
    op.drop_table("card_reports")
    op.drop_table("card_notes")
    with op.batch_alter_table("cards") as batch:
        batch.drop_constraint("fk_cards_owner_id_users", type_="foreignkey")
        batch.drop_index("ix_cards_owner_id")
        batch.drop_column("owner_id")
