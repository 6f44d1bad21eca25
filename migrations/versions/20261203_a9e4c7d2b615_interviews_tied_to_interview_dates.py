"""mock interviews tied to an interview date

Revision ID: a9e4c7d2b615
Revises: d8f3a1c5e927
Create Date: 2026-12-03 12:00:00

A mock interview can rehearse one of the user's interview dates (its questions come from the
date's scope). ``interviews.interview_date_id`` names it; deleting the date sets it to NULL and
keeps the interview. Existing interviews are tied to none.

SQLite adds a foreign key only by copying the table, and with foreign keys enforced it cannot
drop ``interviews`` while ``interview_questions`` rows refer to it (deferring the check does not
help: the rows are counted as orphans at commit). So the questions are set aside in a temporary
table for the copy and put back after it, ids and all, in the same transaction.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "a9e4c7d2b615"
down_revision: str | None = "d8f3a1c5e927"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_interviews_interview_date_id_interview_dates"
INDEX = "ix_interviews_interview_date_id"


@contextmanager
def questions_set_aside() -> Iterator[None]:
    """On SQLite, empty ``interview_questions`` while ``interviews`` is copied, then refill it."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute("CREATE TEMP TABLE interview_questions_kept AS SELECT * FROM interview_questions")
    op.execute("DELETE FROM interview_questions")
    yield
    op.execute("INSERT INTO interview_questions SELECT * FROM interview_questions_kept")
    op.execute("DROP TABLE interview_questions_kept")


def upgrade() -> None:
    with questions_set_aside(), op.batch_alter_table("interviews") as batch:
        batch.add_column(sa.Column("interview_date_id", sa.Integer(), nullable=True))
        batch.create_index(INDEX, ["interview_date_id"])
        batch.create_foreign_key(
            FOREIGN_KEY, "interview_dates", ["interview_date_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with questions_set_aside(), op.batch_alter_table("interviews") as batch:
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch.drop_index(INDEX)
        batch.drop_column("interview_date_id")
