"""Seconds since 1970 of stored datetimes, in SQL: the one definition the stats, the
calibration and the ``review_hours`` triggers (migration d8f3a1c5e927) share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, cast, func
from sqlalchemy.sql.elements import ColumnElement


def epoch_seconds(column: Any, dialect: str) -> ColumnElement[int]:
    """Whole seconds since 1970 of a stored UTC datetime, in SQL (SQLite or PostgreSQL)."""
    if dialect == "sqlite":
        # Whole seconds, exact (julianday arithmetic is off by float rounding at day edges).
        return cast(func.strftime("%s", column), Integer)
    # BigInteger: seconds since 1970 overflow PostgreSQL's INTEGER after 2038.
    return cast(func.floor(func.extract("epoch", column)), BigInteger)
