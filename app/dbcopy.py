"""``dlcards db copy``: move a whole database (a laptop's SQLite) into another (PostgreSQL).

The target must be empty (only what the migrations seed); both ends are upgraded to the
newest migration; every table is copied in foreign-key order keeping its ids; with
``as_user`` the local user's progress becomes a new account of that name. Row counts are
compared afterwards, and any difference is an error. The search index is not copied: a
SQLite target's triggers index each copied card, PostgreSQL's index is an expression over cards.
Nor are the tables the target's triggers keep as the rows arrive (``KEPT_BY_TRIGGERS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from app.accounts.users import name_problem
from app.config import Settings
from app.db import make_engine, migrate
from app.models import LOCAL_USER_ID, User
from app.progress import Progress, timed
from app.tables import metadata

BATCH = 5_000
# Filled by the target's own triggers while the rows are copied (migrations d8f3a1c5e927 and
# e3a7c1f9b254): a copied hour would count every answer twice; the bank's revision number is
# the target's own, seeded by its migration.
KEPT_BY_TRIGGERS = frozenset({"review_hours", "bank_revision"})


class CopyError(Exception):
    """The copy was refused or did not verify; the message says why."""


@dataclass
class CopyReport:
    """Rows copied per table, and the target id of the source's local user."""

    rows: dict[str, int] = field(default_factory=dict)
    local_user_id: int = LOCAL_USER_ID

    def __str__(self) -> str:
        return ", ".join(f"{name} {count}" for name, count in self.rows.items() if count)


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _seeded_users(connection: Connection) -> bool:
    """True when ``users`` holds only what the first migration inserts (the local user)."""
    ids = connection.scalars(select(User.id)).all()
    return ids in ([], [LOCAL_USER_ID])


def _refuse_non_empty(connection: Connection) -> None:
    for table in metadata.sorted_tables:
        if table.name in KEPT_BY_TRIGGERS:
            continue
        if table.name == "users":
            if not _seeded_users(connection):
                raise CopyError("the target already has users: copy only into an empty database")
        elif _count(connection, table):
            raise CopyError(
                f"the target is not empty ({table.name} has rows): "
                "copy only into a new, empty database"
            )


def _user_columns(table: Table) -> list[str]:
    return [
        column.name
        for column in table.columns
        if any(fk.column.table.name == "users" for fk in column.foreign_keys)
    ]


def _rows(source: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    result = source.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    for partition in result.partitions(BATCH):
        yield [dict(row._mapping) for row in partition]


def _copy_table(
    source: Connection, target: Connection, table: Table, user_map: dict[int, int]
) -> int:
    user_columns = _user_columns(table)
    copied = 0
    for batch in _rows(source, table):
        if table.name == "users":
            batch = [row for row in batch if row["id"] not in user_map]
        for row in batch:
            for name in user_columns:
                row[name] = user_map.get(row[name], row[name])
        if batch:
            target.execute(insert(table), batch)
            copied += len(batch)
    return copied


def _advance_sequences(target: Connection) -> None:
    """PostgreSQL: explicit ids do not move the id sequences, so move them past the rows."""
    for table in metadata.sorted_tables:
        if len(table.primary_key.columns) != 1:
            continue
        column = next(iter(table.primary_key.columns)).name
        sequence = target.scalar(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}
        )
        if sequence is not None:
            target.execute(
                text(
                    f"SELECT setval(:s, coalesce((SELECT max({column}) FROM {table.name}), 0)"
                    " + 1, false)"
                ),
                {"s": sequence},
            )


def copy_database(
    source_url: str,
    target_url: str,
    as_user: str | None = None,
    on_table: Callable[[], None] | None = None,
) -> CopyReport:
    """Copy every row of ``source_url`` into the empty ``target_url`` and verify the counts.

    ``on_table`` is called after each table is copied (the CLI's progress bar).
    """
    if as_user is not None and (problem := name_problem(as_user)):
        raise CopyError(problem)
    source_engine, target_engine = _migrated(source_url), _migrated(target_url)
    try:
        return _copy(source_engine, target_engine, as_user, on_table)
    finally:
        source_engine.dispose()
        target_engine.dispose()


def _migrated(url: str) -> Engine:
    settings = Settings(database_url=url)
    engine = make_engine(settings)
    migrate(settings, engine)
    return engine


def _copy(
    source_engine: Engine,
    target_engine: Engine,
    as_user: str | None,
    on_table: Callable[[], None] | None,
) -> CopyReport:
    report = CopyReport()
    with source_engine.connect() as source, target_engine.begin() as target:
        _refuse_non_empty(target)
        # The target's seeded local user stays; the source's local user maps onto it, or
        # onto a new account named as_user.
        user_map = {LOCAL_USER_ID: LOCAL_USER_ID}
        if as_user is not None:
            users = metadata.tables["users"]
            names = {n.lower() for n in source.scalars(select(users.c.name))}
            if as_user.lower() in names:
                raise CopyError(f"the source already has a user named {as_user!r}")
            new_id = int(source.scalar(select(func.max(users.c.id))) or 0) + 1
            created = source.scalar(select(users.c.created_at).where(users.c.id == 1))
            target.execute(insert(users), [{"id": new_id, "name": as_user, "created_at": created}])
            user_map[LOCAL_USER_ID] = report.local_user_id = new_id
        for table in metadata.sorted_tables:
            if table.name not in KEPT_BY_TRIGGERS:
                report.rows[table.name] = _copy_table(source, target, table, user_map)
            if on_table is not None:
                on_table()
        if target.dialect.name == "postgresql":
            _advance_sequences(target)
        _verify(source, target, as_user is not None)
    return report


def _verify(source: Connection, target: Connection, added_account: bool) -> None:
    """Every table has as many rows in the target as in the source (users: plus the account)."""
    for table in metadata.sorted_tables:
        if table.name == "bank_revision":
            continue
        expected = _count(source, table)
        if table.name == "users" and not _count_has_local(source):
            expected += 1  # the target's seeded local user
        if table.name == "users" and added_account:
            expected += 1
        found = _count(target, table)
        if found != expected:
            raise CopyError(f"{table.name}: {expected} rows expected in the target, {found} found")


def _count_has_local(connection: Connection) -> bool:
    return connection.scalar(select(User.id).where(User.id == LOCAL_USER_ID)) is not None


db_app = typer.Typer(help="Database operations.", no_args_is_help=True)


@db_app.command("copy")
def db_copy(
    source: Annotated[str, typer.Option("--from", help="SQLAlchemy URL to copy from.")],
    target: Annotated[str, typer.Option("--to", help="SQLAlchemy URL of an empty database.")],
    as_user: Annotated[
        str | None,
        typer.Option("--as-user", help="Make the local user's progress this new account's."),
    ] = None,
) -> None:
    """Copy a whole database into an empty one (e.g. a laptop's SQLite into PostgreSQL)."""
    progress = Progress("copying tables", len(metadata.sorted_tables))
    try:
        with timed() as clock:
            report = copy_database(source, target, as_user, on_table=progress.advance)
    except CopyError as error:
        typer.echo(f"Nothing copied: {error}.", err=True)
        raise typer.Exit(1) from None
    finally:
        progress.close()
    typer.echo(f"copied and verified: {report} in {clock['elapsed']:.1f} s")
    if as_user is not None:
        typer.echo(f"set the password of {as_user!r} with: dlcards users passwd {as_user}")
