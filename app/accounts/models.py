"""Tables of accounts: password hashes, failed sign-ins, and the shared session secret.

``app.tables`` imports this module, so Alembic and the app see these tables.
The ``users`` table itself stays in ``app.models``; a user without a password row (the
local user) cannot sign in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base, UTCDateTime, utcnow


class Password(Base):
    """The Argon2 hash of one user's password."""

    __tablename__ = "passwords"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    hash: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Base):
    """One failed sign-in, counted per account name and per client address.

    Kept in the database, not in process memory, so every app process sees the same counts.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInSession(Base):
    """One signed-in browser: the SHA-256 of its cookie, so a session can be ended server-side.

    The cookie's signature is checked first (a forgery never costs a lookup); then the row must
    exist: signing out deletes it, a password change deletes the user's others, and
    ``dlcards users sign-out NAME`` deletes them all.
    """

    __tablename__ = "sign_in_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppSecret(Base):
    """A secret generated once and shared by every app process (the session signing key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
