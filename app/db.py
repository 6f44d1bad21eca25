"""The one place the database is opened: engine, SQLite pragmas, sessions, migrations."""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Annotated, TypeVar
from weakref import WeakKeyDictionary

import anyio
from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import SchemaItem
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.paths import ALEMBIC_INI, MIGRATIONS_DIR

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 10_000
# As many pooled connections as anyio has worker threads for sync handlers (40), so no request
# under load opens (and sets the pragmas of) a connection that the pool then throws away.
SQLITE_POOL_SIZE = 40


def per_engine(make: Callable[[], T]) -> Callable[[Engine], T]:
    """One ``make()`` per engine (per database), made at its first use and gone with the engine:
    what a process keeps in memory of a database (``app.cards.bank_cache``,
    ``app.study.user_cache``) is never read for another."""
    made: WeakKeyDictionary[Engine, T] = WeakKeyDictionary()
    lock = threading.Lock()

    def of(engine: Engine) -> T:
        with lock:
            value = made.get(engine)
            if value is None:
                value = made[engine] = make()
            return value

    return of


def make_engine(settings: Settings) -> Engine:
    """Create the engine; for SQLite create the folder and set WAL, foreign keys, busy timeout."""
    url = settings.database_url
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if settings.sqlite_path is not None:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=SQLITE_POOL_SIZE,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy issue BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        cursor.execute("SELECT power(2, 0.5), floor(0.5)")
    except sqlite3.OperationalError:  # a SQLite built without its math functions
        dbapi_connection.create_function("power", 2, math.pow, deterministic=True)
        dbapi_connection.create_function("floor", 1, math.floor, deterministic=True)
    cursor.close()


# Set while a request's write runs on the event loop (write_in_request): there BEGIN IMMEDIATE
# fails at once on a file another process is writing, instead of waiting on the loop.
_ON_LOOP: ContextVar[bool] = ContextVar("sqlite_write_on_loop", default=False)


def _sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads then writes can fail with "database is locked"
    # without waiting; write transactions (see begin_write) take the lock up front instead.
    if not connection.get_execution_options().get("sqlite_immediate"):
        connection.exec_driver_sql("BEGIN")
    elif not _ON_LOOP.get():
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def begin_write(session: Session, user_id: int | None = None) -> None:
    """Start the session's transaction as a write one (SQLite: BEGIN IMMEDIATE).

    Call it before the first query of a transaction that will write, so concurrent writers
    queue on the busy timeout instead of failing with "database is locked". PostgreSQL has
    no such database-wide lock: given ``user_id``, the user's row is locked (FOR UPDATE)
    instead, so one user's writes from any process run one after another and each reads
    what the previous one committed (other users write at the same time).
    """
    if session.in_transaction():
        session.commit()
    connection = session.connection(execution_options={"sqlite_immediate": True})
    if user_id is not None and connection.dialect.name == "postgresql":
        session.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": user_id})


@contextmanager
def write(session: Session, user_id: int | None = None) -> Iterator[Session]:
    """One write transaction: begun as ``begin_write`` does, committed when the block ends,
    rolled back when anything in it raises (so no half-written change is ever left behind).

    ``return`` inside the block commits first; the block must not commit itself.
    """
    with _sqlite_writers(session) or nullcontext():
        begin_write(session, user_id)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# A SQLite writer that finds the file locked polls it, sleeping up to 100 ms between tries (its
# busy handler), so eight threads grading at once mostly waited on sleeps. The writers of one
# process queue on a lock instead, and are woken as soon as the one before them commits; the
# busy timeout still orders writers of other processes. Reentrant: a write inside a write (of
# another session) waits on SQLite's lock as it did before.
_SQLITE_WRITERS: dict[str, threading.RLock] = {}


def _sqlite_writers(session: Session) -> threading.RLock | None:
    engine = session.get_bind().engine
    if engine.dialect.name != "sqlite":
        return None
    path = str(engine.url.database)
    return _SQLITE_WRITERS.get(path) or _SQLITE_WRITERS.setdefault(path, threading.RLock())


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(settings: Settings) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["settings"] = settings
    return config


