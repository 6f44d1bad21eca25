"""answers per user and UTC hour kept by triggers; elapsed_days on each answer

Revision ID: d8f3a1c5e927
Revises: c2e6a9d4f817
Create Date: 2026-12-03 07:40:00

/stats read a million log rows per request: answers per study day (a range scan per day),
and the calibration's whole days since each card's previous answer (a window over the whole
log). Now ``review_hours`` holds the user's answers per UTC hour by kind, kept by triggers
on ``review_logs`` in the transaction that writes the log (every path: grade, undo, imports,
``db copy``), and each answer stores ``elapsed_days`` (whole days since the same card's
previous non-cram answer in (reviewed_at, id) order, NULL for the first and for cram
answers), kept by triggers too: a new, removed or moved answer relinks the card's answers
from its time on (one row, the new one, for a grade). Hours are UTC, so a
change of time zone or rollover hour needs no recount: the queries fold hours into study
days. Both are backfilled here from the existing log.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d8f3a1c5e927"
down_revision: str | None = "c2e6a9d4f817"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("learn", "review", "relearn", "cram")
TRIGGERS = (
    "review_hours_insert", "review_hours_update", "review_hours_delete",
    "review_logs_elapsed_insert", "review_logs_elapsed_update", "review_logs_elapsed_delete",
)  # fmt: skip
OLD_INDEX = ["user_id", "reviewed_at", "kind", "rating", "card_id"]
# Calibration scans the latest review answers newest first: its columns ride in the index.
NEW_INDEX = [*OLD_INDEX, "state_before", "stability_before", "elapsed_days"]


def _seconds(column: str, dialect: str) -> str:
    """Whole seconds since 1970, as app.study.stats.epoch_seconds computes them."""
    if dialect == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    # BIGINT: seconds since 1970 overflow PostgreSQL's INTEGER after 2038.
    return f"CAST(floor(extract(epoch FROM {column})) AS BIGINT)"


def _counts(row: str) -> list[str]:
    """The counted columns' values for one log row (``new``/``old``/``review_logs``)."""
    return [
        *(f"CASE WHEN {row}.kind = '{kind}' THEN 1 ELSE 0 END" for kind in KINDS),
        f"CASE WHEN {row}.kind = 'review' AND {row}.rating > 1 THEN 1 ELSE 0 END",
    ]


COLUMNS = (*KINDS, "review_passed")


def _add(row: str, dialect: str) -> str:
    values = ", ".join([f"{row}.user_id", f"{_seconds(f'{row}.reviewed_at', dialect)} / 3600"])
    counts = ", ".join(_counts(row))
    updates = ", ".join(f"{c} = review_hours.{c} + excluded.{c}" for c in COLUMNS)
    return (
        f"INSERT INTO review_hours (user_id, hour, {', '.join(COLUMNS)}) "
        f"VALUES ({values}, {counts}) ON CONFLICT (user_id, hour) DO UPDATE SET {updates}"
    )


def _remove(row: str, dialect: str) -> str:
    key = f"user_id = {row}.user_id AND hour = {_seconds(f'{row}.reviewed_at', dialect)} / 3600"
    updates = ", ".join(f"{c} = {c} - {v}" for c, v in zip(COLUMNS, _counts(row), strict=True))
    empty = " + ".join(KINDS)
    return (
        f"UPDATE review_hours SET {updates} WHERE {key}; "
        f"DELETE FROM review_hours WHERE {key} AND {empty} = 0"
    )


WATCHED = "user_id, reviewed_at, kind, rating"
LINKED = "user_id, card_id, reviewed_at, kind"


