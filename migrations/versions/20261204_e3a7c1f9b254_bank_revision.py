"""a revision number of the bank, moved by triggers on every write to cards or topics

Revision ID: e3a7c1f9b254
Revises: b4f7e2c9d186
Create Date: 2026-12-04 19:10:00

What a page shows of the bank (the topics with their counts, a topic's card order, search
hits) changes only when a card or a topic is written: a content sync, an own card, a fork, a
``db copy``, in whichever process. ``bank_revision.n`` moves in the transaction of each such
write, whatever code does it, so ``app.cards.bank_cache`` reads that one number and keeps what
it computed at the same revision (at 10,000 cards the per-topic counts alone cost 14 ms a
home page). ``loaded_from``/``loaded_at``: what the last start-up load read and the revision
it left, so a start with nothing changed skips reading the bank (``app.content.fingerprint``).
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3a7c1f9b254"
down_revision: str | None = "b4f7e2c9d186"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("cards", "topics")
EVENTS = ("insert", "update", "delete")
BUMP = "UPDATE bank_revision SET n = n + 1"
PG_FUNCTION = "bank_revision_bump"


def upgrade() -> None:
    op.create_table(
        "bank_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("loaded_from", sa.String(length=64), nullable=True),
        sa.Column("loaded_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_revision")),
    )
    # From a random number, so a database made again under a running process (a test's, a
    # restore) does not start at a revision that process has cached values for.
    op.execute(f"INSERT INTO bank_revision (id, n) VALUES (1, {secrets.randbits(52)})")
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for event in EVENTS:
                op.execute(
                    f"CREATE TRIGGER bank_revision_{table}_{event} AFTER {event.upper()} "
                    f"ON {table} BEGIN {BUMP}; END"
                )
        return
    op.execute(
        f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
    for table in TABLES:  # once per statement: a sync of the whole bank moves it a few times
        op.execute(
            f"CREATE TRIGGER bank_revision_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS bank_revision_{table}_{event}")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS bank_revision_{table} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    op.drop_table("bank_revision")
