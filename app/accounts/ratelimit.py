"""Login rate limits per account name and per client address, counted in the database.

A name or an address with too many failed sign-ins in the window is refused before the
password is checked, whether or not the account exists (so the refusal reveals nothing).
Each attempt is counted *before* its password is checked, in the write transaction that
decided to let it through, so a concurrent burst cannot slip more checks past the limit than
it allows (a success then takes its count back). Sign-ups whose name is taken count the same
way, so probing for account names is limited like guessing passwords.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.accounts.models import LoginFailure
from app.db import write

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


@dataclass(frozen=True)
class Refusal:
    """Too many failures: who is blocked, and for how many more minutes."""

    scope: str  # "account" | "address"
    minutes: int

    @property
    def message(self) -> str:
        target = "this account name" if self.scope == "account" else "your address"
        return (
            f"Too many failed sign-ins for {target}. Try again in {self.minutes} minute"
            f"{'s' if self.minutes != 1 else ''}."
        )


def normalized(account: str) -> str:
    return account.strip().lower()[:100]


def _blocked_for(
    session: Session, column: InstrumentedAttribute[str], key: str, limit: int, now: datetime
) -> int | None:
    since = now - WINDOW
    count, oldest = session.execute(
        select(func.count(), func.min(LoginFailure.at)).where(
            column == key, LoginFailure.at > since
        )
    ).one()
    if count < limit:
        return None
    # Failures expire one by one; the block lifts when the oldest leaves the window.
    oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((oldest_at + WINDOW - now).total_seconds() / 60))


def check(session: Session, account: str, address: str, now: datetime) -> Refusal | None:
    """A refusal when the account name or the address has used up its failures."""
    minutes = _blocked_for(
        session, LoginFailure.account, normalized(account), MAX_FAILURES_PER_ACCOUNT, now
    )
    if minutes is not None:
        return Refusal("account", minutes)
    minutes = _blocked_for(session, LoginFailure.address, address, MAX_FAILURES_PER_ADDRESS, now)
    if minutes is not None:
        return Refusal("address", minutes)
    return None


# PostgreSQL: the transaction-scoped advisory lock that serializes the count-then-insert of
# attempts across processes (SQLite's write transaction already does).
ATTEMPT_LOCK_KEY = 4_417_205_032


def attempt(session: Session, account: str, address: str, now: datetime) -> Refusal | None:
    """Refuse, or let one attempt through and count it as a failure until it succeeds; commits."""
    with write(session):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ATTEMPT_LOCK_KEY})
        refusal = check(session, account, address, now)
        if refusal is None:
            session.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
            session.add(LoginFailure(account=normalized(account), address=address[:64], at=now))
    return refusal


def clear_account(session: Session, account: str) -> None:
    """A successful sign-in forgives the account's failures (not the address's); commits."""
    with write(session):
        session.execute(delete(LoginFailure).where(LoginFailure.account == normalized(account)))
