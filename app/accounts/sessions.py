"""Server-side sign-in sessions: started at sign-in, checked on each request, revocable."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, select
from sqlalchemy.orm import Session

from app.accounts.models import SignInSession
from app.db import write


def token_hash(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def start(
    session: Session, user_id: int, cookie_value: str, now: datetime, expires: datetime
) -> None:
    """Record a new session (and forget this user's expired ones); commits."""
    with write(session, user_id):
        session.execute(
            delete(SignInSession).where(
                SignInSession.user_id == user_id, SignInSession.expires_at <= now
            )
        )
        if session.get(SignInSession, token_hash(cookie_value)) is None:
            session.add(
                SignInSession(
                    token_hash=token_hash(cookie_value), user_id=user_id, expires_at=expires
                )
            )


def is_live(engine: Engine, user_id: int, cookie_value: str) -> bool:
    """Whether the (already verified) cookie still names a session of that user."""
    with engine.connect() as connection:
        owner = connection.execute(
            select(SignInSession.user_id).where(
                SignInSession.token_hash == token_hash(cookie_value)
            )
        ).scalar()
    return owner == user_id


def end(session: Session, cookie_value: str) -> None:
    """Sign this browser out everywhere the cookie might be replayed; commits."""
    with write(session):
        session.execute(
            delete(SignInSession).where(SignInSession.token_hash == token_hash(cookie_value))
        )


def end_all(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """End every session of a user (but ``keep``'s); returns how many ended; commits."""
    with write(session, user_id):
        query = delete(SignInSession).where(SignInSession.user_id == user_id)
        if keep is not None:
            query = query.where(SignInSession.token_hash != token_hash(keep))
        result = cast(CursorResult[Any], session.execute(query))  # a DELETE's result has a rowcount
        ended = result.rowcount
    return int(ended or 0)
