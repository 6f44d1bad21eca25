"""a revision number of each user's study data, moved by triggers on every write to it

Revision ID: f6b1d9e3a482
Revises: c5d2e8a4f713
Create Date: 2026-12-07 23:50:00

The home page's numbers (due now, new today, answered today, streak, retention, the next
interview's readiness) are read from a user's states, log, settings, allowances, easy days and
interview dates: 3.5 ms a home page on an empty history, most of it in a dozen small queries.
``users.revision`` moves in the transaction of each write to those tables, whatever code does
it and in whichever process, so ``app.study.user_cache`` reads that one number and keeps what it
computed at the same revision. It moves to a random number, not the next one: a transaction
that wrote, read a page and rolled back leaves a revision no later write will give again, and
a user made again under the same id (a database made again under a running process) does not
come back to a revision a process has values for.

PostgreSQL: once per statement (a million-row import moves it once a batch, not once a row),
with the statement's rows as a transition table; the user's row is already locked by every
user write (``app.db.begin_write``), so the update adds no wait.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6b1d9e3a482"
down_revision: str | None = "c5d2e8a4f713"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "user_settings",
    "review_states",
    "review_logs",
    "review_hours",
    "new_card_allowances",
    "easy_days",
    "interview_dates",
)
EVENTS = ("insert", "update", "delete")
PG_FUNCTION = "user_revision_bump"
PG_RANDOM = "floor(random() * 4503599627370496)::bigint"  # 52 random bits, per row


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("revision", sa.BigInteger(), nullable=False, server_default="0")
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("revision", sa.BigInteger))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(
            users.update().where(users.c.id == user_id).values(revision=secrets.randbits(52))
        )
    if bind.dialect.name == "sqlite":
        for table in TABLES:
            for event in EVENTS:
                row = "OLD" if event == "delete" else "NEW"
                op.execute(
                    f"CREATE TRIGGER user_revision_{table}_{event} AFTER {event.upper()} "
                    f"ON {table} BEGIN UPDATE users SET revision = random() "
                    f"WHERE id = {row}.user_id; END"
                )
        return
    op.execute(
        f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'TRUNCATE' THEN UPDATE users SET revision = {PG_RANDOM}; "
        f"ELSE UPDATE users SET revision = {PG_RANDOM} "
        "WHERE id IN (SELECT DISTINCT user_id FROM changed_rows); END IF; "
        "RETURN NULL; END $$"
    )
    for table in TABLES:
        for event in EVENTS:  # a transition table is allowed on a trigger of one event only
            rows = "OLD" if event == "delete" else "NEW"
            op.execute(
                f"CREATE TRIGGER user_revision_{table}_{event} AFTER {event.upper()} ON {table} "
                f"REFERENCING {rows} TABLE AS changed_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )
        op.execute(
            f"CREATE TRIGGER user_revision_{table}_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS user_revision_{table}_{event}")
    else:
        for table in TABLES:
            for event in (*EVENTS, "truncate"):
                op.execute(f"DROP TRIGGER IF EXISTS user_revision_{table}_{event} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    op.drop_column("users", "revision")
