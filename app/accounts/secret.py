"""The session signing key: from DLCARDS_SECRET_KEY, or generated once into the database.

Every app process reads the same row, so a cookie signed by one process is accepted by all.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import AppSecret
from app.db import write

SESSION_KEY_NAME = "session-signing-key"


def session_key(engine: Engine, configured: str | None) -> bytes:
    """The configured key, else the stored one, storing a new random key the first time."""
    if configured:
        return configured.encode()
    with Session(engine) as session:
        stored = session.scalar(select(AppSecret.value).where(AppSecret.name == SESSION_KEY_NAME))
        if stored is None:
            try:
                with write(session):
                    session.add(AppSecret(name=SESSION_KEY_NAME, value=secrets.token_urlsafe(48)))
            except IntegrityError:  # another process stored one first: use theirs
                pass
            stored = session.scalar(
                select(AppSecret.value).where(AppSecret.name == SESSION_KEY_NAME)
            )
    assert stored is not None
    return stored.encode()