def _relink(row: str, dialect: str) -> str:
    """Recompute elapsed_days of ``row`` and of the card's next answer after it: an answer's
    gap depends only on its predecessor, so an insert, move or delete changes these two alone
    (two rows per trigger keeps PostgreSQL's end-of-statement triggers linear in a bulk insert).
    """
    previous = (
        "SELECT p.reviewed_at FROM review_logs AS p WHERE p.user_id = review_logs.user_id "
        "AND p.card_id = review_logs.card_id AND p.kind != 'cram' AND (p.reviewed_at < "
        "review_logs.reviewed_at OR (p.reviewed_at = review_logs.reviewed_at AND p.id < "
        "review_logs.id)) ORDER BY p.reviewed_at DESC, p.id DESC LIMIT 1"
    )
    following = (
        f"SELECT n.id FROM review_logs AS n WHERE n.user_id = {row}.user_id "
        f"AND n.card_id = {row}.card_id AND n.kind != 'cram' AND (n.reviewed_at > "
        f"{row}.reviewed_at OR (n.reviewed_at = {row}.reviewed_at AND n.id > {row}.id)) "
        "ORDER BY n.reviewed_at, n.id LIMIT 1"
    )
    elapsed = (
        f"({_seconds('review_logs.reviewed_at', dialect)} - "
        f"{_seconds(f'({previous})', dialect)}) / 86400"
    )
    return (
        f"UPDATE review_logs SET elapsed_days = {elapsed} WHERE kind != 'cram' "
        f"AND (id = {row}.id OR id = ({following}))"
    )


def _create_triggers(dialect: str) -> None:
    bodies = {
        "review_hours_insert": ("INSERT", _add("new", dialect)),
        "review_hours_update": (
            f"UPDATE OF {WATCHED}",
            f"{_remove('old', dialect)}; {_add('new', dialect)}",
        ),
        "review_hours_delete": ("DELETE", _remove("old", dialect)),
        "review_logs_elapsed_insert": ("INSERT", _relink("new", dialect)),
        "review_logs_elapsed_update": (
            f"UPDATE OF {LINKED}",
            f"{_relink('old', dialect)}; {_relink('new', dialect)}",
        ),
        "review_logs_elapsed_delete": ("DELETE", _relink("old", dialect)),
    }
    for name, (event, body) in bodies.items():
        if dialect == "sqlite":
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON review_logs BEGIN {body}; END")
        else:
            result = "OLD" if event == "DELETE" else "NEW"
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {body}; RETURN {result}; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON review_logs "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("review_logs", sa.Column("elapsed_days", sa.Integer(), nullable=True))
    seconds = _seconds("reviewed_at", dialect)
    op.execute(
        "UPDATE review_logs SET elapsed_days = gaps.elapsed FROM ("
        f"SELECT id, ({seconds} - lag({seconds}) OVER (PARTITION BY user_id, card_id "
        "ORDER BY reviewed_at, id)) / 86400 AS elapsed FROM review_logs WHERE kind != 'cram'"
        ") AS gaps WHERE review_logs.id = gaps.id AND gaps.elapsed IS NOT NULL"
    )
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_review_logs_user_id_reviewed_at")
        batch_op.create_index("ix_review_logs_user_id_reviewed_at", NEW_INDEX, unique=False)
    op.create_table(
        "review_hours",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in COLUMNS),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_hours_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "hour", name=op.f("pk_review_hours")),
    )
    sums = ", ".join(f"sum({v})" for v in _counts("review_logs"))
    op.execute(
        f"INSERT INTO review_hours (user_id, hour, {', '.join(COLUMNS)}) "
        f"SELECT user_id, {seconds} / 3600 AS hour, {sums} FROM review_logs "
        f"GROUP BY user_id, {seconds} / 3600"
    )
    _create_triggers(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in TRIGGERS:
        op.execute(
            f"DROP TRIGGER IF EXISTS {name}" + ("" if dialect == "sqlite" else " ON review_logs")
        )
        if dialect != "sqlite":
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("review_hours")
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_review_logs_user_id_reviewed_at")
        batch_op.create_index("ix_review_logs_user_id_reviewed_at", OLD_INDEX, unique=False)
        batch_op.drop_column("elapsed_days")
