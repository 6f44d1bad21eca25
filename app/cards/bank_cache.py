"""What the pages compute from the bank alone, kept in memory until the bank changes.

The topics with their counts, a topic's card order and search hits depend only on the rows of
``cards`` and ``topics``; every write to those tables, by any code in any process (a content
sync, an own card, a fork, ``db copy``), moves ``bank_revision.n`` in its own transaction by
trigger (migration e3a7c1f9b254). A page reads that one number and reuses what was computed
at the same revision, so a cached value is never older than the revision it was read with.

One cache per engine (per database), bounded, least recently used first out. Values are plain
immutable data, never ORM rows: a row belongs to the session that loaded it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.db import per_engine

T = TypeVar("T")

MAX_ENTRIES = 1024  # a search entry is up to 50 hits, about 25 KB
REVISION = "SELECT n FROM bank_revision"


class BankCache:
    """Values by key, valid for one revision of the bank; a new revision empties it."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._revision: int | None = None
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, revision: int, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if revision != self._revision:
                self._entries.clear()
                self._revision = revision
            elif key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            if revision == self._revision:  # not if a newer revision came meanwhile
                self._entries[key] = value
                if len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value


_cache_of = per_engine(BankCache)


def bank_revision(session: Session) -> int:
    """The bank's revision as this session's transaction sees it."""
    return int(session.connection().exec_driver_sql(REVISION).scalar_one())


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned before at the bank's current revision.

    ``key`` names everything the value depends on besides the bank (the user, the query).
    """
    connection = session.connection()
    return _cache_of(connection.engine).get(bank_revision(session), key, compute)
