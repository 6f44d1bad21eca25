"""What a page computes from one user's study data, kept in memory until it can change.

Two things change such a value: a write, and the clock. Every write to the user's study data
moves ``users.revision`` (migration f6b1d9e3a482), every write to the bank moves
``bank_revision.n``, in whichever process; a value is kept with both numbers and with the
moment until which the clock alone cannot change it (the next card falling due, the end of the
study day, ...), which its computation returns. A request reads the two numbers in one query
and reuses the value while both stand and its "now" lies between the moment the value was
computed for and that moment.

One cache per engine (per database), bounded, least recently used first out. Values are plain
immutable data, never ORM rows: a row belongs to the session that loaded it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import per_engine, read_connection

T = TypeVar("T")

MAX_ENTRIES = 4096  # an entry is a few numbers: a study group's users many times over
REVISIONS = text("SELECT u.revision, b.n FROM users u, bank_revision b WHERE u.id = :user_id")


@dataclass(frozen=True)
class Until(Generic[T]):
    """A value and the moment the clock may change it (None: only a write can)."""

    value: T
    until: datetime | None


@dataclass(frozen=True)
class _Entry:
    revisions: tuple[int, int]
    since: datetime
    until: datetime | None
    value: Any


class UserCache:
    """Values by (user, key), each valid for one pair of revisions and a span of time."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    def get(
        self,
        key: Hashable,
        revisions: tuple[int, int],
        now: datetime,
        compute: Callable[[], Until[T]],
    ) -> T:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and _holds(entry, revisions, now):
                self._entries.move_to_end(key)
                return entry.value  # type: ignore[no-any-return]
        computed = compute()
        with self._lock:
            self._entries[key] = _Entry(revisions, now, computed.until, computed.value)
            self._entries.move_to_end(key)
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return computed.value


def _holds(entry: _Entry, revisions: tuple[int, int], now: datetime) -> bool:
    in_time = entry.since <= now and (entry.until is None or now < entry.until)
    return entry.revisions == revisions and in_time


_cache_of = per_engine(UserCache)


def cached_for_user(
    session: Session,
    user_id: int,
    key: Hashable,
    now: datetime,
    compute: Callable[[], Until[T]],
) -> T:
    """``compute().value``, or what it returned before at the same revisions of the user's data
    and the bank, for a "now" within the span it was valid for.

    ``key`` names everything else the value depends on (the page, a default time zone).
    """
    # Flushed first: a value computed over unflushed writes must be kept under the revision
    # they move to, never under the one before them.
    connection = read_connection(session)
    row = connection.execute(REVISIONS, {"user_id": user_id}).first()
    if row is None:  # no such user: nothing to key on, and nothing worth keeping
        return compute().value
    revisions = (int(row[0]), int(row[1]))
    return _cache_of(connection.engine).get((user_id, key), revisions, now, compute)