# Made by raw SQL in the migrations, unknown to the models: the SQLite FTS5 table (its shadow
# tables and the triggers that fill it) and the PostgreSQL GIN index, read by app/cards/search.py.
FTS_TABLE_PREFIX = "cards_fts"
FTS_INDEX = "ix_cards_fts"


def include_object(
    obj: SchemaItem,
    name: str | None,
    type_: str,
    reflected: bool,
    compare_to: SchemaItem | None,
) -> bool:
    """Alembic filter: compare everything but the full-text search objects."""
    if type_ == "table" and name and name.startswith(FTS_TABLE_PREFIX):
        return False
    return not (type_ == "index" and name == FTS_INDEX)


# Any fixed number: the key of the PostgreSQL advisory lock held while a process sets up.
SETUP_LOCK_KEY = 4_417_205_031


@contextmanager
def setup_lock(engine: Engine) -> Iterator[None]:
    """PostgreSQL: one process at a time migrates and loads the bank (replicas start together).

    SQLite needs nothing: its migrations and loads are write transactions, serialized already.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK_KEY})
            connection.commit()


def migrate(settings: Settings, engine: Engine) -> None:
    """Upgrade the database to the newest migration (the only way the schema is made)."""
    config = alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def migrated_session(settings: Settings) -> Iterator[Session]:
    """A session on the database upgraded to head, for a CLI command; disposed afterwards."""
    engine = make_engine(settings)
    try:
        migrate(settings, engine)
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def read_connection(session: Session) -> Connection:
    """The session's connection, for a hot read of plain values rather than ORM rows (an ORM
    get of one row cost three to four times its query). A read on the connection does not
    flush, so what the session holds unflushed is flushed first."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


SCHEMA_REVISION = text("SELECT version_num FROM alembic_version")


def schema_revision(connection: Connection) -> str | None:
    """The revision the database is at, read on a connection the caller already holds.

    Read from Alembic's table itself: the app migrates before it serves, so the table is
    there. Alembic's ``MigrationContext`` first looks the table up in the schema, which was
    most of what a ``/healthz`` cost."""
    return connection.execute(SCHEMA_REVISION).scalar()


async def in_request(session: Session, work: Callable[[], T]) -> T:
    """``work()``, a request's reads (and its page), on the loop on SQLite, where they take a
    millisecond or a few and a threadpool hand-off, with threads contending for the GIL, cost
    about as much (bench/http_pages.py: a card page 0.17 -> 0.28 of a bare page); in the
    threadpool on PostgreSQL, where each read is a round trip the loop must not wait for."""
    if session.get_bind().dialect.name == "sqlite":
        return work()
    with anyio.CancelScope(shield=True):  # a dropped client still gets it done (a close)
        result = await run_in_threadpool(work)
    return result


async def write_in_request(session: Session, work: Callable[[], T]) -> T:
    """``work()``, a request's reads and one write transaction: on SQLite on the loop when no
    other write of this process is under way, else (and on PostgreSQL) in the threadpool, where
    waiting for the lock holds up no one. A grade takes about a millisecond; its threadpool
    hand-off, with eight threads contending for the GIL, cost more than that.

    ``work`` may run twice: on the loop, a file that another process is writing fails the
    BEGIN at once, before anything is written; that attempt is rolled back and retried in the
    threadpool, which waits on the busy timeout as every other writer does.
    """
    writers = _sqlite_writers(session)
    if writers is not None and writers.acquire(blocking=False):
        on_loop = _ON_LOOP.set(True)
        try:
            return work()
        except OperationalError as error:
            if "locked" not in str(error.orig):
                raise
            session.rollback()
        finally:
            _ON_LOOP.reset(on_loop)
            writers.release()
    with anyio.CancelScope(shield=True):  # a write once begun is finished for a dropped client
        result = await run_in_threadpool(work)
    return result


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, from the engine the app was created with.

    An ``async`` dependency, so opening it costs no threadpool hand-off (making a session does
    no I/O; each hand-off cost about 1 ms a request, bench/http_pages.py). Closing rolls back
    the connection it returns to the pool (``in_request``).
    """
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        await in_request(session, session.close)


SessionDep = Annotated[Session, Depends(get_session)]
